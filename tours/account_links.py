"""One-time account links: the invitation a new account sets its first password with, and the
password-reset link staff hand to someone who lost theirs.

A link carries a random secret; only its SHA-256 is stored (like API tokens), so a copy of the
database opens no account. A link works once, until it expires, for an active account only.
Looking a link up changes nothing (mail clients and link scanners fetch links before people
click them); only :func:`set_password_with_link` uses it up. Services flush and never commit.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tours import audit
from tours.accounts import PasswordHasher, check_password_strength, end_sessions, hash_token
from tours.errors import N_, NotFound
from tours.models import AccountLink, LinkPurpose, User, utcnow

#: random bytes in a link's secret (URL-safe base64 in the link: 43 characters)
LINK_RANDOM_BYTES = 32
#: longer path segments are not ours; they are refused before anything is hashed or looked up
MAX_SECRET_LENGTH = 100


class LinkNotUsable(NotFound):
    """Unknown, used, expired, or for an account that can no longer use it: one answer for all,
    so that a link's history is not told to whoever holds it."""

    message = N_("This link cannot be used: it is not valid, it was used already or it has "
                 "expired. Ask the person who sent it to you for a new one.")


def issue_link(
    session: Session,
    user: User,
    purpose: LinkPurpose,
    *,
    created_by: User | None,
    ttl: dt.timedelta,
    now: dt.datetime | None = None,
) -> tuple[AccountLink, str]:
    """A new link for ``user``; returns it and its secret, which is stored nowhere.

    Older unused links of the same purpose stop working: only the newest one handed out counts.
    """
    now = now or utcnow()
    discard_unused_links(session, user, purpose)
    secret = secrets.token_urlsafe(LINK_RANDOM_BYTES)
    link = AccountLink(
        user_id=user.id, purpose=purpose, token_hash=hash_token(secret),
        created_by_id=created_by.id if created_by is not None else None,
        created_at=now, expires_at=now + ttl,
    )
    session.add(link)
    session.flush()
    return link, secret


def discard_unused_links(session: Session, user: User, purpose: LinkPurpose | None = None) -> None:
    """Remove ``user``'s links that were never used (of ``purpose``, or all)."""
    query = delete(AccountLink).where(AccountLink.user_id == user.id,
                                      AccountLink.used_at.is_(None))
    if purpose is not None:
        query = query.where(AccountLink.purpose == purpose)
    session.execute(query.execution_options(synchronize_session=False))
    session.flush()


def usable_link(
    session: Session, secret: str, purpose: LinkPurpose, now: dt.datetime | None = None,
) -> AccountLink:
    """The link for ``secret`` if it can still be used for ``purpose``; changes nothing.

    Raises :class:`LinkNotUsable` otherwise.
    """
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        raise LinkNotUsable()
    link = session.scalar(select(AccountLink).where(AccountLink.token_hash == hash_token(secret)))
    now = now or utcnow()
    if (
        link is None
        or link.purpose is not purpose
        or link.used_at is not None
        or link.expires_at <= now
        or not link.user.is_active
        # an invitation is for an account without a password; once it has one, it is accepted
        or (purpose is LinkPurpose.INVITATION and link.user.password_hash)
    ):
        raise LinkNotUsable()
    return link


def set_password_with_link(
    session: Session,
    hasher: PasswordHasher,
    secret: str,
    *,
    purpose: LinkPurpose,
    password: str,
    now: dt.datetime | None = None,
) -> User:
    """Set the account's password with a link and use the link up.

    The password is checked before the link is used, so a refused password leaves the link
    working. Every session of the account ends (a reset may answer a stolen password), and
    every other unused link of the account stops working.
    """
    now = now or utcnow()
    link = usable_link(session, secret, purpose, now)
    user = link.user
    check_password_strength(password, user_inputs=(user.email, user.display_name))
    # compare-and-set: of two submissions racing with one link, only one uses it
    used = session.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkNotUsable()
    session.refresh(link)
    user.password_hash = hasher.hash(password)
    end_sessions(session, user)
    discard_unused_links(session, user)
    if purpose is LinkPurpose.INVITATION:
        audit.record(session, user, "invitation.accepted", target_type="user",
                     target_id=str(user.id))
    audit.record(session, user, "account.password_set", target_type="user",
                 target_id=str(user.id), details={"via": purpose.value})
    return user
