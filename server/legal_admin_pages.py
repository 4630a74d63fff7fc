"""The admins' editor of the legal pages: ``/admin/legal`` lists them, ``/admin/legal/<key>``
edits one page with a text box per language.

The form carries the version it was based on; when another admin saved the page in the
meantime the answer is 409 with the admin's own input kept in the boxes and the stored text
shown next to it, so nothing typed is lost and saving again is a conscious overwrite. Rules
(who, sanitising, audit) live in :mod:`tours.legal`; these views parse, call it, commit.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from server.extensions import db
from server.legal_pages import TITLES
from server.security import current_account, roles_required
from tours import legal
from tours.errors import Conflict, DomainError
from tours.i18n import LANGUAGES
from tours.models import LegalPage, LegalPageKey, Role
from tours.validation import InvalidValue, VersionConflict

bp = Blueprint("legal_admin", __name__)

#: the keys as a URL converter accepts them (anything else is 404 by routing)
KEY_CONVERTER = "any(" + ", ".join(key.value for key in legal.LEGAL_PAGE_KEYS) + ")"
MAX_VERSION_DIGITS = 9


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _message(exc: DomainError) -> str:
    return _(exc.message, **exc.params)


def _updated(page: LegalPage | None) -> str | None:
    return format_datetime(page.updated_at, "short") if page is not None else None


@bp.get("/admin/legal")
@roles_required(Role.ADMIN)
def overview() -> Response:
    """The three pages: which languages each has, when it was saved last."""
    stored = legal.pages_by_key(db.session)
    rows = [{"key": key, "title": TITLES[key], "languages": list(stored[key].body or {})
             if key in stored else [], "updated": _updated(stored.get(key))}
            for key in legal.LEGAL_PAGE_KEYS]
    return _no_store(make_response(render_template("legal/admin_list.html", rows=rows)))


def _render_form(key: LegalPageKey, page: LegalPage | None, texts: dict[str, str], *,
                 version: int, errors: dict[str, str] | None = None,
                 form_errors: list[str] | None = None, conflict: bool = False,
                 status: int = 200) -> Response:
    context: dict[str, Any] = {
        "key": key, "title": TITLES[key], "texts": texts, "version": version,
        "errors": errors or {}, "form_errors": form_errors or [], "conflict": conflict,
        "stored": (page.body or {}) if page is not None else {},
        "updated": _updated(page), "languages": LANGUAGES,
        "max_length": legal.MAX_INPUT_LENGTH,
    }
    html = render_template("legal/edit.html", **context)
    return _no_store(make_response(html, status))


def _posted_version() -> int:
    raw = request.form.get("version", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_VERSION_DIGITS:
        raise BadRequest(description=_("The form is incomplete. Reload the page and try again."))
    return int(raw)


@bp.route(f"/admin/legal/<{KEY_CONVERTER}:key>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(key: str) -> Response:
    """One legal page, a text box per language; saving checks the version it started from."""
    page_key = LegalPageKey(key)
    page = legal.get_page(db.session, page_key)
    if request.method == "GET":
        return _render_form(page_key, page, dict((page.body or {}) if page else {}),
                            version=legal.version_of(page))
    texts = {language: request.form.get(f"body-{language}", "") for language in LANGUAGES}
    expected = _posted_version()
    try:
        _page, changed = legal.save_page(db.session, current_account(), page_key, texts,
                                         expected_version=expected)
    except DomainError as exc:
        db.session.rollback()
        return _refused(page_key, texts, expected, exc)
    db.session.commit()
    flash(_("Saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("legal_admin.edit", key=page_key.value))


def _refused(key: LegalPageKey, texts: dict[str, str], expected: int,
             exc: DomainError) -> Response:
    """The form again with what the admin typed, and why it was not saved."""
    page = legal.get_page(db.session, key)
    if isinstance(exc, VersionConflict):
        # the input stays; the next save is based on what is stored now
        return _render_form(key, page, texts, version=legal.version_of(page), conflict=True,
                            form_errors=[_("Someone else saved this page in the meantime. "
                                           "Your text is kept below, and theirs is shown "
                                           "under each box; saving again replaces theirs.")],
                            status=409)
    if isinstance(exc, InvalidValue):
        language = exc.field.rpartition(".")[2]
        name = f"body-{language}" if language in LANGUAGES else "body"
        return _render_form(key, page, texts, version=expected,
                            errors={name: _message(exc)}, status=400)
    if isinstance(exc, Conflict):
        return _render_form(key, page, texts, version=expected,
                            form_errors=[_message(exc)], status=409)
    raise exc
