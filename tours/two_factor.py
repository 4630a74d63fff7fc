"""Two-factor sign-in with an authenticator app (TOTP, RFC 6238: six digits every 30 seconds).

It is optional per account. The secret is saved only once the owner has shown a current code
made from it, so a mistyped setup cannot lock anybody out. A code is accepted for the current
time step and one step either side (clocks drift), and each time step only once: the last
accepted step is stored, and a compare-and-set update makes two requests racing with the same
code fail but one. Services flush and never commit.
"""

from __future__ import annotations

import datetime as dt
import re

import pyotp
from pyotp.utils import strings_equal
from sqlalchemy import or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from tours import audit
from tours.accounts import PasswordHasher
from tours.errors import N_, Conflict, InvalidInput
from tours.models import User, utcnow

#: time steps either side of the current one that are accepted
VALID_WINDOW = 1
CODE_PATTERN = re.compile(r"[0-9]{6}")
#: the name authenticator apps show above the account's email
DEFAULT_ISSUER = "Flaneur"


class WrongCode(InvalidInput):
    message = N_("This code is not correct or was used already. Enter the current code from "
                 "your authenticator app.")


class WrongCodeOrPassword(InvalidInput):
    message = N_("Enter a current code from your authenticator app or your password.")


class AlreadyOn(Conflict):
    message = N_("Two-factor sign-in is already on for your account.")


class NotOn(Conflict):
    message = N_("Two-factor sign-in is not on for your account.")


def new_secret() -> str:
    """A new random secret (base32, 160 bits as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str, issuer: str = DEFAULT_ISSUER) -> str:
    """The ``otpauth://`` address authenticator apps read (from a QR code or a link)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer or DEFAULT_ISSUER)


def normalise_code(code: str) -> str:
    """``code`` without the spaces people type (``123 456``)."""
    return "".join(code.split())


def matching_step(secret: str, code: str, now: dt.datetime | None = None,
                  after: int | None = None) -> int | None:
    """The time step whose code ``code`` is (within the window), if later than ``after``."""
    code = normalise_code(code)
    if not CODE_PATTERN.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or utcnow())
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if (after is None or step > after) and strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def check_code(session: Session, user: User, code: str, now: dt.datetime | None = None) -> bool:
    """True, once, for a current code of ``user``'s authenticator; the step is then used up."""
    if user.totp_secret is None:
        return False
    step = matching_step(user.totp_secret, code, now, after=user.totp_last_step)
    if step is None:
        return False
    claimed = session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def turn_on(session: Session, user: User, secret: str, code: str,
            now: dt.datetime | None = None) -> None:
    """Save ``secret`` as the account's second factor, once ``code`` shows the app has it.

    The confirming code's time step counts as used, so it cannot also sign anybody in.
    """
    if user.totp_secret is not None:
        raise AlreadyOn()
    step = matching_step(secret, code, now)
    if step is None:
        raise WrongCode()
    user.totp_secret = secret
    user.totp_last_step = step
    audit.record(session, user, "two_factor.enabled", target_type="user", target_id=str(user.id))
    session.flush()


def turn_off(session: Session, hasher: PasswordHasher, user: User, code_or_password: str,
             now: dt.datetime | None = None) -> None:
    """Remove the account's second factor; needs a current code or the account's password."""
    if user.totp_secret is None:
        raise NotOn()
    value = code_or_password.strip()
    if CODE_PATTERN.fullmatch(normalise_code(value)):
        confirmed = check_code(session, user, value, now)
    else:
        # passwords are at least 12 characters, so they never look like a code
        confirmed = bool(user.password_hash) and hasher.verify(user.password_hash,
                                                               code_or_password)
    if not confirmed:
        raise WrongCodeOrPassword()
    user.totp_secret = None
    user.totp_last_step = None
    audit.record(session, user, "two_factor.disabled", target_type="user", target_id=str(user.id))
    session.flush()
