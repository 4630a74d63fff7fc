"""An account's own data: download it as JSON, and (shop owners) delete the account.

Staff accounts are deactivated by an admin rather than deleted, so the audit log keeps a live
link to the people who made decisions; shop owners may leave at any time. The rules are in
:mod:`tours.personal_data`.
"""

from __future__ import annotations

import json

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length

from server import sign_in
from server.extensions import db
from server.security import (
    current_account,
    end_session,
    login_required,
    login_throttle,
    password_hasher,
    request_token,
)
from tours import accounts, personal_data
from tours.errors import DomainError
from tours.models import Role

bp = Blueprint("personal_data", __name__)


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(message=_l("Please enter your password.")),
                    Length(max=accounts.MAX_PASSWORD_LENGTH,
                           message=_l("This password is too long."))],
    )


def _refuse_token_requests() -> None:
    if request_token() is not None:
        raise Forbidden(description=_("This can only be done from a signed-in browser."))


@bp.get("/account/data")
@login_required
def download() -> Response:
    """Everything stored about the signed-in account, as a JSON file."""
    _refuse_token_requests()
    user = current_account()
    data = personal_data.export_personal_data(db.session, user)
    response = make_response(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="flaneur-account-{user.id}.json"')
    response.headers["Cache-Control"] = "no-store"
    return response


def _render(form: DeleteAccountForm, status: int = 200) -> Response:
    form.password.data = ""
    user = current_account()
    html = render_template("accounts/your_data.html", form=form,
                           may_delete=user.role is Role.SHOP_OWNER)
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/delete")
@login_required
def delete_page() -> Response:
    """The account's data: the download, and for shop owners the form to delete the account."""
    _refuse_token_requests()
    return _render(DeleteAccountForm(formdata=None))


@bp.post("/account/delete")
@login_required
def delete() -> Response:
    """Delete the signed-in shop owner's account, confirmed with its password."""
    _refuse_token_requests()
    user = current_account()
    if user.role is not Role.SHOP_OWNER:
        raise Forbidden(description=_(personal_data.StaffAccountsStay.message))
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _render(form, status=400)
    wait = sign_in.count_attempt(login_throttle().account_key(user.email))
    if wait is not None:
        form.password.errors = [sign_in.throttled_message(wait)]
        return _render(form, status=429)
    try:
        personal_data.delete_account(db.session, password_hasher(), user,
                                     form.password.data or "")
    except DomainError as exc:
        db.session.rollback()
        form.password.errors = [_(exc.message, **exc.params)]
        return _render(form, status=400)
    db.session.commit()
    end_session()
    flash(_("Your account was deleted. Your shops stay until the city's team decides about "
            "them."), "success")
    return redirect(url_for("site.home"))
