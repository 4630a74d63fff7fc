"""The editors' plan of all scenes (``/edit/plan``) and a scene's settings
(``/edit/scenes/<id>``).

The pages hand their tools (``static/viewer/src/editor/plan_editor.js`` and
``scene_settings.js``) what they start from as data attributes; every change then goes
through the editors' JSON API (``server/scenes_api.py``) with the version it is based on, so
a stale page gets a 409 and shows the newer state instead of overwriting it. Editors and
admins only; never cached.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from server.city_settings import city
from server.extensions import db
from server.scenes_api import LinkSchema, SceneSchema
from server.security import roles_required
from server.shop_presenter import text
from server.walk_presenter import UnshowablePanorama, panorama_view
from tours import links, scenes
from tours.i18n import LANGUAGES
from tours.models import Link, PanoramaStatus, Role, Scene
from tours.walk_plan import plan_position

bp = Blueprint("plan_editor", __name__)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _title(scene: Scene) -> str:
    return text(scene.title) or scene.slug


def plan_strings() -> dict[str, str]:
    """The texts the plan tool shows (``%(name)s`` filled in by the script)."""
    return {
        "plan_label": _("Plan of all scenes"),
        "north": _("North"),
        # i18n: the letter marking north on the plan's compass arrow
        "north_letter": _("N"),
        # i18n: a length on the plan's scale bar, in metres
        "metres": _("%(n)s m"),
        "selected_none": _("No scene selected. Select a scene on the plan or in the list."),
        "selected_one": _("Selected: %(scene)s. Select a second scene to link the two."),
        "selected_two": _("Selected: from %(from)s to %(to)s."),
        "saving": _("Saving…"),
        "position_saved": _("The position of %(scene)s is saved."),
        "linked": _("%(from)s is linked to %(to)s."),
        "linked_both": _("%(from)s and %(to)s are linked both ways."),
        "link_removed": _("The link is removed."),
        # i18n: a link in a list: its start, its end and its compass bearing in degrees
        "link_item": _("%(from)s → %(to)s (%(bearing)s°)"),
        "link_line": _("Link between %(a)s and %(b)s"),
        "no_links": _("The selected scene has no links."),
        "no_centre": _("No scene has a position yet and the city settings have no map centre, "
                       "so there is nothing to place the scenes around. An admin can set the "
                       "map centre in the city settings, or enter a scene's latitude and "
                       "longitude on its settings page."),
        "conflict": _("Someone else changed this scene in the meantime. It now shows their "
                      "version; make your change again if it is still needed."),
        "failed": _("The change could not be saved: %(message)s"),
        "unplaced_empty": _("Every scene has a position."),
        "settings": _("Settings of %(scene)s"),
    }


def scene_strings() -> dict[str, str]:
    """The texts the scene settings tool shows (``%(name)s`` filled in by the script)."""
    return {
        "north": _("North"),
        # i18n: where the viewer looks now, as a compass bearing in degrees
        "heading": _("Looking at %(heading)s° (north = 0°, east = 90°)"),
        "view_saved": _("This view is now the scene's initial view."),
        "north_saved": _("North now lies in the middle of this view."),
        "pick_direction": _("Click the direction of the way to %(scene)s in the panorama, or "
                            "turn the view to it and press “Use the middle of the view”."),
        "direction_saved": _("The way to %(scene)s now points at %(bearing)s°."),
        # i18n: a compass bearing in degrees
        "bearing": _("%(bearing)s°"),
        "way_to": _("Way to %(scene)s"),
        "saving": _("Saving…"),
        "saved": _("Saved."),
        "conflict": _("Someone else changed this scene in the meantime. It now shows their "
                      "version; make your change again if it is still needed."),
        "failed": _("The change could not be saved: %(message)s"),
        "way_saved": _("The way to %(scene)s is saved."),
        # i18n: after a way's name in the scene settings: it is closed until a date
        "way_closed": _("closed until %(date)s"),
    }


def _scene_entry(scene: Scene) -> dict[str, Any]:
    """A scene as the plan tool needs it."""
    position = plan_position(scene)
    return {
        "id": scene.id,
        "slug": scene.slug,
        "title": _title(scene),
        "latitude": position.latitude if position else None,
        "longitude": position.longitude if position else None,
        "level": scene.level,
        "version": scene.version,
        "settings_url": url_for("plan_editor.scene", scene_id=scene.id),
    }


@bp.route("/edit/plan")
@roles_required(Role.EDITOR)
def plan() -> Response:
    """Every scene on one plan: place and move them, link and unlink them."""
    session = db.session
    all_scenes = list(session.scalars(select(Scene).order_by(Scene.id)))
    all_links = [{"id": link.id, "from": link.from_scene_id, "to": link.to_scene_id,
                  "bearing": link.bearing, "version": link.version}
                 for link in session.scalars(select(Link).order_by(Link.id))]
    centre = city().map_centre
    data = {
        "scenes": [_scene_entry(scene) for scene in all_scenes],
        "links": all_links,
        "centre": {"latitude": centre[0], "longitude": centre[1]} if centre else None,
    }
    entries = sorted(data["scenes"], key=lambda entry: entry["title"].casefold())
    return _no_store(make_response(render_template(
        "editor/plan.html", data=data, entries=entries, strings=plan_strings())))


@bp.route("/edit/scenes/<int:scene_id>")
@roles_required(Role.EDITOR)
def scene(scene_id: int) -> Response:
    """One scene: its initial view, north, the directions of its ways, its texts and level."""
    session = db.session
    found = scenes.get_scene(session, scene_id)
    outgoing = links.list_links(session, found.id)
    targets = {link.to_scene_id: _title(link.to_scene) for link in outgoing}
    panorama = None
    if found.panorama.status is PanoramaStatus.READY:
        try:
            panorama = panorama_view(found.panorama)
        except UnshowablePanorama:
            panorama = None
    # the way back of each way, so a closure can be set for both directions at once
    reverse = {link.from_scene_id: link for link in session.scalars(
        select(Link).where(Link.to_scene_id == found.id))}
    data = {
        "scene": SceneSchema().dump(found),
        "links": [{**LinkSchema().dump(link), "to_title": targets[link.to_scene_id],
                   "reverse_id": reverse[link.to_scene_id].id
                   if link.to_scene_id in reverse else None,
                   "reverse_version": reverse[link.to_scene_id].version
                   if link.to_scene_id in reverse else None}
                  for link in outgoing],
        "panorama": panorama,
        "time_zone": city().time_zone,
    }
    return _no_store(make_response(render_template(
        "editor/scene.html", scene=found, title=_title(found), data=data, links=data["links"],
        languages=LANGUAGES, strings=scene_strings(), link_kinds=link_kind_labels(),
        time_zone=city().time_zone)))


def link_kind_labels() -> list[tuple[str, str]]:
    """Every kind of way with its name, in the order an editor meets them."""
    return [("walkway", _("Walkway")), ("stairs", _("Stairs")), ("escalator", _("Escalator")),
            ("elevator", _("Elevator")), ("ramp", _("Ramp")), ("door", _("Door"))]
