"""``POST /api/manage/shop-imports``: import shops from a CSV or GeoJSON file (multipart),
editors only; the script twin of ``/staff/import/shops``.

``dry_run=1`` (the default) answers the report and changes nothing; ``dry_run=0`` plans the
file the same way and applies the plan when no row has an error, in one transaction.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, jsonify
from flask_babel import gettext as _
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from werkzeug.datastructures import FileStorage

from server import shop_imports
from server.api_setup import error_response
from server.editor_api import editor_endpoint, handle_errors
from server.extensions import db
from server.security import current_account
from tours.shop_import import (
    IMPORT_STATUSES,
    MAX_CELL_LENGTH,
    MAX_ROWS,
    Action,
    FileTooLarge,
    PlanHasErrors,
    apply_plan,
)

bp = Blueprint("shop_imports_api", __name__, url_prefix="/api",
               description="Importing shops from CSV or GeoJSON, with a dry run. Editors only.")
handle_errors(bp)
editors_only = editor_endpoint(bp)


class ImportFileSchema(ma.Schema):
    file = Upload(required=True, metadata={
        "description": "CSV (UTF-8; comma, semicolon or tab; a header row) or a GeoJSON "
                       f"FeatureCollection of Points; at most 5 MB, {MAX_ROWS} rows and "
                       f"{MAX_CELL_LENGTH} characters per cell. Columns: see the README, "
                       "“Importing shops”"})


class ImportFormSchema(ma.Schema):
    status = ma.fields.String(
        load_default="draft", validate=ma.validate.OneOf([s.value for s in IMPORT_STATUSES]),
        metadata={"description": "Status of the new shops; existing shops keep theirs"})


class ImportQuerySchema(ma.Schema):
    dry_run = ma.fields.Boolean(load_default=True, metadata={
        "description": "1: only report; 0: import when no row has an error"})


class IssueSchema(ma.Schema):
    column = ma.fields.String(required=True, metadata={
        "description": "The file's column (or GeoJSON property); empty for the whole row"})
    message = ma.fields.String(required=True, metadata={"description": "In the reader's "
                                                                       "language"})


class ImportRowSchema(ma.Schema):
    row = ma.fields.Integer(required=True, metadata={
        "description": "CSV line (the header is line 1) or feature index (from 0)"})
    action = ma.fields.String(required=True, validate=ma.validate.OneOf([a.value for a in Action]))
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    shop_id = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "The shop an update or unchanged row matched"})
    changes = ma.fields.Dict(required=True, metadata={
        "description": "For updates: {field: {old, new}} as stored"})
    errors = ma.fields.List(ma.fields.Nested(IssueSchema), required=True)
    warnings = ma.fields.List(ma.fields.Nested(IssueSchema), required=True)


class ImportReportSchema(ma.Schema):
    format = ma.fields.String(required=True, metadata={"description": "csv or geojson"})
    sha256 = ma.fields.String(required=True, metadata={"description": "Of the file's bytes"})
    status = ma.fields.String(required=True)
    fingerprint = ma.fields.String(required=True, metadata={
        "description": "Equal for plans that change the same shops in the same way"})
    applied = ma.fields.Boolean(required=True)
    has_errors = ma.fields.Boolean(required=True)
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                            required=True, metadata={
                                "description": "Rows per action: create, update, unchanged, "
                                               "error"})
    warnings = ma.fields.List(ma.fields.Nested(IssueSchema), required=True, metadata={
        "description": "About the whole file (ignored columns)"})
    rows = ma.fields.List(ma.fields.Nested(ImportRowSchema), required=True)


class ImportRefusedSchema(ma.Schema):
    code = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    report = ma.fields.Nested(ImportReportSchema, metadata={
        "description": "When rows have errors: the report naming them"})
    errors = ma.fields.Dict(metadata={
        "description": "When the request itself is invalid (no file, an unknown option): "
                       "each field and what is wrong with it"})


@bp.route("/manage/shop-imports", methods=["POST"])
@editors_only
@bp.arguments(ImportQuerySchema, location="query")
@bp.arguments(ImportFileSchema, location="files")
@bp.arguments(ImportFormSchema, location="form")
@bp.response(200, ImportReportSchema)
@bp.alt_response(409, response="CONFLICT", description="A shop changed while importing")
@bp.alt_response(413, response="DEFAULT_ERROR", description="File larger than 5 MB")
@bp.alt_response(422, schema=ImportRefusedSchema,
                 description="The file cannot be read, or (when importing) rows have errors")
def import_shops(query: dict[str, Any], files: dict[str, Any], form: dict[str, Any]) -> Any:
    """Report what importing the file would do (``dry_run=1``), or import it (``dry_run=0``):
    new shops as drafts (or published), owned by nobody; changes to existing shops matched by
    slug, or by name and position."""
    upload: FileStorage = files["file"]
    try:
        data = shop_imports.read_limited(upload.stream)
    except FileTooLarge as exc:
        return error_response(413, _(exc.message, **exc.params))
    plan = shop_imports.plan_file(data, upload.filename or "", form["status"])
    if query["dry_run"]:
        return shop_imports.report(plan)
    if plan.has_errors:
        return _refused(shop_imports.report(plan))
    apply_plan(db.session, current_account(), plan)
    db.session.commit()
    return shop_imports.report(plan, applied=True)


def _refused(report: dict[str, Any]) -> Response:
    """The API's error body for a plan with errors, with the report naming them."""
    response = jsonify({"code": 422, "status": "Unprocessable Entity",
                        "message": _(PlanHasErrors.message), "report": report})
    response.status_code = 422
    return response
