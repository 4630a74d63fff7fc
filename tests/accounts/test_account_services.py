"""The account services of ``tours.accounts`` on a real database and the real hasher."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import select

from server.extensions import db
from server.security import password_hasher
from tests.support.accounts import DEFAULT_PASSWORD
from tours import accounts
from tours.models import ApiToken, Role, User


def test_create_user_stores_a_normalised_email_and_only_a_hash(app_context):
    user = accounts.create_user(db.session, password_hasher(), email=" Anna@City.Example ",
                                role=Role.EDITOR, password=DEFAULT_PASSWORD)
    db.session.commit()
    stored = db.session.scalar(select(User).where(User.id == user.id))
    assert stored.email == "anna@city.example"
    assert stored.password_hash.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in stored.password_hash
    assert stored.is_active


def test_an_email_address_is_used_once_whatever_its_spelling(app_context):
    accounts.create_user(db.session, password_hasher(), email="anna@city.example",
                         role=Role.EDITOR, password=DEFAULT_PASSWORD)
    with pytest.raises(accounts.EmailAlreadyUsed):
        accounts.create_user(db.session, password_hasher(), email="ANNA@city.example",
                             role=Role.ADMIN, password=DEFAULT_PASSWORD)


def test_authenticate_checks_password_and_activity(app_context):
    hasher = password_hasher()
    user = accounts.create_user(db.session, hasher, email="anna@city.example",
                                role=Role.EDITOR, password=DEFAULT_PASSWORD)
    assert accounts.authenticate(db.session, hasher, "Anna@City.Example", DEFAULT_PASSWORD) is user
    assert user.last_login_at is not None
    assert accounts.authenticate(db.session, hasher, "anna@city.example", "wrong") is None
    assert accounts.authenticate(db.session, hasher, "nobody@city.example",
                                 DEFAULT_PASSWORD) is None
    user.is_active = False
    assert accounts.authenticate(db.session, hasher, "anna@city.example",
                                 DEFAULT_PASSWORD) is None


def test_an_outdated_hash_is_upgraded_at_sign_in(app_context):
    from server.passwords import Argon2PasswordHasher

    user = accounts.create_user(db.session, Argon2PasswordHasher(memory_cost=8192, time_cost=1),
                                email="anna@city.example", role=Role.EDITOR,
                                password=DEFAULT_PASSWORD)
    old_hash = user.password_hash
    assert accounts.authenticate(db.session, password_hasher(), user.email,
                                 DEFAULT_PASSWORD) is user
    assert user.password_hash != old_hash
    assert not password_hasher().needs_rehash(user.password_hash)


def test_set_password_ends_earlier_sessions(app_context):
    user = accounts.create_user(db.session, password_hasher(), email="anna@city.example",
                                role=Role.EDITOR, password=DEFAULT_PASSWORD)
    identity = user.get_id()
    accounts.set_password(db.session, password_hasher(), user, "copper kettle whistles at dawn")
    assert user.get_id() != identity
    assert password_hasher().verify(user.password_hash, "copper kettle whistles at dawn")
    with pytest.raises(accounts.PasswordTooShort):
        accounts.set_password(db.session, password_hasher(), user, "short")


def test_issued_tokens_are_recognisable_random_and_stored_hashed(app_context):
    user = accounts.create_user(db.session, password_hasher(), email="anna@city.example",
                                role=Role.EDITOR, password=DEFAULT_PASSWORD)
    token, secret = accounts.issue_token(db.session, user, "  upload script ")
    other, other_secret = accounts.issue_token(db.session, user, "backup")
    db.session.commit()

    assert re.fullmatch(r"flt_[A-Za-z0-9_-]{43,}", secret), "prefix + ≥ 32 random bytes"
    assert secret != other_secret
    assert token.name == "upload script"
    assert token.prefix == secret[:12]
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    columns = db.session.execute(select(ApiToken.__table__)).all()
    assert not any(secret in str(value) for row in columns for value in row), \
        "the secret is stored nowhere"

    assert accounts.authenticate_token(db.session, secret) is token
    assert accounts.authenticate_token(db.session, other_secret) is other
    assert accounts.authenticate_token(db.session, secret + "x") is None
    assert accounts.authenticate_token(db.session, "ghp_" + secret[4:]) is None


def test_token_use_is_recorded_at_most_once_a_minute(app_context):
    user = accounts.create_user(db.session, password_hasher(), email="anna@city.example",
                                role=Role.EDITOR, password=DEFAULT_PASSWORD)
    token, secret = accounts.issue_token(db.session, user, "script")
    start = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    accounts.authenticate_token(db.session, secret, now=start)
    accounts.authenticate_token(db.session, secret, now=start + dt.timedelta(seconds=30))
    assert token.last_used_at == start
    accounts.authenticate_token(db.session, secret, now=start + dt.timedelta(minutes=2))
    assert token.last_used_at == start + dt.timedelta(minutes=2)


def test_revoked_tokens_and_tokens_of_inactive_accounts_do_not_authenticate(app_context):
    hasher = password_hasher()
    anna = accounts.create_user(db.session, hasher, email="anna@city.example",
                                role=Role.EDITOR, password=DEFAULT_PASSWORD)
    ben = accounts.create_user(db.session, hasher, email="ben@shop.example",
                               role=Role.SHOP_OWNER, password=DEFAULT_PASSWORD)
    revoked, revoked_secret = accounts.issue_token(db.session, anna, "old")
    kept, kept_secret = accounts.issue_token(db.session, anna, "kept")
    _bens, bens_secret = accounts.issue_token(db.session, ben, "ben's")

    accounts.revoke_token(db.session, anna, revoked.id)
    assert accounts.authenticate_token(db.session, revoked_secret) is None
    assert accounts.list_tokens(db.session, anna) == [kept]
    with pytest.raises(accounts.TokenNotFound):
        accounts.revoke_token(db.session, anna, revoked.id)
    with pytest.raises(accounts.TokenNotFound):
        accounts.revoke_token(db.session, ben, kept.id)
    assert accounts.authenticate_token(db.session, kept_secret) is kept

    ben.is_active = False
    assert accounts.authenticate_token(db.session, bens_secret) is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_tokens_need_a_sensible_name(app_context, name):
    user = accounts.create_user(db.session, password_hasher(), email="anna@city.example",
                                role=Role.EDITOR, password=DEFAULT_PASSWORD)
    with pytest.raises(accounts.InvalidTokenName):
        accounts.issue_token(db.session, user, name)
