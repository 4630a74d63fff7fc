"""Public JSON that browsers and caches may keep for a short while, revalidated by ETag.

Visitors' JSON (tours, scenes, shop cards, the directory) changes when an editor saves or as
time passes (a hotspot's validity, "open now"), so it is cached only briefly
(``Cache-Control: public, max-age=60``) and carries a strong ``ETag``: a digest of the body as
sent, which is localised, so every language variant has its own tag. A request whose
``If-None-Match`` names the current tag gets ``304 Not Modified`` without a body.

The language is negotiated while the body is built, so ``server.i18n`` adds
``Vary: Accept-Language, Cookie`` (the ``lang`` cookie picks the language) and
``server.sessions`` keeps ``Vary: Cookie`` on such responses.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, request
from flask_smorest import Blueprint

F = TypeVar("F", bound=Callable[..., Any])

#: seconds a browser or shared cache may use a visitors' JSON answer without asking again
PUBLIC_MAX_AGE = 60
#: response headers that belong to the representation besides the body (a page's total)
TAGGED_HEADERS = ("X-Pagination",)

IF_NONE_MATCH = {
    "in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
    "description": "The ETag of a copy the client holds; when it is still current the answer "
                   "is 304 without a body.",
}


def body_etag(response: Response) -> str:
    """A strong entity tag of what ``response`` sends: its body and :data:`TAGGED_HEADERS`."""
    digest = hashlib.sha256(response.get_data())
    for name in TAGGED_HEADERS:
        digest.update(f"\n{name}: {response.headers.get(name, '')}".encode())
    return digest.hexdigest()[:32]


def make_cacheable(response: Response, max_age: int = PUBLIC_MAX_AGE) -> Response:
    """Mark a successful public answer cacheable for ``max_age`` seconds, tag it, and turn it
    into ``304 Not Modified`` when the request's ``If-None-Match`` names the tag (werkzeug's
    weak comparison, ``*`` included). Other answers pass unchanged."""
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return response
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.set_etag(body_etag(response))
    return response.make_conditional(request)


def public_cache(bp: Blueprint, max_age: int = PUBLIC_MAX_AGE) -> Callable[[F], F]:
    """Decorator for a public GET endpoint, between ``@bp.route`` and ``@bp.response``: the
    answer gets ``ETag`` and ``Cache-Control`` and conditional requests get 304; the OpenAPI
    document names the ``If-None-Match`` header and the 304 answer."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def cached(*args: Any, **kwargs: Any) -> Any:
            response = view(*args, **kwargs)
            if isinstance(response, Response):
                return make_cacheable(response, max_age)
            return response

        documented = bp.doc(parameters=[IF_NONE_MATCH])(
            bp.alt_response(304, description=(
                "Not Modified: the copy named by If-None-Match is current. Every 200 "
                f"answer carries an ETag and Cache-Control: public, max-age={max_age}."))(
                cached))
        return documented  # type: ignore[no-any-return]

    return decorate
