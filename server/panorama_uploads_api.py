"""``POST /api/panoramas``: upload a 360° panorama (multipart), editors only.

The file is streamed to a temporary file by the request parser (never held whole in memory),
checked from its headers, stored as an original and queued for tiling. Uploading the same
file again answers 200 with the existing panorama: no duplicate, no second job. With
``create_scene`` the panorama is shown in a new scene made in the same transaction
(``tours.upload_scenes``), or in the scene that already shows the same file.

``POST /api/panoramas/<id>/retile`` queues a panorama for tiling again (a failed one, or a
ready one for a new revision), unless a tiling job of it is queued or running already.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask_babel import gettext as _
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from werkzeug.datastructures import FileStorage

from media_tools.errors import PanoramaRejected
from server.api_setup import error_response
from server.city_settings import city
from server.editor_api import editor_endpoint, handle_errors
from server.extensions import db
from server.panorama_uploads import ingest_file, rejection_message, rejection_status
from server.panoramas_api import PanoramaSchema
from server.scenes_api import SceneSchema
from server.security import current_account
from server.storage import StorageError
from tours import upload_scenes
from tours.panoramas import MAX_AUTHOR_LENGTH, MAX_LICENCE_LENGTH, get_panorama

bp = Blueprint("panorama_uploads_api", __name__, url_prefix="/api",
               description="Uploading panoramas. Editors only.")
handle_errors(bp)
editors_only = editor_endpoint(bp)


class UploadFileSchema(ma.Schema):
    file = Upload(required=True, metadata={
        "description": "An equirectangular 360° image (JPEG, PNG or WebP), twice as wide as high"})


class UploadFormSchema(ma.Schema):
    author = ma.fields.String(load_default="", validate=ma.validate.Length(max=MAX_AUTHOR_LENGTH),
                              metadata={"description": "Photographer, for the credits"})
    licence = ma.fields.String(load_default="",
                               validate=ma.validate.Length(max=MAX_LICENCE_LENGTH),
                               metadata={"description": "SPDX licence id or a short text"})
    create_scene = ma.fields.Boolean(load_default=False, metadata={
        "description": "Also show the panorama in a scene: slug and title from the file name "
                       "(title in the city's default language), position from its GPS, north "
                       "offset from its heading. The same file again gives the scene that "
                       "shows it already."})


class UploadResultSchema(ma.Schema):
    panorama = ma.fields.Nested(PanoramaSchema, required=True)
    created = ma.fields.Boolean(required=True, metadata={
        "description": "False when the same file had been uploaded before"})
    job_id = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "The tiling job (GET /api/jobs/<id>) of a new panorama"})
    scene = ma.fields.Nested(SceneSchema, required=True, allow_none=True, metadata={
        "description": "The scene showing the panorama (with create_scene; else null)"})
    scene_created = ma.fields.Boolean(required=True, metadata={
        "description": "True when this upload made the scene"})


class RetileResultSchema(ma.Schema):
    panorama = ma.fields.Nested(PanoramaSchema, required=True)
    job_id = ma.fields.Integer(required=True, metadata={
        "description": "The tiling job (GET /api/jobs/<id>)"})


@bp.route("/panoramas", methods=["POST"])
@editors_only
@bp.arguments(UploadFileSchema, location="files")
@bp.arguments(UploadFormSchema, location="form")
@bp.response(201, UploadResultSchema)
@bp.alt_response(200, schema=UploadResultSchema, description="The same file was uploaded before")
@bp.alt_response(413, response="DEFAULT_ERROR", description="File or image too large")
@bp.alt_response(415, response="DEFAULT_ERROR", description="Not a JPEG, PNG or WebP image")
@bp.alt_response(409, response="DEFAULT_ERROR",
                 description="The file of a panorama taken down after a report")
@bp.alt_response(422, response="DEFAULT_ERROR", description="Not a usable panorama")
@bp.alt_response(503, response="DEFAULT_ERROR", description="Storage unavailable")
def upload_panorama(files: dict[str, Any], form: dict[str, Any]) -> Any:
    """Upload a panorama; its tiling is queued and its progress shown by the returned job."""
    upload: FileStorage = files["file"]
    account = current_account()
    try:
        result = ingest_file(
            upload.stream, filename=upload.filename or "", author=form["author"],
            licence=form["licence"], created_by_id=account.id if account else None,
            scene_language=city().default_language if form["create_scene"] else None,
        )
    except PanoramaRejected as rejection:
        return error_response(rejection_status(rejection), rejection_message(rejection),
                              {"file": {"code": str(rejection.code)}})
    except StorageError:
        current_app.logger.exception("originals storage failed during an upload")
        return error_response(503, _("The file could not be stored right now. Please try again "
                                     "in a few minutes."))
    body = {"panorama": result.panorama, "created": result.created, "job_id": result.job_id,
            "scene": result.scene, "scene_created": result.scene_created}
    return body, 201 if result.created else 200


@bp.route("/panoramas/<string:panorama_id>/retile", methods=["POST"])
@editors_only
@bp.response(202, RetileResultSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="DEFAULT_ERROR", description=(
    "A tiling job of it is queued or running already, or it was taken down after a report"))
def retile_panorama(panorama_id: str) -> Any:
    """Tile a panorama again: a failed one (its error is cleared) or a ready one (it keeps
    showing its tiles until the new revision is complete); refused while it waits for or is
    in tiling."""
    panorama = get_panorama(db.session, panorama_id)
    job_id = upload_scenes.retile(db.session, panorama,
                                  max_attempts=current_app.config["JOB_MAX_ATTEMPTS"])
    db.session.commit()
    return {"panorama": panorama, "job_id": job_id}
