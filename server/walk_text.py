"""The text version of a tour (``/text/tours/<slug>``): the walk in words, as plain HTML.

For screen readers, for browsers without WebGL or JavaScript, and for anyone who would rather
read: the tour's stops with their texts, then every scene visitors can walk to from them. For
each scene its photo credit, the ways on (a closed one with its reason) and what is there: shops
with "open now" and their links, info texts, web links. The data comes from the same rules and
presenters as ``/api/walk`` (``tours.walk``, ``server.walk_presenter``), so the text version
and the viewer never disagree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server import walk_presenter
from server.shop_pages import contact_links
from server.shop_presenter import text
from tours import walk
from tours.models import Link, LinkKind, Scene
from tours.tour_publishing import PublishedTour

#: how a way is walked, said only when it is not a plain walkway
LINK_KIND_LABELS = {
    LinkKind.STAIRS: _l("stairs"),
    LinkKind.ESCALATOR: _l("escalator"),
    LinkKind.ELEVATOR: _l("lift"),
    LinkKind.RAMP: _l("ramp"),
    LinkKind.DOOR: _l("door"),
}


def closed_note(link: Link) -> str:
    """"Closed until 3 May 2027: building works" (the viewer's label says the same)."""
    note = (_("Closed until %(date)s", date=format_date(link.closed_until, "long"))
            if link.closed_until else _("Closed"))
    reason = text(link.closed_reason)
    return f"{note}: {reason}" if reason else note


def credit_line(scene: Scene) -> str:
    """Who took the photo and under which licence, as the viewer shows it."""
    author, licence = scene.panorama.author.strip(), scene.panorama.licence.strip()
    if author and licence:
        return _("Photo: %(author)s (%(licence)s)", author=author, licence=licence)
    if author:
        return _("Photo: %(author)s", author=author)
    return _("Photo licence: %(licence)s", licence=licence) if licence else ""


def _way(scene: Scene, link: Link, now: dt.datetime) -> dict[str, Any]:
    view = walk_presenter.link_view(scene, link, now)
    kind = LINK_KIND_LABELS.get(link.kind)
    return {
        **view,
        "kind_label": str(kind) if kind else "",
        "closed_note": closed_note(link) if view["closed"] else "",
    }


def _hotspot(shown: walk.ShownHotspot, now: dt.datetime) -> dict[str, Any]:
    view = walk_presenter.hotspot_view(shown, now)
    return {**view, "contacts": contact_links(shown.shop) if shown.shop is not None else []}


def tour_places(session: Session, tour: PublishedTour, now: dt.datetime
                ) -> list[dict[str, Any]]:
    """Every scene visitors can walk to from ``tour``, in walking order (stops first), with
    what the viewer shows there."""
    ids = walk.tour_scene_ids(session, tour)
    scenes = {scene.id: scene for scene in session.scalars(
        select(Scene).where(Scene.id.in_(ids))
        .options(selectinload(Scene.panorama),
                 selectinload(Scene.links).selectinload(Link.to_scene),
                 selectinload(Scene.hotspots)))}
    reachable = set(ids)
    # a tour may come back to a scene (a loop ends where it began): each visit is a stop
    stops: dict[int, list[dict[str, Any]]] = {}
    for position, stop in enumerate(walk.shown_stops(tour), start=1):
        stops.setdefault(stop.scene_id, []).append({"position": position,
                                                    "text": text(stop.text)})
    # every place's hotspots with one query for their shops (a walk may have hundreds)
    hotspots_of = walk.shown_hotspots_of(session, [scenes[scene_id] for scene_id in ids], now)
    places = []
    for scene_id in ids:
        scene = scenes[scene_id]
        visits = stops.get(scene_id, [])
        places.append({
            "slug": scene.slug,
            "title": text(scene.title),
            "description": text(scene.description),
            "stop": visits[0]["position"] if visits else None,
            "stops": visits,
            "credit": credit_line(scene),
            "ways": [_way(scene, link, now) for link in walk.shown_links(scene, reachable)],
            "hotspots": [_hotspot(shown, now)
                         for shown in hotspots_of[scene_id]],
        })
    return places
