"""Accounts: creating users, checking passwords, personal API tokens.

Passwords are hashed by an injected :class:`PasswordHasher` (the web layer provides argon2id), so
this module holds the rules — who may sign in, what a strong password is, how tokens look — and
no cryptographic parameters. Services flush and never commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tours.errors import N_, Conflict, InvalidInput, NotFound
from tours.models import ApiToken, Role, User, utcnow

#: shortest password accepted for an account (every account is a staff or shop-owner login)
MIN_PASSWORD_LENGTH = 12
#: longest password accepted; long passphrases are welcome, megabytes of input are not
MAX_PASSWORD_LENGTH = 1024
#: zxcvbn score (0–4) a password needs: 3 = "safely unguessable" against offline slow-hash attacks
MIN_PASSWORD_SCORE = 3
#: every personal token starts with this, so secret scanners and people recognise it
TOKEN_PREFIX = "flt_"  # noqa: S105 - a public marker, not a secret
#: random bytes in a token (encoded as URL-safe base64 after the prefix)
TOKEN_RANDOM_BYTES = 32
#: characters of a token kept in clear (prefix plus a few random ones) to tell tokens apart
TOKEN_VISIBLE_CHARS = 12
MAX_TOKEN_NAME_LENGTH = 80
#: last use of a token is recorded at most this often, so API calls do not each write a row
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)


class PasswordHasher(Protocol):
    """Turns passwords into self-describing hashes (PHC strings) and checks them."""

    def hash(self, password: str) -> str:
        """A new salted hash of ``password``."""
        ...

    def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` matches ``password_hash``; False for any mismatch or bad hash."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when ``password_hash`` was made with weaker parameters than the current ones."""
        ...


class InvalidEmail(InvalidInput):
    message = N_("Please enter a valid email address.")


class EmailAlreadyUsed(Conflict):
    message = N_("An account with the email address %(email)s already exists.")


class PasswordTooShort(InvalidInput):
    message = N_("The password must be at least %(minimum)d characters long.")


class PasswordTooLong(InvalidInput):
    message = N_("The password must be at most %(maximum)d characters long.")


class PasswordTooWeak(InvalidInput):
    message = N_("This password is too easy to guess. Use a longer passphrase, for example "
                 "four or five unrelated words, and nothing from the email address.")


class InvalidTokenName(InvalidInput):
    message = N_("Give the token a name of 1 to %(maximum)d characters.")


class TokenNotFound(NotFound):
    message = N_("There is no such API token.")


def normalise_email(email: str) -> str:
    """The canonical form of an email address: trimmed, Unicode-normalised, lower-cased.

    Raises :class:`InvalidEmail` when it is not shaped like ``local@domain``.
    """
    normalised = unicodedata.normalize("NFKC", email).strip().lower()
    local, at, domain = normalised.rpartition("@")
    if (
        not at
        or not local
        or not domain
        or len(normalised) > 254
        or len(local) > 64
        or any(char.isspace() or unicodedata.category(char) == "Cc" for char in normalised)
        or "@" in domain
        or domain.startswith(".")
        or domain.endswith(".")
        or ".." in domain
    ):
        raise InvalidEmail()
    return normalised


