"""Accounts: staff and shop owners who log in, and their personal API tokens."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tours.models.base import Base, UTCDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    """What an account may do. Visitors are anonymous and have no account."""

    #: city-marketing staff: curate scenes, tours and shops
    EDITOR = "editor"
    #: everything an editor may do, plus accounts and settings
    ADMIN = "admin"
    #: keeps the profiles of the shops they own
    SHOP_OWNER = "shop_owner"


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: login name, stored lower-cased
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[Role] = mapped_column(
        str_enum(Role, "user_role", 20)
    )
    #: argon2id hash (PHC string); empty while an invitation is pending
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: bumped to log out every session of the account (password change, deactivation)
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: base32 secret of the authenticator app; None = two-factor sign-in is off
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    #: the last time step accepted, so one code cannot be used twice
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id"
    )

    # The three members below are the protocol of the web layer's login manager (Flask-Login);
    # they are plain Python so that the domain stays free of Flask.
    @property
    def is_authenticated(self) -> bool:
        """Always True: a loaded account is a signed-in one (visitors have no User)."""
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What a session stores: the id and the session generation, so that bumping the
        generation makes every earlier session stop matching."""
        return f"{self.id}:{self.session_generation}"

    def has_role(self, *roles: Role) -> bool:
        """True when the account is active and holds one of ``roles`` (admins hold editor too)."""
        if not self.is_active:
            return False
        if self.role is Role.ADMIN and Role.EDITOR in roles:
            return True
        return self.role in roles


class LinkPurpose(enum.StrEnum):
    """What a one-time account link lets its holder do."""

    #: a new account sets its first password
    INVITATION = "invitation"
    #: an existing account sets a new password
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password


class AccountLink(Base):
    """A one-time, expiring link that lets its holder set an account's password.

    Only a hash of the secret in the link is stored; the link is shown (or mailed) once.
    """

    __tablename__ = "account_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(str_enum(LinkPurpose, "account_link_purpose"))
    #: SHA-256 of the secret
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ApiToken(Base):
    """A personal API token. Only a hash is stored; the secret is shown once at creation."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    #: first characters of the token, shown in lists so owners can tell tokens apart
    prefix: Mapped[str] = mapped_column(String(16))
    #: SHA-256 of the whole token (tokens are long random strings, so a fast hash is enough)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    user: Mapped[User] = relationship(back_populates="tokens")
