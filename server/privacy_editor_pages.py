"""``/edit/panoramas/<panorama_id>/privacy``: editors blur faces, licence plates and private
windows in a panorama.

The page shows the panorama's flat equirectangular SD picture with the saved regions and the
detector's suggestions over it; ``static/viewer/src/editor/privacy.js`` draws, accepts and
removes regions and applies them through ``server/panorama_privacy_api.py`` (a new revision is
tiled; the page follows the job). Regions are fractions of the whole image, so the SD picture
at any size is a faithful canvas for them. Editors and admins only; never cached.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, make_response, render_template, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from server.extensions import db
from server.panorama_privacy_api import regions_view
from server.security import roles_required
from server.shop_presenter import text
from tours import ingest
from tours.models import PanoramaStatus, Role
from tours.panoramas import find_panorama

bp = Blueprint("privacy_editor", __name__)


def privacy_strings() -> dict[str, str]:
    """The texts the privacy tool shows (``%(name)s`` filled in by the script)."""
    return {
        "overlay": _("Regions to blur on the panorama. Drag to draw a new region."),
        # i18n: what a region hides; shown in the list of regions
        "kind_face": _("Face"),
        "kind_plate": _("Licence plate"),
        "kind_other": _("Other"),
        # i18n: a region in the list: its kind, where it is and its size, each value a
        # percentage of the picture (such as "12.5%")
        "region_item": _("%(kind)s: left %(x)s, top %(y)s, %(width)s wide, %(height)s high"),
        # i18n: a suggestion of the detector: its kind and where it is ("12.5%")
        "suggestion_item": _("Suggested: %(kind)s, left %(x)s, top %(y)s"),
        "accept": _("Accept"),
        "dismiss": _("Dismiss"),
        "select": _("Select"),
        "remove": _("Remove"),
        "no_regions": _("No regions yet."),
        "no_suggestions": _("No suggestions: the detector found no faces or licence plates."),
        "detecting": _("Looking for faces and licence plates…"),
        "detect_failed": _("No suggestions: %(message)s"),
        "suggestions_found": _("Suggestions found: %(n)s"),
        "unsaved": _("Changes not applied yet."),
        "applying": _("Saving the regions…"),
        # i18n: progress of re-tiling the panorama with the blur, a percentage ("40%")
        "tiling": _("Blurring and tiling: %(progress)s"),
        "done": _("Done: the blurred panorama is online."),
        "job_failed": _("Tiling failed: %(message)s"),
        "too_slow": _("Tiling takes longer than expected. The page will show the result when "
                      "you reload it."),
        "conflict": _("Someone else changed the regions of this panorama, or it was tiled again. "
                      "The page now shows the saved state; make your change again."),
        "failed": _("The change could not be saved: %(message)s"),
        "invalid_region": _("Enter left and top from 0 to 100 and a width and height above 0 "
                            "that keep the region inside the picture."),
        "selected": _("Selected: %(region)s"),
    }


def _url_or_none(endpoint: str, **values: Any) -> str | None:
    """The address of another tool's page, None while that tool is not installed."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.route("/edit/panoramas/<panorama_id>/privacy")
@roles_required(Role.EDITOR)
def panorama(panorama_id: str) -> Response:
    """The privacy tool of one panorama (404 for an unknown or taken-down one)."""
    found = find_panorama(db.session, panorama_id)
    if found is None or found.status is PanoramaStatus.TAKEN_DOWN:
        abort(404)
    scenes = [{"title": text(scene.title) or scene.slug,
               "url": _url_or_none("plan_editor.scene", scene_id=scene.id)}
              for scene in ingest.scenes_showing(db.session, found)]
    data: dict[str, Any] = {
        "panorama": found.public_id,
        **regions_view(found),
    }
    name = found.original_filename or found.public_id
    response = make_response(render_template(
        "editor/privacy.html", data=data, strings=privacy_strings(), name=name, scenes=scenes,
        overview_url=_url_or_none("editor_pages.home")))
    response.headers["Cache-Control"] = "no-store"
    return response