def check_password_strength(password: str, *, user_inputs: tuple[str, ...] = ()) -> None:
    """Raise unless ``password`` is long enough and hard to guess.

    ``user_inputs`` (email, display name) count as known to an attacker.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort(minimum=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordTooLong(maximum=MAX_PASSWORD_LENGTH)
    # zxcvbn loads its word lists on import (~50 ms); only setting a password needs them
    from zxcvbn import zxcvbn

    inputs = [part for value in user_inputs for part in _words_of(value)]
    # zxcvbn's matching is quadratic in the length; the start of a passphrase decides its score
    if zxcvbn(password[:100], user_inputs=inputs)["score"] < MIN_PASSWORD_SCORE:
        raise PasswordTooWeak()


def _words_of(value: str) -> list[str]:
    """``value`` and its parts (``anna.berg@city.de`` → anna, berg, city), which guessers try."""
    pieces = [value]
    for separator in "@._-+ ":
        pieces = [piece for word in pieces for piece in word.split(separator)]
    return [value, *(piece for piece in pieces if len(piece) >= 3)]


def find_user_by_email(session: Session, email: str) -> User | None:
    """The account with ``email`` (any spelling that normalises to it), or None."""
    try:
        normalised = normalise_email(email)
    except InvalidEmail:
        return None
    return session.scalar(select(User).where(User.email == normalised))


def create_user(
    session: Session,
    hasher: PasswordHasher,
    *,
    email: str,
    role: Role,
    password: str,
    display_name: str = "",
) -> User:
    """Create an active account with a checked, hashed password."""
    normalised = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == normalised)) is not None:
        raise EmailAlreadyUsed(email=normalised)
    check_password_strength(password, user_inputs=(normalised, display_name))
    user = User(
        email=normalised,
        role=role,
        display_name=display_name.strip(),
        password_hash=hasher.hash(password),
        is_active=True,
        session_generation=0,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, hasher: PasswordHasher, user: User, password: str) -> None:
    """Replace the password and end every session of the account."""
    check_password_strength(password, user_inputs=(user.email, user.display_name))
    user.password_hash = hasher.hash(password)
    end_sessions(session, user)


def end_sessions(session: Session, user: User) -> None:
    """Make every session cookie issued to ``user`` so far stop authenticating."""
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()


def authenticate(
    session: Session, hasher: PasswordHasher, email: str, password: str,
    now: dt.datetime | None = None, *, complete: bool = True,
) -> User | None:
    """The account when ``email`` and ``password`` match an active account, else None.

    The answer takes as long for an unknown address as for a wrong password, and does not say
    which of the two was wrong. A hash made with outdated parameters is upgraded on success.
    ``complete=False`` checks the password without recording a sign-in, for accounts that still
    have a second factor to show (then :func:`mark_signed_in` follows it).
    """
    user = find_user_by_email(session, email)
    if user is None or not user.password_hash:
        # the same work as a verification, so timing does not reveal whether the account exists
        hasher.hash(password)
        return None
    if not hasher.verify(user.password_hash, password) or not user.is_active:
        return None
    if hasher.needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    if complete:
        mark_signed_in(session, user, now)
    session.flush()
    return user


def mark_signed_in(session: Session, user: User, now: dt.datetime | None = None) -> None:
    """Record that ``user`` has just signed in (every factor checked)."""
    user.last_login_at = now or utcnow()
    session.flush()


def hash_token(secret: str) -> str:
    """The stored form of a token: SHA-256, hex. Tokens carry 256 random bits, so no salt."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    session: Session, user: User, name: str, now: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a personal API token; returns it and its secret, which is not stored anywhere."""
    name = name.strip()
    if not name or len(name) > MAX_TOKEN_NAME_LENGTH:
        raise InvalidTokenName(maximum=MAX_TOKEN_NAME_LENGTH)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_RANDOM_BYTES)
    token = ApiToken(
        user=user,
        name=name,
        prefix=secret[:TOKEN_VISIBLE_CHARS],
        token_hash=hash_token(secret),
        created_at=now or utcnow(),
    )
    session.add(token)
    session.flush()
    return token, secret


def authenticate_token(
    session: Session, secret: str, now: dt.datetime | None = None,
) -> ApiToken | None:
    """The live token for ``secret`` when it belongs to an active account, else None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_PRECISION:
        token.last_used_at = now
        session.flush()
    return token


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The account's tokens that have not been revoked, oldest first."""
    return list(session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    ))


def revoke_token(
    session: Session, user: User, token_id: int, now: dt.datetime | None = None,
) -> ApiToken:
    """Revoke one of ``user``'s live tokens; another account's token counts as not found."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise TokenNotFound()
    token.revoked_at = now or utcnow()
    session.flush()
    return token
