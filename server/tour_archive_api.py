"""``GET /api/tours/<id>/export`` and ``POST /api/tours/import``: a whole tour as one archive.

Editors and admins only. The archive's format and the import's rules (bounded sizes, checks
through the editors' services, slugs taken, shops missing, all or nothing, always a draft)
are described in :mod:`server.tour_archives`.
"""

from __future__ import annotations

import tempfile
from typing import Any

import marshmallow as ma
from flask import Response, current_app, send_file
from flask_babel import gettext as _
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from werkzeug.datastructures import FileStorage

from server.api_setup import error_response
from server.editor_api import editor_endpoint, handle_errors
from server.extensions import db
from server.security import current_account
from server.storage import StorageError
from server.tour_archives import export_tour, import_archive
from server.tours_api import TourSchema
from tours import tour_service

bp = Blueprint("tour_archive_api", __name__, url_prefix="/api",
               description="Moving a tour between installations as one archive. Editors only.")
handle_errors(bp)
editors_only = editor_endpoint(bp)

ZIP_RESPONSE = {200: {
    "description": "The archive (zip): manifest.json, panorama originals, hotspot pictures",
    "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
}}


class ArchiveFileSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "A flaneur-tour archive (zip)"})


class ImportOptionsSchema(ma.Schema):
    rename_suffix = ma.fields.String(
        load_default=None, validate=ma.validate.Regexp(r"^-[a-z0-9-]{1,20}$"),
        metadata={"description": "Appended to slugs already taken here (e.g. -imported); "
                                 "without it, taken slugs refuse the import (409)"})


class ImportResultSchema(ma.Schema):
    tour = ma.fields.Nested(TourSchema, required=True, metadata={
        "description": "The new tour, always a draft"})
    renamed = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True,
                             metadata={"description": "Slug in the archive → slug given here"})
    skipped_hotspots = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "Shop hotspots left out (\"scene: shop\"): no such shop here"})
    panoramas_new = ma.fields.Integer(required=True)
    panoramas_reused = ma.fields.Integer(required=True, metadata={
        "description": "Originals already known here (the same SHA-256)"})
    job_ids = ma.fields.List(ma.fields.Integer(), required=True, metadata={
        "description": "The tiling jobs queued (GET /api/jobs/<id>)"})


def _storage_failed() -> Response:
    current_app.logger.exception("storage failed during a tour export or import")
    return error_response(503, _("The file could not be stored right now. Please try again "
                                 "in a few minutes."))


@bp.route("/tours/<int:tour_id>/export", methods=["GET"])
@editors_only
@bp.doc(responses=ZIP_RESPONSE)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="DEFAULT_ERROR", description="An original is missing")
@bp.alt_response(503, response="DEFAULT_ERROR", description="Storage unavailable")
def export(tour_id: int) -> Response:
    """Download a tour with its stops, the scenes of its walk, their links and hotspots and
    the panoramas' originals, to import it into another installation."""
    tour = tour_service.get_tour(db.session, tour_id)
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    try:
        export_tour(tour, spool)
    except StorageError:
        spool.close()
        return _storage_failed()
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return send_file(spool, mimetype="application/zip", as_attachment=True,
                     download_name=f"tour-{tour.slug}.zip", max_age=0)


@bp.route("/tours/import", methods=["POST"])
@editors_only
@bp.arguments(ArchiveFileSchema, location="files")
@bp.arguments(ImportOptionsSchema, location="form")
@bp.response(201, ImportResultSchema)
@bp.alt_response(409, response="DEFAULT_ERROR", description="Slugs already taken here")
@bp.alt_response(413, response="DEFAULT_ERROR", description="The archive is too large")
@bp.alt_response(422, response="DEFAULT_ERROR",
                 description="Not a usable archive, or a value the editors' checks refuse")
@bp.alt_response(503, response="DEFAULT_ERROR", description="Storage unavailable")
def import_tour(files: dict[str, Any], form: dict[str, Any]) -> Any:
    """Import an archive as a new draft tour: all or nothing; new panoramas are queued for
    tiling, known ones (the same SHA-256) reused."""
    upload: FileStorage = files["file"]
    account = current_account()
    try:
        report = import_archive(upload.stream, rename_suffix=form["rename_suffix"],
                                created_by_id=account.id if account else None)
    except StorageError:
        return _storage_failed()
    return {"tour": report.tour, "renamed": report.renamed,
            "skipped_hotspots": report.skipped_hotspots, "panoramas_new": report.panoramas_new,
            "panoramas_reused": report.panoramas_reused, "job_ids": report.job_ids}, 201
