"""Staff managing accounts: inviting shop owners and editors, handing out password-reset links,
changing roles, deactivating accounts.

Who may do what
    Editors (and admins) invite shop owners and look after shop-owner accounts: list them, hand
    out a new invitation or a password-reset link. Only admins invite editors, see and manage
    every account, change roles and deactivate or reactivate accounts, and they never do the
    last two to their own account (so nobody locks the last admin out by mistake).

An invited account exists at once, with an empty password hash (so nobody can sign in with
it), until its owner sets a password with the invitation link. Services flush, never commit,
and record what they did in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tours import audit
from tours.account_links import issue_link
from tours.accounts import end_sessions, normalise_email
from tours.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from tours.models import AccountLink, LinkPurpose, Role, Shop, User, utcnow
from tours.validation import flush_versioned

MAX_DISPLAY_NAME_LENGTH = 120
#: longest search text in the account list
MAX_QUERY_LENGTH = 100


class AccountNotFound(NotFound):
    message = N_("There is no such account.")


class NotAllowed(Forbidden):
    message = N_("Your account may not do this.")


class RoleNotAllowed(Forbidden):
    message = N_("Your account may not invite accounts with this role.")


class AccountInUse(Conflict):
    message = N_("The account %(email)s already exists and has accepted its invitation. "
                 "Send it a password-reset link from the list of accounts if it needs one.")


class AccountDeactivated(Conflict):
    message = N_("The account %(email)s is deactivated. An admin can reactivate it.")


class OwnAccount(Forbidden):
    message = N_("You cannot change the role or the status of your own account.")


class InvalidDisplayName(InvalidInput):
    message = N_("The name must be at most %(maximum)d characters long.")


class UnknownShop(InvalidInput):
    message = N_("There is no such shop.")


class ShopsOnlyForOwners(InvalidInput):
    message = N_("Only shop owners' accounts can be given shops.")


@dataclass(frozen=True)
class IssuedLink:
    """A link just handed out: the account, the stored link and its secret (shown once)."""

    user: User
    link: AccountLink
    secret: str
    #: True when an earlier invitation of the account was replaced
    renewed: bool = False


def is_admin(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def is_staff(user: User) -> bool:
    """Editors and admins (admins hold the editor role too)."""
    return user.has_role(Role.EDITOR)


def can_manage(actor: User, target: User) -> bool:
    """Whether ``actor`` may look after ``target``'s account (links, invitations)."""
    if is_admin(actor):
        return True
    return is_staff(actor) and target.role is Role.SHOP_OWNER


def invitable_roles(actor: User) -> tuple[Role, ...]:
    """The roles ``actor`` may invite accounts with."""
    if is_admin(actor):
        return (Role.SHOP_OWNER, Role.EDITOR)
    if is_staff(actor):
        return (Role.SHOP_OWNER,)
    return ()


def invite(
    session: Session,
    actor: User,
    *,
    email: str,
    display_name: str = "",
    role: Role = Role.SHOP_OWNER,
    shop_ids: Iterable[int] = (),
    ttl: dt.timedelta,
    now: dt.datetime | None = None,
) -> IssuedLink:
    """Invite a new account, or invite again an account that has not accepted yet.

    Inviting again replaces the earlier invitation link (it stops working). An account that has
    set its password is refused with :class:`AccountInUse`. Shops, given for a shop owner, are
    owned by the account from now on (also before it accepts).
    """
    now = now or utcnow()
    if role not in invitable_roles(actor):
        raise RoleNotAllowed()
    normalised = normalise_email(email)
    display_name = display_name.strip()
    if len(display_name) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidDisplayName(maximum=MAX_DISPLAY_NAME_LENGTH)
    shops = _shops(session, shop_ids)
    if shops and role is not Role.SHOP_OWNER:
        raise ShopsOnlyForOwners()
    user = session.scalar(select(User).where(User.email == normalised))
    renewed = user is not None
    if user is None:
        user = User(email=normalised, role=role, display_name=display_name, password_hash="",
                    is_active=True, session_generation=0, created_at=now)
        session.add(user)
        session.flush()
        audit.record(session, actor, "account.created", target_type="user",
                     target_id=str(user.id), details={"role": role.value, "by": "invitation"})
    else:
        if user.password_hash:
            raise AccountInUse(email=normalised)
        if not user.is_active:
            raise AccountDeactivated(email=normalised)
        if not can_manage(actor, user):
            raise NotAllowed()
        if user.role is not role:
            audit.record(session, actor, "account.role_changed", target_type="user",
                         target_id=str(user.id),
                         details={"from": user.role.value, "to": role.value})
            user.role = role
        if display_name:
            user.display_name = display_name
    for shop in shops:
        _add_owner(session, actor, shop, user, now)
    link, secret = issue_link(session, user, LinkPurpose.INVITATION, created_by=actor,
                              ttl=ttl, now=now)
    audit.record(session, actor, "invitation.issued", target_type="user", target_id=str(user.id),
                 details={"role": role.value, "renewed": renewed,
                          "shops": [shop.id for shop in shops],
                          "expires_at": link.expires_at.isoformat()})
    return IssuedLink(user=user, link=link, secret=secret, renewed=renewed)


