"""The pages behind one-time account links: accepting an invitation and resetting a password.

Opening a link (GET) only shows the form; mail clients and scanners that fetch links in advance
use nothing up. Posting the form with an acceptable password uses the link up, ends the
account's other sessions and signs the account in — or, when it has two-factor sign-in, sends
it to the sign-in page, so a reset link never skips the second factor. Every unusable link gets
the same translated "not valid" page, which tells nothing about the link's history.
"""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

from server import sign_in
from server.extensions import db
from server.security import login_throttle, password_hasher
from tours import account_links, accounts
from tours.account_links import LinkNotUsable
from tours.errors import DomainError
from tours.models import LinkPurpose

bp = Blueprint("account_links", __name__)


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters. A passphrase of four or five unrelated words "
                       "is easy to remember and hard to guess."),
        validators=[InputRequired(message=_l("Please choose a password.")),
                    Length(max=accounts.MAX_PASSWORD_LENGTH,
                           message=_l("This password is too long."))],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(message=_l("Please repeat the password.")),
                    EqualTo("password", message=_l("The two passwords are not the same."))],
    )


def _private(response: Response) -> Response:
    # the address holds the secret: no cache keeps the page, no search engine lists it
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def link_unusable_page() -> Response:
    """The one answer for every link that cannot be used (404, translated)."""
    html = render_template("accounts/link_unusable.html", message=_(LinkNotUsable.message))
    return _private(make_response(html, 404))


@bp.route("/account/welcome/<secret>", methods=["GET", "POST"])
def welcome(secret: str) -> Response:
    """An invited account chooses its first password."""
    return _set_password(secret, LinkPurpose.INVITATION)


@bp.route("/account/reset/<secret>", methods=["GET", "POST"])
def reset(secret: str) -> Response:
    """An account chooses a new password with a link staff gave it."""
    return _set_password(secret, LinkPurpose.PASSWORD_RESET)


def _set_password(secret: str, purpose: LinkPurpose) -> Response:
    try:
        link = account_links.usable_link(db.session, secret, purpose)
    except LinkNotUsable:
        return link_unusable_page()
    form = SetPasswordForm()
    if request.method == "GET":
        return _render(form, purpose, link.user.email, link.user.display_name)
    if not form.validate_on_submit():
        return _render(form, purpose, link.user.email, link.user.display_name, status=400)
    return _use_link(form, secret, purpose, link.user.email, link.user.display_name)


def _use_link(form: SetPasswordForm, secret: str, purpose: LinkPurpose, email: str,
              display_name: str) -> Response:
    """Set the password; sign in (or ask for the second factor on the sign-in page)."""
    try:
        user = account_links.set_password_with_link(
            db.session, password_hasher(), secret, purpose=purpose,
            password=form.password.data or "")
    except LinkNotUsable:
        db.session.rollback()
        return link_unusable_page()
    except DomainError as exc:
        db.session.rollback()
        form.password.errors = [_(exc.message, **exc.params)]
        return _render(form, purpose, email, display_name, status=400)
    db.session.commit()
    if user.totp_secret is not None:
        flash(_("Your password is set. Sign in with it and a code from your authenticator "
                "app."), "success")
        return redirect(url_for("accounts.login"))
    response = sign_in.finish_sign_in(user, login_throttle().account_key(user.email), None)
    flash(_("Your password is set."), "success")
    return response


def _render(form: SetPasswordForm, purpose: LinkPurpose, email: str, display_name: str,
            status: int = 200) -> Response:
    form.password.data = form.confirm.data = ""
    html = render_template("accounts/set_password.html", form=form, email=email,
                           display_name=display_name,
                           invitation=purpose is LinkPurpose.INVITATION)
    return _private(make_response(html, status))
