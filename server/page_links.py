"""The page being shown, in another language: the language switch and ``hreflang`` links.

The site picks its language from ``?lang=`` (``server.i18n``), so the same page in another
language is the same address with ``lang`` set. The visible language switch keeps every other
query parameter (a walk's deep link keeps its ``yaw``/``pitch``, a search its ``q``).

For search engines there is one rule, so every address in a page's ``hreflang`` set is its own
canonical address: the page without its view parameters (:data:`VIEW_PARAMS`: where the
visitor looks is not another page), with ``lang`` when the address asks for a language and
without it otherwise. ``x-default`` is the address without ``lang``: that page speaks the
visitor's own language.

Alternates are announced on public pages only (:data:`PUBLIC_BLUEPRINTS`, GET): pages behind a
sign-in are never indexed, so they would only add noise, and error pages override the block.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import request

from server.config import LANGUAGES

#: the blueprints whose pages visitors (and search engines) see
PUBLIC_BLUEPRINTS = frozenset({"site", "shop_pages", "walk_pages", "legal"})
#: characters of a path that stay as they are in a link
PATH_SAFE = "/:@!$&'()*+,;=-._~"
#: query parameters that only choose the view of a page (a walk's deep link), not its content
VIEW_PARAMS = frozenset({"yaw", "pitch", "zoom"})


def url_in_language(code: str | None, *, external: bool = False, keep_view: bool = True
                    ) -> str:
    """The current address with ``lang=code`` (without ``lang`` for None), the other query
    parameters kept in their order (the view's only when ``keep_view``); absolute when
    ``external``."""
    dropped = {"lang"} if keep_view else {"lang", *VIEW_PARAMS}
    pairs = [(name, value) for name, value in request.args.items(multi=True)
             if name not in dropped]
    if code is not None:
        pairs.append(("lang", code))
    path = quote(request.script_root + request.path, safe=PATH_SAFE)
    base = request.host_url.rstrip("/") + path if external else path
    query = urlencode(pairs)
    return f"{base}?{query}" if query else base


def canonical_url() -> str:
    """The canonical address of the page being shown (absolute): without view parameters, with
    ``lang`` only when the address asks for a language the site speaks."""
    asked = request.args.get("lang")
    return url_in_language(asked if asked in LANGUAGES else None, external=True,
                           keep_view=False)


def is_public_page() -> bool:
    """The request shows a page visitors may find through a search engine."""
    return request.method == "GET" and request.blueprint in PUBLIC_BLUEPRINTS


def language_alternates() -> list[tuple[str, str]]:
    """``(hreflang, absolute URL)`` of every language of a public page and ``x-default``;
    empty on other pages."""
    if not is_public_page():
        return []
    return [*((code, url_in_language(code, external=True, keep_view=False))
              for code in LANGUAGES),
            ("x-default", url_in_language(None, external=True, keep_view=False))]


def template_helpers() -> dict[str, object]:
    """What templates call: ``language_url(code)``, ``language_alternates()`` and
    ``canonical_url()``."""
    return {"language_url": url_in_language, "language_alternates": language_alternates,
            "canonical_url": canonical_url}
