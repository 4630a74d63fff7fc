"""``/my/shops/<id>/walk``: a shop in the walk, for its owners (and editors).

Owners upload a panorama of the inside of their shop here; it becomes the shop's interior
scene (``tours.interior_scenes``) once stored, and they place its hotspots in the hotspot
editor. They also choose a street of the public walk to ask for their shop's hotspot there
(the editor opens in request mode), and see what became of each request. The upload takes
the same path as the API's (``server.panorama_uploads.ingest_file``): checked from its
headers, stored, tiled by a job.
"""

from __future__ import annotations

from flask import (
    Blueprint,
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
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from media_tools.errors import PanoramaRejected
from server import shop_labels
from server.extensions import db
from server.panorama_uploads import ingest_file, rejection_message
from server.security import current_account, roles_required
from server.storage import StorageError
from tours import hotspot_requests, interior_scenes, shops, walk
from tours.errors import DomainError, Forbidden, NotFound
from tours.models import HotspotStatus, Panorama, Role, Scene, User, utcnow

bp = Blueprint("shop_scenes", __name__)
keepers_only = roles_required(Role.EDITOR, Role.SHOP_OWNER)

def _status_label(status: HotspotStatus) -> str:
    if status is HotspotStatus.REQUESTED:
        return _("Waiting for an editor")
    if status is HotspotStatus.APPROVED:
        return _("Approved: shown to visitors")
    return _("Rejected")


def _street_scenes() -> list[tuple[int, str]]:
    """The scenes of the public walk that are no shop's interior, by title."""
    public = walk.public_scene_ids(db.session, utcnow())
    found = db.session.scalars(select(Scene).where(Scene.id.in_(public))) if public else []
    named = [(scene.id, shop_labels.in_language(scene.title) or scene.slug)
             for scene in found if scene.shop_id is None]
    return sorted(named, key=lambda item: item[1].casefold())


@bp.get("/my/shops/<int:shop_id>/walk")
@keepers_only
def walk_page(shop_id: int) -> Response:
    """The shop's interior scenes, the upload form, the request form and the requests."""
    shop = shops.shop_for(db.session, current_account(), shop_id)
    interiors = [{"scene": scene,
                  "title": shop_labels.in_language(scene.title) or scene.slug,
                  "ready": walk.is_shown(scene.panorama)}
                 for scene in interior_scenes.interior_scenes(db.session, shop.id)]
    requests = [{"hotspot": hotspot,
                 "scene_title": shop_labels.in_language(hotspot.scene.title)
                 or hotspot.scene.slug,
                 "status": _status_label(hotspot.status)}
                for hotspot in hotspot_requests.requests_of_shop(db.session, shop.id)]
    html = render_template(
        "shop_admin/walk.html", shop=shop,
        shop_name=shop_labels.in_language(shop.name) or shop.slug,
        interiors=interiors, requests=requests, streets=_street_scenes())
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


def _interior_scene(actor: User, shop_id: int, panorama: Panorama
                    ) -> tuple[Scene | None, str]:
    """The new interior scene showing ``panorama`` (committed), or None and why not.

    Two uploads at once may pick the same free slug: the later commit fails and tries the next
    free one, a few times at most."""
    for _attempt in range(3):
        try:
            scene = interior_scenes.add_interior_scene(
                db.session, actor, shops.shop_for(db.session, actor, shop_id),
                db.session.merge(panorama))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            if isinstance(exc, Forbidden | NotFound):
                raise
            return None, _(exc.message, **exc.params)
        except IntegrityError:
            db.session.rollback()
            continue
        return scene, ""
    return None, _("The scene could not be saved right now. Please try again.")


@bp.post("/my/shops/<int:shop_id>/walk/interiors")
@keepers_only
def add_interior(shop_id: int) -> Response:
    """Upload a 360° panorama of the shop's inside: it becomes an interior scene."""
    actor = current_account()
    shop = shops.shop_for(db.session, actor, shop_id)  # refuse before reading the file
    back = redirect(url_for("shop_scenes.walk_page", shop_id=shop_id))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a panorama file first."), "error")
        return back
    try:
        result = ingest_file(upload.stream, filename=upload.filename,
                             created_by_id=actor.id)
    except PanoramaRejected as rejection:
        flash(rejection_message(rejection), "error")
        return back
    except StorageError:
        current_app.logger.exception("originals storage failed during an interior upload")
        flash(_("The file could not be stored right now. Please try again in a few minutes."),
              "error")
        return back
    except DomainError as exc:  # the file of a panorama taken down after a report
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return back
    scene, refused = _interior_scene(actor, shop.id, result.panorama)
    if scene is None:
        flash(refused, "error")
        return back
    flash(_("The panorama was uploaded as the interior scene “%(title)s”. It is being "
            "prepared; then place its hotspots.",
            title=shop_labels.in_language(scene.title) or scene.slug), "success")
    return back


@bp.get("/my/shops/<int:shop_id>/walk/request")
@keepers_only
def request_in_scene(shop_id: int) -> Response:
    """Open the hotspot editor on the chosen street, ready to ask for the shop's hotspot."""
    shops.shop_for(db.session, current_account(), shop_id)
    scene_id = request.args.get("scene", type=int)
    if scene_id is None or scene_id not in {item[0] for item in _street_scenes()}:
        raise BadRequest(description=_("Choose one of the walk's scenes."))
    return redirect(url_for("hotspot_editor.scene", scene_id=scene_id, shop=shop_id))