def issue_access_link(
    session: Session,
    actor: User,
    user_id: int,
    *,
    invitation_ttl: dt.timedelta,
    reset_ttl: dt.timedelta,
    now: dt.datetime | None = None,
) -> IssuedLink:
    """A password-reset link for an account, or a new invitation if it never accepted one.

    The account's earlier unused links of the same kind stop working; its password and sessions
    stay as they are until the link is used.
    """
    user = get_account(session, actor, user_id)
    if not user.is_active:
        raise AccountDeactivated(email=user.email)
    if not user.password_hash:
        return invite(session, actor, email=user.email, role=user.role, ttl=invitation_ttl,
                      now=now)
    link, secret = issue_link(session, user, LinkPurpose.PASSWORD_RESET, created_by=actor,
                              ttl=reset_ttl, now=now)
    audit.record(session, actor, "password_reset.issued", target_type="user",
                 target_id=str(user.id), details={"expires_at": link.expires_at.isoformat()})
    return IssuedLink(user=user, link=link, secret=secret)


def get_account(session: Session, actor: User, user_id: int) -> User:
    """The account ``actor`` may look after; others count as not found for editors, so that
    an editor cannot tell staff accounts apart from missing ones."""
    user = session.get(User, user_id)
    if user is None or not can_manage(actor, user):
        raise AccountNotFound()
    return user


def list_accounts(
    session: Session, actor: User, *, query: str = "", offset: int = 0, limit: int = 50,
) -> tuple[list[User], int]:
    """The accounts ``actor`` may look after (editors: shop owners; admins: all), by email,
    optionally only those whose email or name contains ``query``; and how many there are."""
    if not is_staff(actor):
        raise NotAllowed()
    statement = select(User)
    if not is_admin(actor):
        statement = statement.where(User.role == Role.SHOP_OWNER)
    query = query.strip()[:MAX_QUERY_LENGTH].lower()
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(or_(
            User.email.like(pattern, escape="\\"),
            func.lower(User.display_name).like(pattern, escape="\\"),
        ))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    users = list(session.scalars(statement.order_by(User.email).offset(offset).limit(limit)))
    return users, total


def change_role(session: Session, actor: User, user_id: int, role: Role) -> User:
    """An admin gives an account another role (never their own)."""
    user = _for_admin(session, actor, user_id)
    if user.role is not role:
        audit.record(session, actor, "account.role_changed", target_type="user",
                     target_id=str(user.id), details={"from": user.role.value, "to": role.value})
        user.role = role
        session.flush()
    return user


def set_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """An admin deactivates an account (its sessions end, its tokens stop working) or
    reactivates it; never their own."""
    user = _for_admin(session, actor, user_id)
    if user.is_active is active:
        return user
    user.is_active = active
    if not active:
        end_sessions(session, user)
    audit.record(session, actor, "account.reactivated" if active else "account.deactivated",
                 target_type="user", target_id=str(user.id))
    session.flush()
    return user


def turn_off_two_factor(session: Session, actor: User, user_id: int) -> User:
    """An admin turns off two-factor sign-in of an account whose owner lost the authenticator
    (they then sign in with the password alone and can turn it on again)."""
    user = _for_admin(session, actor, user_id)
    if user.totp_secret is not None:
        user.totp_secret = None
        user.totp_last_step = None
        audit.record(session, actor, "two_factor.disabled", target_type="user",
                     target_id=str(user.id), details={"by_admin": True})
        session.flush()
    return user


def _for_admin(session: Session, actor: User, user_id: int) -> User:
    if not is_admin(actor):
        raise NotAllowed()
    user = session.get(User, user_id)
    if user is None:
        raise AccountNotFound()
    if user.id == actor.id:
        raise OwnAccount()
    return user


def list_shops(session: Session, limit: int = 500) -> list[Shop]:
    """Shops an inviting editor may give the new owner, oldest first (at most ``limit``)."""
    return list(session.scalars(select(Shop).order_by(Shop.id).limit(limit)))


def _shops(session: Session, shop_ids: Iterable[int]) -> list[Shop]:
    shops: list[Shop] = []
    for shop_id in dict.fromkeys(shop_ids):
        shop = session.get(Shop, shop_id)
        if shop is None:
            raise UnknownShop()
        shops.append(shop)
    return shops


def _add_owner(session: Session, actor: User, shop: Shop, user: User, now: dt.datetime) -> None:
    if shop.is_owned_by(user):
        return
    before = [owner.id for owner in shop.owners]
    shop.owners.append(user)
    # the row changes too, so that an editor's form opened before this sees a new version
    shop.updated_at = now
    flush_versioned(session)
    audit.record(session, actor, "shop.owners_changed", target_type="shop", target_id=str(shop.id),
                 details={"before": before, "after": [owner.id for owner in shop.owners]})
