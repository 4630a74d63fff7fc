"""Addresses made with a tour's former slug lead to the tour under its current one.

A city renames a tour (``old-town`` becomes ``old-town-walk``) after its address went onto
posters, QR codes at the kiosks and other sites' embeds. Every visitor-facing address naming a
tour by slug, pages and the walk API alike, answers a former slug of a public tour with a
permanent redirect (301) to the same address, query included, under the current slug
(``tours.walk.renamed_public_tour``; the slugs are kept by ``tours.tour_service``).
"""

from __future__ import annotations

from urllib.parse import quote

from flask import abort, redirect, request, url_for

from server.extensions import db
from tours import walk
from tours.models import utcnow

#: seconds browsers and caches may keep the redirect (the walk API's own answers: a minute)
REDIRECT_MAX_AGE = 60
#: characters a query keeps as they are: its separators and escapes
QUERY_SAFE = "&=+;%/?:@,$!*'()~[]"


def follow_renamed_tour(slug: str, argument: str) -> None:
    """Abort with a redirect to this request's address under the current slug of the public
    tour that ``slug`` (the view argument ``argument``) named before; return when none did."""
    _redirect(argument, walk.renamed_public_tour(db.session, slug, utcnow()))


def follow_renamed_scene(slug: str, argument: str) -> None:
    """The same for a scene visitors may open."""
    _redirect(argument, walk.renamed_public_scene(db.session, slug, utcnow()))


def _redirect(argument: str, current: str | None) -> None:
    if current is None or request.endpoint is None:
        return
    values = {**(request.view_args or {}), argument: current}
    location = url_for(request.endpoint, **values)
    if request.query_string:
        # as sent, escapes kept; raw bytes outside ASCII escaped
        location += "?" + quote(request.query_string, safe=QUERY_SAFE)
    response = redirect(location, 301)
    # browsers keep a 301 as long as they are told: briefly, because the slug can be given to
    # a tour or scene again (renamed back, or taken by another), which must then win
    response.cache_control.public = True
    response.cache_control.max_age = REDIRECT_MAX_AGE
    abort(response)
