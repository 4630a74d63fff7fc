"""Staff pages for accounts: inviting shop owners (and, for admins, editors), the list of
accounts with password-reset links, roles and deactivation, and the admins' decisions about
shops whose owner left.

A link is shown once, in the answer to the form that made it (like a new API token), and
mailed as well when the city configured a mail server; a mail that fails is reported on the
page and the link is still shown. Rules live in :mod:`tours.account_admin` and
:mod:`tours.ownership`; these views parse, call one service, commit and show the outcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.wrappers import Response
from wtforms import EmailField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from server.city_settings import city
from server.extensions import db
from server.mail import MailError, mail_settings, send_mail
from server.paging import page_number_or_400
from server.security import current_account, roles_required
from tours import account_admin, ownership
from tours.account_admin import IssuedLink
from tours.errors import DomainError
from tours.i18n import localized
from tours.models import LinkPurpose, Role, Shop, User

bp = Blueprint("staff", __name__)

PAGE_SIZE = 50
#: how each role is named on the pages
ROLE_LABELS = {Role.SHOP_OWNER: _l("Shop owner"), Role.EDITOR: _l("Editor"),
               Role.ADMIN: _l("Admin")}


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InvitationForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[InputRequired(message=_l("Please enter the email address.")),
                    Length(max=254, message=_l("This email address is too long."))],
    )
    display_name = StringField(
        _l("Name"),
        description=_l("How the account is greeted, e.g. the owner's name. Optional."),
        validators=[Length(max=account_admin.MAX_DISPLAY_NAME_LENGTH,
                           message=_l("The name is too long."))],
    )
    role = SelectField(_l("Role"), choices=[])
    shops = MultiCheckboxField(_l("Shops the new owner keeps"), coerce=int, choices=[])


@dataclass(frozen=True)
class ShownLink:
    """A link to show once on the page, and what became of its mail."""

    url: str
    email: str
    invitation: bool
    expires_at: dt.datetime
    #: "sent", "failed" or "off" (no mail server configured)
    mail: str


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _ttl(name: str) -> dt.timedelta:
    return dt.timedelta(hours=float(current_app.config[name]))


def _message(exc: DomainError) -> str:
    return _(exc.message, **exc.params)


# --- links ----------------------------------------------------------------------------------


def _deliver(issued: IssuedLink) -> ShownLink:
    """The link's address, mailed to the account when a mail server is configured."""
    invitation = issued.link.purpose is LinkPurpose.INVITATION
    endpoint = "account_links.welcome" if invitation else "account_links.reset"
    url = url_for(endpoint, secret=issued.secret, _external=True)
    settings = mail_settings()
    outcome = "off"
    if settings is not None:
        subject, body = _mail_text(issued.user, url, issued.link.expires_at, invitation)
        try:
            send_mail(settings, to=issued.user.email, subject=subject, body=body)
        except MailError as exc:
            current_app.logger.warning("could not mail an account link: %s", exc)
            outcome = "failed"
        else:
            outcome = "sent"
    return ShownLink(url=url, email=issued.user.email, invitation=invitation,
                     expires_at=issued.link.expires_at, mail=outcome)


def _mail_text(user: User, url: str, expires_at: dt.datetime, invitation: bool
               ) -> tuple[str, str]:
    city_name = city().name
    values = {"name": user.display_name or user.email, "city": city_name, "url": url,
              "expires": format_datetime(expires_at, "short")}
    if invitation:
        return (_("Your account for %(city)s", city=city_name),
                _("Hello %(name)s,\n\nyou are invited to an account for %(city)s. Choose your "
                  "password with this link; it works once, until %(expires)s:\n\n%(url)s\n\n"
                  "If you did not expect this mail, you can ignore it.", **values))
    return (_("A new password for %(city)s", city=city_name),
            _("Hello %(name)s,\n\nchoose a new password for your account for %(city)s with "
              "this link; it works once, until %(expires)s:\n\n%(url)s\n\nIf you did not ask "
              "for a new password, tell the city's team; your password stays as it is.",
              **values))


# --- invitations ----------------------------------------------------------------------------


