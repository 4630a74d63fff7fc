"""Signing in and out, and the page where an account manages its personal API tokens."""

from __future__ import annotations

import math

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
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from limits.errors import StorageError
from werkzeug.exceptions import Forbidden
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from server.extensions import db
from server.security import (
    client_address,
    current_account,
    end_session,
    is_safe_next_url,
    login_required,
    login_throttle,
    password_hasher,
    request_token,
    start_session,
    throttle_unavailable,
)
from tours import accounts
from tours.errors import DomainError

bp = Blueprint("accounts", __name__)


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[InputRequired(message=_l("Please enter your email address.")),
                    Length(max=254, message=_l("This email address is too long."))],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Please enter your password.")),
                    Length(max=accounts.MAX_PASSWORD_LENGTH,
                           message=_l("This password is too long."))],
    )
    next = HiddenField()


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("What the token is for, e.g. “upload script on the office PC”."),
        validators=[InputRequired(message=_l("Please give the token a name.")),
                    Length(max=accounts.MAX_TOKEN_NAME_LENGTH,
                           message=_l("The name is too long."))],
    )


def _no_store(response: Response) -> Response:
    # pages with CSRF tokens or a token secret must not be kept by caches or the back button
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_login(form: LoginForm, error: str | None = None, status: int = 200,
                  retry_after: int | None = None) -> Response:
    form.password.data = ""
    response = make_response(render_template("accounts/login.html", form=form, error=error),
                             status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return _no_store(response)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """The sign-in form; on success a new session and a redirect to ``next`` (same site only)."""
    form = LoginForm()
    asked = request.values.get("next")
    next_url = asked if is_safe_next_url(asked) else None
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_url or url_for("site.home"))
        form.next.data = next_url or ""
        return _render_login(form)
    form.next.data = next_url or ""
    if not form.validate_on_submit():
        return _render_login(form, status=400)

    throttle = login_throttle()
    account_key = throttle.account_key(form.email.data or "")
    try:
        wait = throttle.attempt(account_key, client_address())
    except StorageError:
        raise throttle_unavailable() from None
    if wait is not None:
        message = ngettext("Too many sign-in attempts. Please try again in %(num)d minute.",
                           "Too many sign-in attempts. Please try again in %(num)d minutes.",
                           math.ceil(wait / 60))
        return _render_login(form, message, status=429, retry_after=wait)

    user = accounts.authenticate(db.session, password_hasher(), form.email.data or "",
                                 form.password.data or "")
    if user is None:
        # i18n: deliberately vague, so that it does not tell which accounts exist
        return _render_login(form, _("The email address or the password is not correct."))
    db.session.commit()
    try:
        throttle.forget_account(account_key)
    except StorageError:
        # the sign-in itself succeeded; a stale count only expires later than it should
        current_app.logger.warning("could not clear the sign-in count of an account")
    start_session(user)
    flash(_("You are signed in."), "success")
    return redirect(next_url or url_for("site.home"))


@bp.post("/logout")
def logout() -> Response:
    """Sign out: ends every session of the account, on every device."""
    if current_user.is_authenticated:
        accounts.end_sessions(db.session, current_account())
        db.session.commit()
    end_session()
    flash(_("You are signed out on all your devices."), "success")
    return redirect(url_for("site.home"))


def _render_tokens(form: TokenForm, secret: str | None = None, status: int = 200) -> Response:
    tokens = accounts.list_tokens(db.session, current_account())
    html = render_template("accounts/tokens.html", form=form, tokens=tokens, secret=secret)
    return _no_store(make_response(html, status))


def _refuse_token_requests() -> None:
    if request_token() is not None:
        raise Forbidden(description=_("API tokens can only be managed from a signed-in browser."))


@bp.get("/account/tokens")
@login_required
def tokens() -> Response:
    """The account's personal API tokens, and a form to create one."""
    _refuse_token_requests()
    return _render_tokens(TokenForm())


@bp.post("/account/tokens")
@login_required
def create_token() -> Response:
    """Create a token and show its secret, this once."""
    _refuse_token_requests()
    form = TokenForm()
    if not form.validate_on_submit():
        return _render_tokens(form, status=400)
    try:
        token, secret = accounts.issue_token(db.session, current_account(), form.name.data or "")
    except DomainError as exc:
        form.name.errors = [_(exc.message, **exc.params)]
        return _render_tokens(form, status=400)
    db.session.commit()
    flash(_("The token “%(name)s” was created.", name=token.name), "success")
    return _render_tokens(TokenForm(formdata=None), secret=secret, status=201)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    """Revoke a token; scripts using it are refused from now on."""
    _refuse_token_requests()
    try:
        token = accounts.revoke_token(db.session, current_account(), token_id)
    except accounts.TokenNotFound as exc:
        flash(_(exc.message), "error")
    else:
        db.session.commit()
        flash(_("The token “%(name)s” was revoked.", name=token.name), "success")
    return redirect(url_for("accounts.tokens"))
