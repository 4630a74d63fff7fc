"""Security headers on every response: a strict Content Security Policy and its companions.

- **Pages and scripts** (HTML, JavaScript: what a browser runs as a document or a worker) get the
  page policy: scripts and styles only from this site, never inline; images and fetches from this
  site, the public storage's origin (an S3 bucket or CDN, derived from ``PUBLIC_STORAGE_URL``),
  the plan's map tile server (images only, from ``PLAN_TILE_URL``) and the origins a city adds
  (``CSP_EXTRA_IMG_SRC``, ``CSP_EXTRA_CONNECT_SRC``); ``blob:`` images,
  because Photo Sphere Viewer turns a panorama it downloads with progress into an image through
  ``URL.createObjectURL``. Photo Sphere Viewer sets styles only through the CSSOM
  (``element.style``), which a policy does not govern, so ``style-src 'self'`` holds without
  ``'unsafe-inline'``, nonces or hashes (``tests/browser/test_csp.py`` watches this).
- **Everything else** (JSON, images, ``/media``) gets an inert policy: should a browser ever show
  one as a page, it loads and runs nothing.
- **Framing** is refused (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``) except for
  embed pages: paths under ``/embed/`` and views marked with :func:`allow_framing`, which any site
  may put in an iframe (``frame-ancestors *``, no ``X-Frame-Options``) — their successful
  answers only: an error page is the site's own, with account links and forms.

Every response also carries ``nosniff``, a referrer policy, a permissions policy and
``Cross-Origin-Opener-Policy``; ``Strict-Transport-Security`` only in production, over HTTPS.
The headers are computed once, when the app is created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

from server.config import (
    ConfigError,
    origin_list,
    parse_origin,
    tile_origin,
    tile_url_template,
)
from server.storage import Storage, StorageError
from server.storage_setup import MEDIA_PATH, public_storage

EXTENSION_KEY = "flaneur.security_headers"
#: pages under this path may be framed by any site (the embeddable walks)
EMBED_PATH_PREFIX = "/embed/"
#: responses a browser runs as a document or as a worker's script; they get the page policy
PAGE_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "text/javascript", "application/javascript",
})
#: for everything that is not a page: nothing may load or run, nobody may frame it
INERT_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
# Cross-site, only the origin travels (never a path or query): shops still see that visitors
# came from the city's walk, and a CDN's hotlink protection still sees our origin.
REFERRER_POLICY = "strict-origin-when-cross-origin"
#: the viewer's fullscreen button and sensors (the gyroscope mode of phones), wayfinding's
#: "where am I" for our own pages; everything else a page could ask for is switched off
PERMISSIONS_POLICY = ", ".join((
    "accelerometer=(self)", "gyroscope=(self)", "magnetometer=(self)", "fullscreen=(self)",
    "geolocation=(self)", "camera=()", "microphone=()", "display-capture=()", "midi=()",
    "payment=()", "usb=()", "serial=()", "hid=()", "xr-spatial-tracking=()",
    "browsing-topics=()",
))
# One year; no includeSubDomains: Flaneur may run on a city's main domain, whose other hosts
# are not ours to force onto HTTPS (a proxy in front can add it).
HSTS_VALUE = "max-age=31536000"
#: any valid key: only the origin of its public URL is used
_PROBE_KEY = "csp-origin-probe"
_FRAMING_MARK = "_flaneur_allow_framing"

View = TypeVar("View", bound=Callable[..., object])


@dataclass(frozen=True)
class SecurityHeaders:
    """The header values of one app, computed once from its configuration."""

    page_policy: str
    embed_policy: str
    strict_transport_security: bool


def allow_framing(view: View) -> View:
    """Mark ``view`` as an embed page that any site may show in an iframe.

    Pages under ``/embed/`` are marked by their path already. An embed page must not offer
    actions on the visitor's session (sign-out, edit forms): a framing site could trick clicks.
    """
    setattr(view, _FRAMING_MARK, True)
    return view


def content_security_policy(*, frame_ancestors: str, img_origins: Iterable[str] = (),
                            connect_origins: Iterable[str] = ()) -> str:
    """The page policy; ``*_origins`` are added to this site for images and fetches."""
    directives = {
        "default-src": ("'self'",),
        "script-src": ("'self'",),
        "style-src": ("'self'",),
        "img-src": ("'self'", "blob:", *img_origins),
        "connect-src": ("'self'", *connect_origins),
        "object-src": ("'none'",),
        "base-uri": ("'self'",),
        "form-action": ("'self'",),
        "frame-ancestors": (frame_ancestors,),
    }
    return "; ".join(
        " ".join((name, *dict.fromkeys(sources))) for name, sources in directives.items()
    )


def public_storage_origin(storage: Storage) -> str | None:
    """The origin browsers fetch the public storage's objects from, when it is not this site.

    None for a storage the app serves under ``/media`` (a relative URL) or one without public
    URLs. Raises ConfigError if the origin cannot be named in a policy (e.g. an IPv6 literal).
    """
    try:
        url = storage.public_url(_PROBE_KEY)
    except StorageError:
        return None
    parts = urlsplit(url)
    if not parts.scheme:
        return None
    origin = parse_origin(f"{parts.scheme}://{parts.netloc}")
    if origin is None:
        raise ConfigError(
            f"PUBLIC_STORAGE_URL: browsers would fetch public files from host "
            f"{parts.hostname!r} over {parts.scheme!r}, an origin a Content-Security-Policy "
            "cannot name; use an http(s) host name (for example with public_url=…)"
        )
    return origin


def build_headers(app: Flask) -> SecurityHeaders:
    """The header values for ``app``'s configuration and public storage."""
    storage_origin = public_storage_origin(public_storage(app))
    storage_origins = [storage_origin] if storage_origin else []
    # the plan's map tiles (PLAN_TILE_URL), when a city sets one: images only, never fetches
    tiles = tile_origin(tile_url_template("PLAN_TILE_URL", app.config.get("PLAN_TILE_URL", "")))
    img = [*storage_origins, *([tiles] if tiles else []),
           *origin_list("CSP_EXTRA_IMG_SRC", app.config.get("CSP_EXTRA_IMG_SRC", ()))]
    connect = [*storage_origins, *origin_list("CSP_EXTRA_CONNECT_SRC",
                                              app.config.get("CSP_EXTRA_CONNECT_SRC", ()))]
    return SecurityHeaders(
        page_policy=content_security_policy(frame_ancestors="'none'", img_origins=img,
                                            connect_origins=connect),
        embed_policy=content_security_policy(frame_ancestors="*", img_origins=img,
                                             connect_origins=connect),
        strict_transport_security=app.config["FLANEUR_ENV"] == "production",
    )


