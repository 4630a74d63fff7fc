"""``/staff/moderation/reports``: visitors' reports of images, for editors to dismiss or to take
the image down (``tours.image_reports``).

Each report shows its scene, reason, comment and a link opening the walk at the view the
visitor reported. Taking down commits the decision first (the scene leaves the walk at once),
then deletes the panorama's objects from both storages (``server.takedowns``); when storage
fails the page says so and the queued purge job keeps trying. Panoramas still waiting for that
are listed with a button to try again now.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from server import takedowns
from server.extensions import db
from server.paging import page_number_or_400
from server.report_labels import REASON_LABELS
from server.security import current_account, roles_required
from server.shop_presenter import text
from server.storage import StorageError
from tours import image_reports, walk
from tours.errors import DomainError, NotFound
from tours.models import Panorama, PanoramaStatus, Role, Scene, utcnow

bp = Blueprint("report_moderation", __name__)

PAGE_SIZE = 20

def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _walk_link(session: Session, scene: Scene | None, view: dict[str, Any] | None,
               walks: list[tuple[str, set[int]]]) -> str | None:
    """The walk page of ``scene`` at ``view`` within a public tour reaching it, else None."""
    if scene is None:
        return None
    for slug, scene_ids in walks:
        if scene.id in scene_ids:
            return url_for("walk_pages.scene", slug=slug, scene=scene.slug, **(view or {}))
    return None


@bp.get("/staff/moderation/reports")
@roles_required(Role.EDITOR)
def reports() -> Response:
    """The open reports of images, oldest first, and any takedown still being purged."""
    page = page_number_or_400()
    session = db.session
    found, total = image_reports.list_reports(session, offset=(page - 1) * PAGE_SIZE,
                                              limit=PAGE_SIZE)
    walks = [(tour.slug, set(walk.tour_scene_ids(session, tour)))
             for tour in walk.public_tours(session, utcnow())]
    items = [{"report": report,
              "scene_title": (text(report.scene.title) or report.scene.slug) if report.scene
              else _("a scene that no longer exists"),
              "reason": REASON_LABELS[report.reason],
              "walk_url": _walk_link(session, report.scene, report.view, walks)}
             for report in found]
    html = render_template("staff/image_reports.html", items=items, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)),
                           pending=image_reports.pending_purges(session))
    return _no_store(make_response(html))


@bp.post("/staff/moderation/reports/<int:report_id>")
@roles_required(Role.EDITOR)
def decide(report_id: int) -> Response:
    """Dismiss a report, or take its image down (out of the walk, deleted from storage)."""
    decision = request.form.get("decision")
    if decision not in ("dismiss", "take_down"):
        raise BadRequest(description=_("The form is incomplete. Reload the page and try again."))
    try:
        if decision == "dismiss":
            image_reports.dismiss(db.session, current_account(), report_id)
        else:
            panorama = image_reports.take_down(db.session, current_account(), report_id)
    except DomainError as exc:
        db.session.rollback()
        if isinstance(exc, NotFound):
            raise
        flash(_(exc.message, **exc.params), "error")
        return redirect(url_for("report_moderation.reports"))
    db.session.commit()
    if decision == "dismiss":
        flash(_("Report dismissed."), "success")
    elif _purge(panorama.id):
        flash(_("The image is taken down and deleted from storage."), "success")
    else:
        flash(_("The image is taken down, but its files could not all be deleted yet. "
                "This is retried automatically; you can also try again below."), "error")
    return redirect(url_for("report_moderation.reports"))


@bp.post("/staff/moderation/takedowns/<panorama_id>/purge")
@roles_required(Role.EDITOR)
def retry_purge(panorama_id: str) -> Response:
    """Try deleting a taken-down panorama's objects again now."""
    panorama = db.session.scalar(select(Panorama).where(Panorama.public_id == panorama_id))
    if panorama is None or panorama.status is not PanoramaStatus.TAKEN_DOWN:
        abort(404)
    if panorama.purged_at is not None or _purge(panorama.id):
        flash(_("The image is deleted from storage."), "success")
    else:
        flash(_("The files could not all be deleted. Please try again later."), "error")
    return redirect(url_for("report_moderation.reports"))


def _purge(panorama_id: int) -> bool:
    """Delete the taken-down panorama's objects after the decision's commit; False (and the
    failure in the audit log) when storage failed."""
    panorama = db.session.get_one(Panorama, panorama_id)
    try:
        takedowns.purge_panorama(db.session, panorama)
        db.session.commit()
    except StorageError as error:
        db.session.rollback()
        current_app.logger.warning("purging panorama %s failed: %s", panorama.public_id, error)
        image_reports.record_purge_failure(db.session, db.session.get_one(Panorama, panorama_id),
                                           str(error))
        db.session.commit()
        return False
    return True
