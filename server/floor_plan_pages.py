"""The editors' floor plans: the list with a new plan (``/edit/floor-plans``) and one plan's
editor (``/edit/floor-plans/<id>``): its venue, level and title, its drawing, and the scenes
placed on it.

The editor page hands its tool (``static/viewer/src/editor/floor_plan_editor.js``) the plan and
every scene as data attributes; each change then goes through the JSON API
(``server/floor_plans_api.py``) with the version it is based on, so a stale page gets a 409 and
shows the newer state instead of overwriting it. Editors and admins only; never cached.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Blueprint, make_response, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from server.extensions import db
from server.floor_plans_api import FloorPlanSchema
from server.security import roles_required
from server.shop_presenter import text
from server.walk_presenter import floor_plan_title
from tours import floor_plans
from tours.errors import Conflict, DomainError
from tours.i18n import LANGUAGES
from tours.models import FloorPlan, Role, Scene

bp = Blueprint("floor_plan_pages", __name__)


def _page(html: str, status: int = 200) -> Response:
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def plan_name(floor_plan: FloorPlan) -> str:
    """"Luisencenter, First floor": how editors and visitors name a floor plan."""
    return _("%(venue)s, %(level)s", venue=floor_plan.venue, level=floor_plan_title(floor_plan))


# other editors' pages name floor plans the same way (the scene settings: "On the floor plan …")
bp.add_app_template_global(plan_name, "floor_plan_name")


def editor_strings() -> dict[str, str]:
    """The texts the floor plan tool shows (``%(name)s`` filled in by the script)."""
    return {
        "drawing_label": _("Floor plan drawing with its scenes"),
        "no_drawing": _("Upload the drawing of this level first; then place its scenes on it."),
        "selected_none": _("No scene selected. Select a scene on the drawing or in the list."),
        "selected": _("Selected: %(scene)s."),
        "saving": _("Saving…"),
        "saved": _("Saved."),
        "placed": _("%(scene)s is placed on the floor plan."),
        "removed": _("%(scene)s is no longer on the floor plan."),
        "uploading": _("Uploading the drawing…"),
        "uploaded": _("The drawing is saved."),
        "choose_file": _("Choose an image file first."),
        "deleted": _("The floor plan is deleted."),
        "confirm_delete": _("Delete this floor plan? Its scenes are taken off it and keep "
                            "their level."),
        "on_other_plan": _("on %(plan)s"),
        "unplaced_empty": _("Every scene lies on a floor plan."),
        "conflict": _("Someone else changed this in the meantime. The page now shows their "
                      "version; make your change again if it is still needed."),
        "failed": _("The change could not be saved: %(message)s"),
    }


def _scene_entry(scene: Scene, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": scene.id,
        "slug": scene.slug,
        "title": text(scene.title) or scene.slug,
        "floor_plan_id": scene.floor_plan_id,
        "floor_plan_name": names.get(scene.floor_plan_id) if scene.floor_plan_id else None,
        "x": scene.floor_x,
        "y": scene.floor_y,
        "level": scene.level,
        "version": scene.version,
        "settings_url": url_for("plan_editor.scene", scene_id=scene.id),
    }


def _list_page(status: int = 200, *, error: str | None = None,
               form: dict[str, str] | None = None) -> Response:
    session = db.session
    counts = floor_plans.scene_counts(session)
    rows = [{"plan": plan, "title": floor_plan_title(plan), "scenes": counts.get(plan.id, 0),
             "url": url_for("floor_plan_pages.edit", floor_plan_id=plan.id)}
            for plan in floor_plans.list_floor_plans(session)]
    venues = [(venue, list(group)) for venue, group in
              groupby(rows, key=lambda row: row["plan"].venue)]
    return _page(render_template("editor/floor_plans.html", venues=venues, error=error,
                                 form=form or {}), status)


@bp.get("/edit/floor-plans")
@roles_required(Role.EDITOR)
def index() -> Response:
    """Every venue with its levels' floor plans, and the form for a new one."""
    return _list_page()


@bp.post("/edit/floor-plans")
@roles_required(Role.EDITOR)
def create() -> Response:
    """A new floor plan (venue and level), then its editor to upload the drawing."""
    form = {"venue": request.form.get("venue", ""), "level": request.form.get("level", "")}
    try:
        floor_plan = floor_plans.create_floor_plan(db.session, {
            "venue": form["venue"], "level": form["level"]})
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _list_page(409 if isinstance(exc, Conflict) else 422,
                          error=_(exc.message, **exc.params), form=form)
    response = make_response("", 303)
    response.headers["Location"] = url_for("floor_plan_pages.edit", floor_plan_id=floor_plan.id)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/edit/floor-plans/<int:floor_plan_id>")
@roles_required(Role.EDITOR)
def edit(floor_plan_id: int) -> Response:
    """One floor plan: its texts, its drawing and the scenes on it."""
    session = db.session
    floor_plan = floor_plans.get_floor_plan(session, floor_plan_id)
    names = {plan.id: plan_name(plan) for plan in session.scalars(select(FloorPlan))}
    all_scenes = list(session.scalars(select(Scene).order_by(Scene.id)))
    data = {
        "floor_plan": FloorPlanSchema().dump(floor_plan),
        "scenes": [_scene_entry(scene, names) for scene in all_scenes],
        "list_url": url_for("floor_plan_pages.index"),
    }
    return _page(render_template(
        "editor/floor_plan.html", floor_plan=floor_plan, name=plan_name(floor_plan), data=data,
        languages=LANGUAGES, strings=editor_strings()))
