"""``/staff/moderation/hotspots``: shop owners' requests for hotspots in the walk's streets,
for editors to approve (visitors see the hotspot from then on) or reject.

Each request shows its shop, scene, who asked and when, and a link opening it in the hotspot
editor. A decision posts the version the editor saw, so a request its owner moved or changed
in the meantime is not decided unseen (``tours.hotspot_requests.decide``, audited).
"""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from server import shop_labels
from server.extensions import db
from server.paging import page_number_or_400
from server.security import current_account, roles_required
from tours import hotspot_requests
from tours.errors import DomainError, NotFound
from tours.models import Hotspot, Role, Shop
from tours.validation import VersionConflict

bp = Blueprint("hotspot_requests", __name__)

PAGE_SIZE = 20


def _person(hotspot: Hotspot) -> str:
    user = hotspot.created_by
    if user is None:
        return _("an account that no longer exists")
    return f"{user.display_name} <{user.email}>" if user.display_name else user.email


@bp.get("/staff/moderation/hotspots")
@roles_required(Role.EDITOR)
def queue() -> Response:
    """The requests waiting for an editor, oldest first."""
    page = page_number_or_400()
    found, total = hotspot_requests.waiting(db.session, offset=(page - 1) * PAGE_SIZE,
                                            limit=PAGE_SIZE)
    items = []
    for hotspot in found:
        shop = db.session.get(Shop, hotspot.shop_id) if hotspot.shop_id else None
        items.append({
            "hotspot": hotspot,
            "shop_name": (shop_labels.in_language(shop.name) or shop.slug) if shop else "",
            "scene_title": shop_labels.in_language(hotspot.scene.title) or hotspot.scene.slug,
            "label": shop_labels.in_language(hotspot.label),
            "requested_by": _person(hotspot),
            "editor_url": url_for("hotspot_editor.scene", scene_id=hotspot.scene_id,
                                  hotspot=hotspot.id),
        })
    html = render_template("staff/hotspot_requests.html", items=items, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)))
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/staff/moderation/hotspots/<int:hotspot_id>")
@roles_required(Role.EDITOR)
def decide(hotspot_id: int) -> Response:
    """Approve or reject one request, based on the version the editor saw."""
    decision = request.form.get("decision")
    raw_version = request.form.get("version", "")
    if decision not in ("approve", "reject") or (
            raw_version and not (raw_version.isascii() and raw_version.isdigit()
                                 and len(raw_version) < 10)):
        raise BadRequest(description=_("The form is incomplete. Reload the page and try again."))
    try:
        hotspot_requests.decide(db.session, current_account(), hotspot_id,
                                approve=decision == "approve",
                                expected_version=int(raw_version) if raw_version else None)
    except DomainError as exc:
        db.session.rollback()
        if isinstance(exc, NotFound):
            raise
        if isinstance(exc, VersionConflict):
            flash(_("The owner changed this request in the meantime. Look at it again before "
                    "you decide."), "error")
        else:
            flash(_(exc.message, **exc.params), "error")
        return redirect(url_for("hotspot_requests.queue"))
    db.session.commit()
    if decision == "approve":
        flash(_("Approved: visitors see the hotspot now."), "success")
    else:
        flash(_("Rejected: the owner sees the decision on their shop's page."), "success")
    return redirect(url_for("hotspot_requests.queue"))
