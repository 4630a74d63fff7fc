"""A shop owner's personal data: everything stored about the account, to take away, and the
deletion of the account.

The export holds the account's own fields (no password hash, no two-factor secret, no token
hashes), its API tokens as listed to the owner, its shops as stored (with images and offers),
the change requests it made and the audit events it caused or that concern it. Events by staff
about the account are included without the staff member's identity.

Deleting an account keeps its shops (see :mod:`tours.ownership`) and the audit log (whose
entries keep the email address they were written with, as a record of who did what); the
account's links and tokens go with it.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import delete, inspect, or_, select
from sqlalchemy.orm import Session

from tours import audit
from tours.accounts import PasswordHasher
from tours.errors import N_, Forbidden, InvalidInput
from tours.models import (
    AccountLink,
    AuditEvent,
    ChangeRequest,
    Role,
    Shop,
    User,
    utcnow,
)
from tours.ownership import release_shops

EXPORT_FORMAT = "flaneur-personal-data/1"
#: the export's newest audit events at most (an account signing in daily for decades fits)
MAX_EXPORTED_EVENTS = 50_000
#: most shops and change requests exported (far beyond what one owner has)
MAX_EXPORTED_ROWS = 10_000
#: stored columns that never leave the server: secrets, and derived search data
SECRET_USER_COLUMNS = frozenset({"password_hash", "totp_secret", "totp_last_step",
                                 "session_generation"})


class StaffAccountsStay(Forbidden):
    message = N_("Staff accounts are closed by an admin, not deleted by their owner.")


class WrongPassword(InvalidInput):
    message = N_("The password is not correct.")


def export_personal_data(session: Session, user: User,
                         now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything stored about ``user``, as JSON-ready data."""
    shops = list(session.scalars(
        select(Shop).where(Shop.owners.any(User.id == user.id)).order_by(Shop.id)
        .limit(MAX_EXPORTED_ROWS)))
    changes = list(session.scalars(
        select(ChangeRequest).where(ChangeRequest.requested_by_id == user.id)
        .order_by(ChangeRequest.id).limit(MAX_EXPORTED_ROWS)))
    return {
        "format": EXPORT_FORMAT,
        "exported_at": (now or utcnow()).isoformat(),
        "account": {
            **_columns(user, exclude=SECRET_USER_COLUMNS),
            "two_factor_enabled": user.totp_secret is not None,
        },
        "api_tokens": [_columns(token, exclude={"token_hash", "user_id"})
                       for token in user.tokens],
        "shops": [_shop(shop) for shop in shops],
        "change_requests": [_columns(change) for change in changes],
        "audit_events": _events(session, user),
    }


def delete_account(session: Session, hasher: PasswordHasher, user: User,
                   password: str) -> list[Shop]:
    """Delete a shop owner's account after checking its password; returns the shops now left
    without any owner (they wait for an admin)."""
    if user.role is not Role.SHOP_OWNER:
        raise StaffAccountsStay()
    if not user.password_hash or not hasher.verify(user.password_hash, password):
        raise WrongPassword()
    orphaned = release_shops(session, user)
    audit.record(session, user, "account.deleted", target_type="user", target_id=str(user.id),
                 details={"role": user.role.value, "orphaned_shops": [s.id for s in orphaned]})
    # the database cascades too; deleting here keeps the session's view of the rows right
    session.execute(delete(AccountLink).where(AccountLink.user_id == user.id)
                    .execution_options(synchronize_session=False))
    session.delete(user)
    session.flush()
    return orphaned


def _shop(shop: Shop) -> dict[str, Any]:
    return {
        **_columns(shop),
        "images": [_columns(image) for image in shop.images],
        "offers": [_columns(offer) for offer in shop.offers],
    }


def _events(session: Session, user: User) -> list[dict[str, Any]]:
    events = session.scalars(
        select(AuditEvent)
        .where(or_(AuditEvent.actor_id == user.id,
                   (AuditEvent.target_type == "user") & (AuditEvent.target_id == str(user.id))))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(MAX_EXPORTED_EVENTS))
    return [
        {"at": event.at.isoformat(), "action": event.action, "by_you": event.actor_id == user.id,
         "target_type": event.target_type, "target_id": event.target_id,
         "details": event.details}
        for event in events
    ]


def _columns(row: object, exclude: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """Every stored column of ``row`` (but ``exclude``) in a JSON-ready form."""
    mapper = inspect(row).mapper  # type: ignore[union-attr]
    return {
        attribute.key: _plain(getattr(row, attribute.key))
        for attribute in mapper.column_attrs
        if attribute.key not in exclude
    }


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value
