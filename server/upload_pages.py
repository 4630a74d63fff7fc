"""``/edit/upload``: editors upload many panoramas at once and watch each one become a scene.

The page is a shell: the browser (``static/viewer/src/editor/upload.js``) sends the chosen
files two at a time to ``POST /api/panoramas`` with ``create_scene=true`` (the scene is made on
the server, in the panorama's transaction, so closing the page loses nothing), follows their
tiling through ``/api/panoramas/<id>`` and ``/api/jobs/<id>``, and retries failed ones
(sending the file again, or ``POST /api/panoramas/<id>/retile`` for a failed tiling).
Everything it shows comes from here: the limits the upload endpoint enforces and the texts,
translated like the rest of the site.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from media_tools.formats import ACCEPTED_FORMATS
from server.panorama_uploads import REJECTION_MESSAGES, limits_from_config
from server.security import roles_required
from tours.models import Role

bp = Blueprint("upload_pages", __name__, url_prefix="/edit")

#: uploads sent at the same time; more would only share the same uplink
CONCURRENT_UPLOADS = 2
#: the file types the file chooser offers (the server checks the content, not the name)
ACCEPT = "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp"
#: the scene editor's address; built here so this page does not depend on that module
SCENE_PATH = "/edit/scenes/{id}"
#: why tiling failed, for codes the tiling job records besides the upload's refusals
TILING_MESSAGES = {
    "tiling_failed": _l("The panorama could not be tiled."),
    "original_missing": _l("The uploaded file is missing from the storage. Upload it again."),
}


def _format_names() -> str:
    names = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
    return ", ".join(names.get(name, name) for name in ACCEPTED_FORMATS)


def _error_messages() -> dict[str, str]:
    """Error code (``panorama.error_code``, ``errors.file.code``) → the editor's explanation."""
    limits = limits_from_config()
    values = {"max_width": limits.max_width, "max_height": limits.max_height,
              "min_width": limits.min_width}
    messages = {str(code): str(template) % values
                for code, template in REJECTION_MESSAGES.items()}
    messages.update({code: str(text) for code, text in TILING_MESSAGES.items()})
    return messages


def _strings(max_megabytes: int) -> dict[str, str]:
    """The texts the page's script shows (``%(name)s`` filled in by the script)."""
    return {
        # i18n: state of a chosen file that waits for its turn to be sent
        "waiting": _("Waiting"),
        # i18n: a file being sent to the server; %(percent)s is a percentage such as "45 %"
        "uploading": _("Uploading: %(percent)s"),
        "queued": _("Waiting for tiling"),
        # i18n: the panorama being cut into tiles; %(percent)s is a percentage such as "45 %"
        "tiling": _("Tiling: %(percent)s"),
        # i18n: state of an uploaded panorama whose tiles are all made (it can be shown)
        "ready": _("Ready"),
        "duplicate": _("Already uploaded"),
        "failed": _("Failed: %(reason)s"),
        "slow": _("Tiling takes longer than usual. Check again later."),
        # i18n: button sending a failed file again (or tiling it again)
        "retry": _("Try again"),
        "check": _("Check again"),
        # i18n: link to the scene made from an uploaded file; %(title)s is its title
        "scene": _("Scene: %(title)s"),
        "placed": _("Placed on the plan from the image's GPS data."),
        "unplaced": _("No GPS data: place the scene on the plan by hand."),
        "progress": _("Progress of %(name)s"),
        "network": _("The connection to the server failed."),
        "server": _("The server could not take the file (error %(status)s)."),
        "tiling_failed": _("The panorama could not be tiled."),
        "too_big": _("The file is larger than %(size)s MB.", size=max_megabytes),
        # i18n: the bulk upload's tally, e.g. "Done: 3 of 4. Failed: 1."
        "summary": _("Done: %(done)s of %(total)s. Failed: %(failed)s."),
    }


@bp.get("/upload")
@roles_required(Role.EDITOR)
def upload() -> Response:
    """The bulk upload page."""
    limits = limits_from_config()
    max_bytes = current_app.config["MAX_CONTENT_LENGTH"]
    max_megabytes = max_bytes // (1024 * 1024)
    html = render_template(
        "editor/upload.html",
        formats=_format_names(), accept=ACCEPT, limits=limits, max_megabytes=max_megabytes,
        settings={"max_bytes": max_bytes, "concurrency": CONCURRENT_UPLOADS,
                  "scene_path": request.script_root + SCENE_PATH},
        strings=_strings(max_megabytes), error_messages=_error_messages(),
    )
    response = make_response(html)
    # the page carries a CSRF token
    response.headers["Cache-Control"] = "no-store"
    return response