def _invitation_form(actor: User, *, blank: bool = False) -> InvitationForm:
    """The form with the choices ``actor`` has; ``blank`` ignores what was posted."""
    form = InvitationForm(formdata=None) if blank else InvitationForm()
    roles = account_admin.invitable_roles(actor)
    form.role.choices = [(role.value, str(ROLE_LABELS[role])) for role in roles]
    if not form.role.data:
        form.role.data = Role.SHOP_OWNER.value
    form.shops.choices = [(shop.id, _shop_label(shop))
                          for shop in account_admin.list_shops(db.session)]
    return form


def _shop_label(shop: Shop) -> str:
    """The shop's name in the reader's language, with its address name to tell shops apart."""
    default = city().default_language
    name = localized(shop.name, str(get_locale() or default), default)
    return f"{name} ({shop.slug})" if name else shop.slug


def _render_invitations(form: InvitationForm, shown: ShownLink | None = None,
                        status: int = 200) -> Response:
    actor = current_account()
    html = render_template(
        "staff/invitations.html", form=form, shown=shown,
        may_choose_role=len(account_admin.invitable_roles(actor)) > 1,
        mail_configured=mail_settings() is not None,
    )
    return _no_store(make_response(html, status))


@bp.get("/staff/invitations")
@roles_required(Role.EDITOR)
def invitations() -> Response:
    """The form to invite a shop owner (admins: or an editor)."""
    return _render_invitations(_invitation_form(current_account(), blank=True))


@bp.post("/staff/invitations")
@roles_required(Role.EDITOR)
def invite() -> Response:
    """Create the account (or renew its invitation) and show the link once."""
    actor = current_account()
    form = _invitation_form(actor)
    if not form.validate_on_submit():
        return _render_invitations(form, status=400)
    try:
        issued = account_admin.invite(
            db.session, actor, email=form.email.data or "",
            display_name=form.display_name.data or "", role=Role(form.role.data),
            shop_ids=form.shops.data or [], ttl=_ttl("INVITATION_TTL_HOURS"))
    except DomainError as exc:
        db.session.rollback()
        form.email.errors = [*form.email.errors, _message(exc)]
        return _render_invitations(form, status=400 if not _is_conflict(exc) else 409)
    except IntegrityError:
        # another editor invited the same address at the same moment
        db.session.rollback()
        form.email.errors = [_("Someone invited this address at the same moment. Look it up "
                               "in the list of accounts.")]
        return _render_invitations(form, status=409)
    db.session.commit()
    shown = _deliver(issued)
    if issued.renewed:
        flash(_("A new invitation for %(email)s was made; earlier links no longer work.",
                email=issued.user.email), "success")
    else:
        flash(_("%(email)s is invited.", email=issued.user.email), "success")
    return _render_invitations(_invitation_form(actor, blank=True), shown, status=201)


def _is_conflict(exc: DomainError) -> bool:
    return isinstance(exc, account_admin.AccountInUse | account_admin.AccountDeactivated)


# --- accounts -------------------------------------------------------------------------------


def _page_number() -> int:
    return page_number_or_400()


