"""The visitors' walk: ``/tours/<slug>`` and ``/tours/<slug>/<scene>``.

The page is a server-rendered shell: the tour's title, its stops as a plain list (the "list
view", usable without JavaScript or WebGL) and an element whose ``data-*`` attributes tell the
viewer bundle where to start and which texts to show. The viewer then reads the JSON API
(``/api/walk``). No inline script or style: the CSP forbids both.

What is public is decided by ``tours.walk``: a tour that is not published now, or a scene
visitors may not open, is a 404 like something that does not exist.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from server import walk_presenter
from server.extensions import db
from server.shop_presenter import text
from tours import walk
from tours.models import Scene, Stop, Tour, utcnow
from tours.scenes import SceneNotFound
from tours.tour_service import TourNotFound

bp = Blueprint("walk_pages", __name__)

#: the range of each view parameter of a deep link (degrees; zoom is the viewer's 0..100)
VIEW_LIMITS = {"yaw": (-180.0, 180.0), "pitch": (-90.0, 90.0), "zoom": (0.0, 100.0)}


def _public_tour(slug: str) -> Tour:
    try:
        return walk.public_tour(db.session, slug, utcnow())
    except TourNotFound:
        abort(404)


def _public_scene(slug: str) -> Scene:
    try:
        scene, _visible = walk.public_scene(db.session, slug, utcnow())
    except SceneNotFound:
        abort(404)
    return scene


def requested_view(default: dict[str, float]) -> dict[str, float]:
    """The view asked for by ``?yaw=&pitch=&zoom=`` over ``default``; a value that is not a
    finite number is ignored (a shared link with a typo still opens), one out of range is
    clamped."""
    view = {name: float(default.get(name, 0.0)) for name in VIEW_LIMITS}
    for name, (low, high) in VIEW_LIMITS.items():
        raw = request.args.get(name)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            continue
        if math.isfinite(value):
            view[name] = min(high, max(low, value))
    return view


def viewer_strings() -> dict[str, str]:
    """The texts the viewer's script shows, from the Babel catalogue (``%(n)s`` placeholders
    are filled in by the script)."""
    return {
        "stop": _("Stop %(n)s of %(m)s"),
        "previous": _("Previous stop"),
        "next": _("Next stop"),
        "back": _("Back to the tour"),
        "share": _("Share"),
        "copied": _("Link copied"),
        "copy_hint": _("Copy this link:"),
        "close": _("Close"),
        "website": _("Website"),
        "online_shop": _("Online shop"),
        "phone": _("Call"),
        "whatsapp": _("WhatsApp"),
        "profile": _("See profile"),
        "open_link": _("Open link"),
        "go_to": _("Go to %(place)s"),
        "load_error": _("This place could not be loaded."),
    }


def _stop_entries(stops: list[Stop]) -> list[dict[str, Any]]:
    return [{"position": position, "slug": stop.scene.slug, "title": text(stop.scene.title),
             "text": text(stop.text)}
            for position, stop in enumerate(stops, start=1)]


def _render(tour: Tour, scene: Scene) -> str:
    stops = walk.shown_stops(tour)
    stop = next((stop for stop in stops if stop.scene_id == scene.id), None)
    default = (stop.initial_view if stop is not None else None) or scene.initial_view
    view = requested_view(default.as_dict())
    image = walk_presenter.share_image(scene)
    tour_title = text(tour.title)
    scene_title = text(scene.title)
    return render_template(
        "walk/tour.html",
        tour=tour, tour_title=tour_title, scene=scene, scene_title=scene_title,
        intro=text(tour.intro), stops=_stop_entries(stops),
        current_position=next((index for index, entry in enumerate(stops, start=1)
                               if entry.scene_id == scene.id), None),
        view=view, strings=viewer_strings(), share_image=image,
        description=text(scene.description) or text(tour.intro),
        canonical=url_for("walk_pages.scene", slug=tour.slug, scene=scene.slug,
                          _external=True),
        city_name=current_app.config["CITY_NAME"],
    )


@bp.get("/tours/<slug>")
def tour(slug: str) -> str:
    """A public tour, opened at its first stop."""
    found = _public_tour(slug)
    return _render(found, walk.shown_stops(found)[0].scene)


@bp.get("/tours/<slug>/<scene>")
def scene(slug: str, scene: str) -> str:
    """A public scene within a tour's page, at the view the URL asks for (a deep link)."""
    found = _public_tour(slug)
    return _render(found, _public_scene(scene))
