"""``/edit/scenes/<id>/hotspots``: the hotspot editor inside the viewer, for editors and shop
owners.

The page hands the viewer its scene, tiles and mode (``tours.hotspot_access``): editors edit
everything; an owner edits in their shop's interior scene and asks for their shop's hotspot in
a street of the public walk. The tool (``static/viewer/src/editor/hotspots.js``) then reads
and writes through ``/api/scenes/<id>/hotspots`` and ``/api/hotspots/<id>``, which apply the
same rules again. An account without a mode in the scene gets 403.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, make_response, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from server import shop_labels
from server.extensions import db
from server.security import current_account, roles_required
from server.walk_presenter import UnshowablePanorama, panorama_view
from tours import hotspot_access, hotspot_requests
from tours.i18n import LANGUAGES
from tours.models import Role, Scene, Shop
from tours.scenes import get_scene
from tours.walk import is_shown

bp = Blueprint("hotspot_editor", __name__)


def editor_strings() -> dict[str, str]:
    """The tool's texts from the Babel catalogue (``%(name)s`` filled in by the script)."""
    return {
        "add": _("Add hotspot"),
        "adding": _("Click the point in the panorama where the hotspot goes."),
        "undo": _("Undo"),
        "nothing_to_undo": _("Nothing to undo."),
        "undone": _("Undone."),
        "saved": _("Saved."),
        "deleted": _("The hotspot was deleted."),
        "placed": _("The hotspot was placed."),
        "requested": _("Your request was sent to the editors. It is shown once they approve "
                       "it."),
        "moved": _("Moved."),
        "conflict": _("Someone else changed this hotspot in the meantime. It was reloaded: "
                      "check it and make your change again."),
        "gone": _("This hotspot no longer exists; the list was reloaded."),
        "failed": _("Not saved: %(reason)s"),
        "list": _("Hotspots in this scene"),
        "none": _("No hotspots yet."),
        "new": _("New hotspot"),
        "edit": _("Hotspot"),
        "kind": _("Kind"),
        "kind_shop": _("Shop"),
        "kind_info": _("Information"),
        "kind_url": _("Web page"),
        "label_in": _("Label (%(language)s)"),
        "text_in": _("Text (%(language)s)"),
        "url": _("Web address"),
        "shop": _("Shop"),
        "shop_search": _("Search shops"),
        "choose_shop": _("Choose a shop"),
        "save": _("Save"),
        "send_request": _("Send request"),
        "delete": _("Delete"),
        "cancel": _("Cancel"),
        "position": _("Position: %(yaw)s° across, %(pitch)s° up"),
        "nudge": _("Move the selected hotspot"),
        "left": _("Left by 1°"),
        "right": _("Right by 1°"),
        "up": _("Up by 1°"),
        "down": _("Down by 1°"),
        "locked": _("You cannot change this hotspot."),
        "status_approved": _("Shown to visitors"),
        "status_requested": _("Waiting for an editor"),
        "status_rejected": _("Rejected by an editor"),
        "drag_hint": _("Drag a hotspot to move it, or select it in the list and use the arrow "
                       "buttons."),
        "language_de": _("German"),
        "language_en": _("English"),
        "language_es": _("Spanish"),
        "language_fr": _("French"),
    }


def _shop_choices(shops: list[Shop]) -> list[dict[str, Any]]:
    return [{"id": shop.id, "name": shop_labels.in_language(shop.name) or shop.slug}
            for shop in sorted(shops, key=lambda shop: shop.slug)]


@bp.get("/edit/scenes/<int:scene_id>/hotspots")
@roles_required(Role.EDITOR, Role.SHOP_OWNER)
def scene(scene_id: int) -> Response:
    """The scene in the viewer with its hotspots, a form to place and change them, and undo."""
    session = db.session
    actor = current_account()
    found: Scene = get_scene(session, scene_id)
    spots, mode = hotspot_requests.hotspots_for(session, actor, found.id)
    is_editor = hotspot_access.is_editor(actor)
    owned = sorted(hotspot_access.owned_shop_ids(session, actor))
    owned_shops = [session.get_one(Shop, shop_id) for shop_id in owned]
    named = {spot.shop_id for spot in spots if spot.shop_id is not None}
    shop_names = {str(shop["id"]): shop["name"] for shop in _shop_choices(
        [session.get_one(Shop, shop_id) for shop_id in named])}
    panorama = None
    if is_shown(found.panorama):
        try:
            panorama = panorama_view(found.panorama)
        except UnshowablePanorama:
            panorama = None
    preset_shop = request.args.get("shop", type=int)
    data = {
        "scene": {"id": found.id, "slug": found.slug,
                  "title": shop_labels.in_language(found.title) or found.slug},
        "view": found.initial_view.as_dict(),
        "mode": str(mode),
        "actor": "editor" if is_editor else "owner",
        "owned_shops": _shop_choices(owned_shops),
        "owned_ids": owned,
        "shop_names": shop_names,
        "languages": list(LANGUAGES),
        "preset_shop": preset_shop if preset_shop in owned or is_editor else None,
        "select": request.args.get("hotspot", type=int),
    }
    if not is_editor:
        back = url_for("shop_admin.my_shops")
    elif "plan_editor.plan" in current_app.view_functions:
        back = url_for("plan_editor.plan")
    else:
        back = url_for("hotspot_requests.queue")
    html = render_template(
        "editor/hotspots.html", scene=found, data=data, panorama=panorama, mode=str(mode),
        scene_title=data["scene"]["title"], strings=editor_strings(), back_url=back,
        is_editor=is_editor)
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response
