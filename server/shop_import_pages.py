"""``/staff/import/shops``: editors import shops from a CSV or GeoJSON file in two steps.

1. Upload: the file is read, kept in the originals storage (``imports/<sha256>``) and planned;
   the page shows the dry run's report and, when no row has an error, an "Import" button.
2. Import: the plan is made again from the kept file and applied only when it is the one the
   editor reviewed (same fingerprint); otherwise the new report is shown instead. The browser
   sends back only the file's hash, the status and the fingerprint, never the plan itself.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from server import shop_imports
from server.extensions import db
from server.security import current_account, roles_required
from server.storage import StorageError
from tours.errors import DomainError
from tours.models import Role
from tours.shop_import import IMPORT_STATUSES, FileTooLarge, ImportPlan, apply_plan

bp = Blueprint("shop_import", __name__, url_prefix="/staff/import")
editors_only = roles_required(Role.EDITOR)


def _render(status: int = 200, *, plan: ImportPlan | None = None, error: str | None = None,
            notice: str | None = None, chosen_status: str = "draft") -> Response:
    html = render_template(
        "staff/shop_import.html",
        report=shop_imports.report(plan) if plan is not None else None,
        error=error, notice=notice, chosen_status=chosen_status,
        statuses=[status.value for status in IMPORT_STATUSES],
        row_label=shop_imports.row_label, action_label=shop_imports.action_label,
        display_value=shop_imports.display_value,
        counts_sentence=shop_imports.counts_sentence,
    )
    response = make_response(html, status)
    # the page carries a CSRF token and shop data that may change any moment
    response.headers["Cache-Control"] = "no-store"
    return response


def _error_message(exc: DomainError) -> str:
    return _(exc.message, **exc.params) if exc.params else _(exc.message)


def _storage_unavailable(**context: Any) -> Response:
    current_app.logger.exception("originals storage failed during a shop import")
    return _render(503, error=_("The file could not be stored right now. Please try again in "
                                "a few minutes."), **context)


@bp.get("/shops")
@editors_only
def upload_form() -> Response:
    """The upload form."""
    return _render()


@bp.post("/shops")
@editors_only
def dry_run() -> Response:
    """Read and plan the uploaded file, keep it, show the report."""
    status = request.form.get("status", "draft")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render(400, error=_("Choose a CSV or GeoJSON file."), chosen_status=status)
    try:
        data = shop_imports.read_limited(upload.stream)
        plan = shop_imports.plan_file(data, upload.filename, status)
    except FileTooLarge as exc:
        return _render(413, error=_error_message(exc), chosen_status=status)
    except DomainError as exc:
        return _render(422, error=_error_message(exc), chosen_status=status)
    try:
        shop_imports.keep_upload(data, plan)
    except StorageError:
        return _storage_unavailable(chosen_status=status)
    return _render(plan=plan, chosen_status=status)


def _plan_again(status: str) -> ImportPlan | Response:
    """The plan made again from the kept file, or the page saying why it cannot be."""
    try:
        kept = shop_imports.kept_upload(request.form.get("file", ""))
    except StorageError:
        return _storage_unavailable(chosen_status=status)
    if kept is None:
        return _render(400, error=_("The uploaded file is no longer available. Please upload "
                                    "it again."), chosen_status=status)
    data, filename = kept
    try:
        return shop_imports.plan_file(data, filename, status)
    except DomainError as exc:
        return _render(422, error=_error_message(exc), chosen_status=status)


@bp.post("/shops/apply")
@editors_only
def apply() -> Response:
    """Apply the reviewed plan, made again from the kept file."""
    status = request.form.get("status", "draft")
    plan = _plan_again(status)
    if isinstance(plan, Response):
        return plan
    if plan.fingerprint != request.form.get("fingerprint"):
        return _render(409, plan=plan, chosen_status=status, notice=_(
            "The shops changed since the dry run, so the import would now do something else. "
            "Review the new report and import again."))
    try:
        counts = apply_plan(db.session, current_account(), plan)
    except DomainError as exc:
        db.session.rollback()
        return _render(409, plan=plan, error=_error_message(exc), chosen_status=status)
    except IntegrityError:  # another request saved the same slug in the meantime
        db.session.rollback()
        return _render(409, plan=plan, chosen_status=status, error=_(
            "The change conflicts with data saved at the same time. Reload and try again."))
    db.session.commit()
    flash(_("The shops were imported. %(counts)s",
            counts=shop_imports.counts_sentence(counts)), "success")
    return redirect(url_for("shop_import.upload_form"))