def is_embed_request() -> bool:
    """Whether this request's page may be framed by other sites."""
    if request.path.startswith(EMBED_PATH_PREFIX):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, _FRAMING_MARK, False))


def _policy_for(response: Response, headers: SecurityHeaders, embed: bool) -> str:
    # /media holds uploaded-derived files: inert even for a body-less 304 or 404 (text/html)
    if response.mimetype not in PAGE_TYPES or request.path.startswith(MEDIA_PATH + "/"):
        return INERT_POLICY
    return headers.embed_policy if embed else headers.page_policy


def add_security_headers(response: Response) -> Response:
    """Set the security headers on ``response`` (an ``after_request`` function)."""
    headers: SecurityHeaders = current_app.extensions[EXTENSION_KEY]
    # an error answer is the site's error page, with its account links and forms: never framed
    embed = is_embed_request() and response.status_code < 400
    response.headers["Content-Security-Policy"] = _policy_for(response, headers, embed)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = REFERRER_POLICY
    response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if embed:
        response.headers.pop("X-Frame-Options", None)
    else:
        response.headers["X-Frame-Options"] = "DENY"
    if headers.strict_transport_security and request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS_VALUE
    return response


def init_app(app: Flask) -> None:
    """Compute the headers (after the storages are set up) and add them to every response."""
    app.extensions[EXTENSION_KEY] = build_headers(app)
    app.after_request(add_security_headers)
