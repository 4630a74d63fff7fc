"""Signing in and out, and the page where an account manages its personal API tokens."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import Forbidden
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from server import sign_in
from server.extensions import db
from server.security import (
    current_account,
    end_session,
    is_safe_next_url,
    login_required,
    login_throttle,
    password_hasher,
    request_token,
)
from tours import accounts, audit
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
    return _check_password(form, next_url)


def _check_password(form: LoginForm, next_url: str | None) -> Response:
    """Count the attempt, check the password; then sign in or ask for the second factor."""
    account_key = login_throttle().account_key(form.email.data or "")
    wait = sign_in.count_attempt(account_key)
    if wait is not None:
        return _render_login(form, sign_in.throttled_message(wait), status=429,
                             retry_after=wait)
    user = accounts.authenticate(db.session, password_hasher(), form.email.data or "",
                                 form.password.data or "", complete=False)
    if user is None:
        sign_in.record_failure(accounts.find_user_by_email(db.session, form.email.data or ""),
                               "password")
        # i18n: deliberately vague, so that it does not tell which accounts exist
        return _render_login(form, _("The email address or the password is not correct."))
    if user.totp_secret is not None:
        db.session.commit()  # an upgraded password hash
        sign_in.begin_second_factor(user, next_url)
        return redirect(url_for("two_factor.code"))
    return sign_in.finish_sign_in(user, account_key, next_url)


@bp.post("/logout")
def logout() -> Response:
    """Sign out: ends every session of the account, on every device."""
    if current_user.is_authenticated:
        user = current_account()
        accounts.end_sessions(db.session, user)
        audit.record(db.session, user, "login.signed_out", target_type="user",
                     target_id=str(user.id))
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
