"""The steps of signing in that the password form and the second-factor form share.

An account with two-factor sign-in is not signed in by its password: the session then holds a
*pending sign-in* marker (the account, its session generation and when the password was
right), and only ``/login/code`` turns it into a signed-in session. The marker lives in Flask's
signed session cookie, so it cannot be forged or moved to another account; it is good for
:data:`PENDING_SIGN_IN_SECONDS` and for the account's current session generation only (signing
out everywhere, or a new password, voids it).
"""

from __future__ import annotations

import math
import time
from typing import Any

from flask import current_app, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from limits.errors import StorageError
from werkzeug.wrappers import Response

from server import owner_reminders
from server.extensions import db
from server.security import (
    client_address,
    login_throttle,
    start_session,
    throttle_unavailable,
)
from tours import accounts, audit
from tours.models import User

PENDING_KEY = "flaneur.pending_sign_in"
#: how long the second factor may take after the password was right
PENDING_SIGN_IN_SECONDS = 5 * 60


def begin_second_factor(user: User, next_url: str | None) -> None:
    """Remember that ``user`` showed the right password; nothing is signed in yet."""
    session.clear()
    session[PENDING_KEY] = {"user": user.id, "generation": user.session_generation,
                            "started": int(time.time()), "next": next_url or ""}


def pending_sign_in() -> tuple[User, str | None] | None:
    """The account waiting for its second factor and where to go afterwards, or None (nothing
    pending, expired, or the account changed meanwhile; the marker is then dropped)."""
    marker: Any = session.get(PENDING_KEY)
    if not isinstance(marker, dict):
        return None
    user = _pending_user(marker)
    if user is None:
        session.pop(PENDING_KEY, None)
        return None
    next_url = marker.get("next")
    return user, next_url if isinstance(next_url, str) and next_url else None


def _pending_user(marker: dict[str, Any]) -> User | None:
    user_id, generation, started = (marker.get(key) for key in ("user", "generation", "started"))
    if not (isinstance(user_id, int) and isinstance(generation, int)
            and isinstance(started, int)):
        return None
    if not 0 <= time.time() - started <= PENDING_SIGN_IN_SECONDS:
        return None
    user = db.session.get(User, user_id)
    if (user is None or not user.is_active or user.session_generation != generation
            or user.totp_secret is None):
        return None
    return user


def count_attempt(account_key: str) -> int | None:
    """Count a sign-in attempt (password or code) for the account and the client before it is
    checked; None when it may go ahead, else the seconds to wait."""
    try:
        return login_throttle().attempt(account_key, client_address())
    except StorageError:
        raise throttle_unavailable() from None


def throttled_message(wait: int) -> str:
    return ngettext("Too many sign-in attempts. Please try again in %(num)d minute.",
                    "Too many sign-in attempts. Please try again in %(num)d minutes.",
                    math.ceil(wait / 60))


def finish_sign_in(user: User, account_key: str, next_url: str | None,
                   *, second_factor: bool = False) -> Response:
    """Every factor is checked: record the sign-in, clear the account's failure count, open a
    new session and go on to ``next_url`` (a checked same-site path) or the home page."""
    accounts.mark_signed_in(db.session, user)
    audit.record(db.session, user, "login.succeeded", target_type="user",
                 target_id=str(user.id), details={"second_factor": second_factor})
    db.session.commit()
    try:
        login_throttle().forget_account(account_key)
    except StorageError:
        # the sign-in itself succeeded; a stale count only expires later than it should
        current_app.logger.warning("could not clear the sign-in count of an account")
    start_session(user)
    flash(_("You are signed in."), "success")
    owner_reminders.remind(user)
    return redirect(next_url or url_for("site.home"))


def record_failure(user: User | None, stage: str) -> None:
    """Record a failed sign-in: with the account when the email belongs to one, never with
    what was typed as the password or code."""
    audit.record(db.session, user, "login.failed",
                 target_type="user" if user is not None else "",
                 target_id=str(user.id) if user is not None else "",
                 details={"stage": stage})
    db.session.commit()
