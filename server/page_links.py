"""The page being shown, in another language: the language switch and ``hreflang`` links.

The site picks its language from ``?lang=`` (``server.i18n``), so the same page in another
language is the same address with ``lang`` set and every other query parameter kept (a walk's
deep link keeps its ``yaw``/``pitch``, a search its ``q``). ``x-default`` is the address
without ``lang``: the page then speaks the visitor's own language.

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


def url_in_language(code: str | None, *, external: bool = False) -> str:
    """The current address with ``lang=code`` (without ``lang`` for None), the other query
    parameters kept in their order; absolute when ``external``."""
    pairs = [(name, value) for name, value in request.args.items(multi=True) if name != "lang"]
    if code is not None:
        pairs.append(("lang", code))
    path = quote(request.script_root + request.path, safe=PATH_SAFE)
    base = request.host_url.rstrip("/") + path if external else path
    query = urlencode(pairs)
    return f"{base}?{query}" if query else base


def is_public_page() -> bool:
    """The request shows a page visitors may find through a search engine."""
    return request.method == "GET" and request.blueprint in PUBLIC_BLUEPRINTS


def language_alternates() -> list[tuple[str, str]]:
    """``(hreflang, absolute URL)`` of every language of a public page and ``x-default``;
    empty on other pages."""
    if not is_public_page():
        return []
    return [*((code, url_in_language(code, external=True)) for code in LANGUAGES),
            ("x-default", url_in_language(None, external=True))]


def template_helpers() -> dict[str, object]:
    """What ``base.html`` calls: ``language_url(code)`` and ``language_alternates()``."""
    return {"language_url": url_in_language, "language_alternates": language_alternates}
