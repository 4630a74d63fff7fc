"""Two-factor sign-in: the account's page to turn it on and off, and the code step of signing in.

Turning it on is two steps: the page makes a secret and keeps it in the (signed) session
while the owner adds it to an authenticator app — by typing the text or opening the
``otpauth://`` address — and it is saved only when a code made from it comes back. At sign-in,
every code tried counts against the sign-in throttle like a password, so six digits cannot be
tried through; the pending sign-in (see :mod:`server.sign_in`) lasts five minutes.
"""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from server import sign_in
from server.city_settings import city
from server.extensions import db
from server.security import (
    current_account,
    login_required,
    login_throttle,
    password_hasher,
    request_token,
    start_session,
)
from tours import accounts, two_factor
from tours.errors import DomainError

bp = Blueprint("two_factor", __name__)

SETUP_KEY = "flaneur.two_factor_setup"
#: how long a secret being set up waits for its confirming code
SETUP_SECONDS = 15 * 60


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[InputRequired(message=_l("Please enter the six-digit code.")),
                    Length(max=20, message=_l("Please enter the six-digit code."))],
    )


class TurnOffForm(FlaskForm):
    code_or_password = PasswordField(
        _l("Current code or your password"),
        validators=[InputRequired(message=_l("Please enter a code or your password.")),
                    Length(max=accounts.MAX_PASSWORD_LENGTH,
                           message=_l("This password is too long."))],
    )


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _refuse_token_requests() -> None:
    if request_token() is not None:
        raise Forbidden(description=_("Two-factor sign-in can only be changed from a "
                                      "signed-in browser."))


# --- the account's page ---------------------------------------------------------------------


def _setup_secret() -> str | None:
    pending: Any = session.get(SETUP_KEY)
    if not isinstance(pending, dict):
        return None
    secret, started = pending.get("secret"), pending.get("started")
    if not isinstance(secret, str) or not isinstance(started, int):
        return None
    if not 0 <= time.time() - started <= SETUP_SECONDS:
        session.pop(SETUP_KEY, None)
        return None
    return secret


def _render_page(*, code_form: CodeForm | None = None, off_form: TurnOffForm | None = None,
                 status: int = 200) -> Response:
    user = current_account()
    secret = None if user.totp_secret is not None else _setup_secret()
    uri = None
    if secret is not None:
        uri = two_factor.provisioning_uri(secret, user.email, city().name)
    if off_form is not None:
        off_form.code_or_password.data = ""
    html = render_template(
        "accounts/two_factor.html", enabled=user.totp_secret is not None, secret=secret,
        uri=uri, code_form=code_form or CodeForm(formdata=None),
        off_form=off_form or TurnOffForm(formdata=None),
    )
    return _no_store(make_response(html, status))


@bp.get("/account/two-factor")
@login_required
def page() -> Response:
    """Whether two-factor sign-in is on, and the forms to turn it on or off."""
    _refuse_token_requests()
    return _render_page()


@bp.post("/account/two-factor/setup")
@login_required
def setup() -> Response:
    """Make a new secret for the owner to add to their authenticator app."""
    _refuse_token_requests()
    if current_account().totp_secret is None:
        session[SETUP_KEY] = {"secret": two_factor.new_secret(), "started": int(time.time())}
    return redirect(url_for("two_factor.page"))


@bp.post("/account/two-factor/confirm")
@login_required
def confirm() -> Response:
    """Save the secret once a current code made from it is entered."""
    _refuse_token_requests()
    form = CodeForm()
    secret = _setup_secret()
    if secret is None:
        flash(_("The setup has expired. Please start again."), "error")
        return redirect(url_for("two_factor.page"))
    if not form.validate_on_submit():
        return _render_page(code_form=form, status=400)
    user = current_account()
    try:
        two_factor.turn_on(db.session, user, secret, form.code.data or "")
    except DomainError as exc:
        db.session.rollback()
        form.code.errors = [_(exc.message, **exc.params)]
        return _render_page(code_form=form, status=400)
    # other browsers signed in with the password alone must sign in again, with a code
    accounts.end_sessions(db.session, user)
    db.session.commit()
    start_session(user)
    flash(_("Two-factor sign-in is on. You were signed out on your other devices."), "success")
    return redirect(url_for("two_factor.page"))


@bp.post("/account/two-factor/disable")
@login_required
def disable() -> Response:
    """Turn two-factor sign-in off, with a current code or the password."""
    _refuse_token_requests()
    form = TurnOffForm()
    if not form.validate_on_submit():
        return _render_page(off_form=form, status=400)
    user = current_account()
    account_key = login_throttle().account_key(user.email)
    wait = sign_in.count_attempt(account_key)
    if wait is not None:
        form.code_or_password.errors = [sign_in.throttled_message(wait)]
        return _render_page(off_form=form, status=429)
    try:
        two_factor.turn_off(db.session, password_hasher(), user, form.code_or_password.data or "")
    except DomainError as exc:
        db.session.rollback()
        form.code_or_password.errors = [_(exc.message, **exc.params)]
        return _render_page(off_form=form, status=400)
    db.session.commit()
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("two_factor.page"))


# --- the code step of signing in ------------------------------------------------------------


@bp.route("/login/code", methods=["GET", "POST"])
def code() -> Response:
    """The second step of signing in: a code from the authenticator app."""
    pending = sign_in.pending_sign_in()
    if pending is None:
        flash(_("Please sign in with your email address and password."), "info")
        return redirect(url_for("accounts.login"))
    user, next_url = pending
    form = CodeForm()
    if request.method == "GET":
        return _render_code(form)
    if not form.validate_on_submit():
        return _render_code(form, status=400)
    account_key = login_throttle().account_key(user.email)
    wait = sign_in.count_attempt(account_key)
    if wait is not None:
        return _render_code(form, sign_in.throttled_message(wait), status=429, retry_after=wait)
    if not two_factor.check_code(db.session, user, form.code.data or ""):
        db.session.rollback()
        sign_in.record_failure(user, "code")
        return _render_code(form, _(two_factor.WrongCode.message))
    return sign_in.finish_sign_in(user, account_key, next_url, second_factor=True)


def _render_code(form: CodeForm, error: str | None = None, status: int = 200,
                 retry_after: int | None = None) -> Response:
    form.code.data = ""
    html = render_template("accounts/login_code.html", form=form, error=error)
    response = _no_store(make_response(html, status))
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response
