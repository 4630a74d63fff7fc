"""Addresses made with a tour's or a scene's former slug lead to it under its current one.

A city renames a tour (``old-town`` becomes ``old-town-walk``) or a scene after their addresses
went onto posters, QR codes at the kiosks and other sites' embeds. Every visitor-facing address
naming a tour or a scene by slug, pages and the walk API alike, looks it up here: a former slug
of a public tour or scene is answered with a permanent redirect (301) to the same address, query
included, under the current slug (the slugs are kept by ``tours.former_slugs``). The redirect
may be cached as briefly as the walk API's answers: a former slug can become a current one
again, which must then win.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import abort, redirect, request, url_for

from server.api_caching import PUBLIC_MAX_AGE
from server.extensions import db
from tours import walk
from tours.models import Scene, utcnow
from tours.scenes import SceneNotFound
from tours.tour_publishing import PublishedTour
from tours.tour_service import TourNotFound

#: characters a query keeps as they are: its separators and escapes
QUERY_SAFE = "&=+;%/?:@,$!*'()~[]"


def public_tour(slug: str, argument: str) -> PublishedTour:
    """The public tour ``slug`` (the view argument ``argument``); a redirect when it is the
    former slug of one; :class:`TourNotFound` otherwise."""
    try:
        return walk.public_tour(db.session, slug, utcnow())
    except TourNotFound:
        _redirect(argument, walk.renamed_public_tour(db.session, slug, utcnow()))
        raise


def public_scene(slug: str, argument: str) -> tuple[Scene, set[int]]:
    """``walk.public_scene`` for the view argument ``argument``, with the same redirect;
    :class:`SceneNotFound` otherwise."""
    try:
        return walk.public_scene(db.session, slug, utcnow())
    except SceneNotFound:
        _redirect(argument, walk.renamed_public_scene(db.session, slug, utcnow()))
        raise


def _redirect(argument: str, current: str | None) -> None:
    """Abort with a redirect to this request's address with ``argument`` set to ``current``;
    return when there is no current slug."""
    if current is None or request.endpoint is None:
        return
    values = {**(request.view_args or {}), argument: current}
    location = url_for(request.endpoint, **values)
    if request.query_string:
        # as sent, escapes kept; raw bytes outside ASCII escaped
        location += "?" + quote(request.query_string, safe=QUERY_SAFE)
    response = redirect(location, 301)
    response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    abort(response)
