"""Password hashing (argon2id at OWASP cost) and the password rules."""

from __future__ import annotations

import time

import pytest
from argon2 import extract_parameters
from argon2.low_level import Type

from server.passwords import Argon2PasswordHasher
from tours import accounts

PASSWORD = "violet tram ferry lantern 47"


def test_hashes_are_argon2id_with_owasp_parameters():
    hasher = Argon2PasswordHasher()
    started = time.perf_counter()
    password_hash = hasher.hash(PASSWORD)
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"argon2id hash took {elapsed_ms:.1f} ms")

    assert password_hash.startswith("$argon2id$")
    parameters = extract_parameters(password_hash)
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= 19456
    assert parameters.time_cost >= 2
    assert parameters.parallelism == 1
    assert parameters.salt_len >= 16
    assert PASSWORD not in password_hash


def test_verification_accepts_only_the_right_password():
    hasher = Argon2PasswordHasher()
    password_hash = hasher.hash(PASSWORD)
    assert hasher.verify(password_hash, PASSWORD)
    assert not hasher.verify(password_hash, PASSWORD + "x")
    assert not hasher.verify("not a hash at all", PASSWORD)
    assert hasher.hash(PASSWORD) != password_hash, "every hash has its own salt"


def test_hashes_made_with_weaker_parameters_need_rehashing():
    weaker = Argon2PasswordHasher(memory_cost=8192, time_cost=1)
    current = Argon2PasswordHasher()
    assert current.needs_rehash(weaker.hash(PASSWORD))
    assert not current.needs_rehash(current.hash(PASSWORD))
    assert current.needs_rehash("")


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("short1!", accounts.PasswordTooShort),
        ("password1234", accounts.PasswordTooWeak),
        ("aaaaaaaaaaaaaaaa", accounts.PasswordTooWeak),
        ("qwertzuiopasdf", accounts.PasswordTooWeak),
        ("Anna.Berg@City.Example", accounts.PasswordTooWeak),  # strong, were it not the email
        ("x" * 5 + "ferry lantern " * 80, accounts.PasswordTooLong),
    ],
)
def test_weak_passwords_are_refused(password, error):
    with pytest.raises(error):
        accounts.check_password_strength(password, user_inputs=("anna.berg@city.example",))


def test_a_passphrase_is_accepted():
    accounts.check_password_strength(PASSWORD, user_inputs=("anna.berg@city.example",))


@pytest.mark.parametrize(
    ("given", "expected"),
    [("  Anna.Berg@City.Example ", "anna.berg@city.example"),
     ("ANNA@EXAMPLE.ORG", "anna@example.org")],
)
def test_email_addresses_are_normalised(given, expected):
    assert accounts.normalise_email(given) == expected


@pytest.mark.parametrize(
    "given", ["", "anna", "@example.org", "anna@", "an na@example.org", "anna@exa..mple.org",
              "anna@example.org.", "anna@\x00example.org", "a" * 65 + "@example.org"],
)
def test_malformed_email_addresses_are_refused(given):
    with pytest.raises(accounts.InvalidEmail):
        accounts.normalise_email(given)
