"""Addresses made with a tour's former slug lead to the tour under its current one.

A city renames a tour (``old-town`` becomes ``old-town-walk``) after its address went onto
posters, QR codes at the kiosks and other sites' embeds. Every visitor-facing address naming a
tour by slug, pages and the walk API alike, answers a former slug of a public tour with a
permanent redirect (301) to the same address, query included, under the current slug
(``tours.walk.renamed_public_tour``; the slugs are kept by ``tours.tour_service``).
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for

from server.extensions import db
from tours import walk
from tours.models import utcnow


def follow_renamed_tour(slug: str, argument: str) -> None:
    """Abort with a redirect to this request's address under the current slug of the public
    tour that ``slug`` (the view argument ``argument``) named before; return when none did."""
    current = walk.renamed_public_tour(db.session, slug, utcnow())
    if current is None or request.endpoint is None:
        return
    values = {**(request.view_args or {}), argument: current}
    location = url_for(request.endpoint, **values)
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    abort(redirect(location, 301))