def _render_accounts(shown: ShownLink | None = None, status: int = 200) -> Response:
    actor = current_account()
    query = request.args.get("q", "")[:account_admin.MAX_QUERY_LENGTH]
    page = _page_number()
    users, total = account_admin.list_accounts(db.session, actor, query=query,
                                               offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    is_admin = account_admin.is_admin(actor)
    html = render_template(
        "staff/accounts.html", users=users, total=total, page=page, query=query,
        pages=max(1, -(-total // PAGE_SIZE)), shown=shown, is_admin=is_admin, actor=actor,
        roles=[(role.value, str(ROLE_LABELS[role])) for role in Role],
        role_labels={role.value: str(label) for role, label in ROLE_LABELS.items()},
        orphaned=ownership.orphaned_shops(db.session) if is_admin else [],
        shop_label=_shop_label, mail_configured=mail_settings() is not None,
    )
    return _no_store(make_response(html, status))


@bp.get("/staff/accounts")
@roles_required(Role.EDITOR)
def accounts() -> Response:
    """The accounts the signed-in editor (shop owners) or admin (all) looks after."""
    return _render_accounts()


@bp.post("/staff/accounts/<int:user_id>/link")
@roles_required(Role.EDITOR)
def issue_link(user_id: int) -> Response:
    """A password-reset link for the account (a new invitation if it never accepted one)."""
    try:
        issued = account_admin.issue_access_link(
            db.session, current_account(), user_id,
            invitation_ttl=_ttl("INVITATION_TTL_HOURS"), reset_ttl=_ttl("PASSWORD_RESET_TTL_HOURS"))
    except account_admin.AccountNotFound:
        db.session.rollback()
        raise NotFound(description=_("There is no such account.")) from None
    except DomainError as exc:
        db.session.rollback()
        flash(_message(exc), "error")
        return redirect(url_for("staff.accounts"))
    db.session.commit()
    return _render_accounts(_deliver(issued), status=201)


def _admin_action(action: Any, success: str) -> Response:
    """Run an admin's account change; its domain error becomes a message on the list."""
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash(_message(exc), "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("staff.accounts", q=request.form.get("q") or None))


@bp.post("/staff/accounts/<int:user_id>/role")
@roles_required(Role.ADMIN)
def change_role(user_id: int) -> Response:
    """An admin gives an account another role."""
    try:
        role = Role(request.form.get("role", ""))
    except ValueError:
        raise BadRequest(description=_("Choose one of the roles.")) from None
    return _admin_action(
        lambda: account_admin.change_role(db.session, current_account(), user_id, role),
        _("The role was changed."))


@bp.post("/staff/accounts/<int:user_id>/active")
@roles_required(Role.ADMIN)
def set_active(user_id: int) -> Response:
    """An admin deactivates or reactivates an account."""
    active = request.form.get("active")
    if active not in ("0", "1"):
        raise BadRequest(description=_("The form is incomplete. Reload the page and try again."))
    return _admin_action(
        lambda: account_admin.set_active(db.session, current_account(), user_id, active == "1"),
        _("The account was reactivated.") if active == "1" else
        _("The account was deactivated. It is signed out everywhere."))


@bp.post("/staff/accounts/<int:user_id>/two-factor-off")
@roles_required(Role.ADMIN)
def turn_off_two_factor(user_id: int) -> Response:
    """An admin turns off two-factor sign-in of an account that lost its authenticator."""
    return _admin_action(
        lambda: account_admin.turn_off_two_factor(db.session, current_account(), user_id),
        _("Two-factor sign-in of the account is off."))


# --- shops without an owner -----------------------------------------------------------------


def _shop(shop_id: int) -> Shop:
    shop = db.session.get(Shop, shop_id)
    if shop is None:
        raise NotFound(description=_("There is no such shop."))
    return shop


@bp.post("/staff/shops/<int:shop_id>/keep")
@roles_required(Role.ADMIN)
def keep_shop(shop_id: int) -> Response:
    """The city keeps a shop without an owner."""
    shop = _shop(shop_id)
    return _admin_action(lambda: ownership.keep_for_city(db.session, current_account(), shop),
                         _("The shop stays, looked after by the editors."))


@bp.post("/staff/shops/<int:shop_id>/close")
@roles_required(Role.ADMIN)
def close_shop(shop_id: int) -> Response:
    """Close a shop: it leaves every listing."""
    shop = _shop(shop_id)
    return _admin_action(lambda: ownership.close_shop(db.session, current_account(), shop),
                         _("The shop is closed."))


@bp.post("/staff/shops/transfer")
@roles_required(Role.ADMIN)
def transfer_shop() -> Response:
    """Hand a shop (by its address name) over to a shop owner's account (by email)."""
    slug = request.form.get("shop", "").strip().lower()[:80]
    email = request.form.get("email", "")[:254]
    shop = db.session.scalar(select(Shop).where(Shop.slug == slug)) if slug else None
    if shop is None:
        flash(_("There is no shop with the address name “%(slug)s”.", slug=slug), "error")
        return redirect(url_for("staff.accounts"))

    def hand_over() -> None:
        new_owner = ownership.find_owner_account(db.session, email)
        ownership.transfer_shop(db.session, current_account(), shop, new_owner)

    return _admin_action(hand_over, _("The shop was handed over to %(email)s.",
                                      email=email.strip().lower()))
