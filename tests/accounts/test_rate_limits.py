"""Sign-in throttling per account and per client, in memory and shared through Redis."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from server import create_app
from server.config import ConfigError
from tests.support.accounts import DEFAULT_PASSWORD, create_account, log_in
from tests.support.pseudo_locale import pseudo_translations, untranslated_texts

ACCOUNT_LIMIT = 3
CLIENT_LIMIT = 5
THROTTLED = "Too many sign-in attempts"
WRONG_PASSWORD = "not the password"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config,
            "LOGIN_RATE_LIMIT_ACCOUNT": f"{ACCOUNT_LIMIT} per 15 minutes",
            "LOGIN_RATE_LIMIT_CLIENT": f"{CLIENT_LIMIT} per 15 minutes"}


def attempt(app: Flask, email: str, address: str, password: str = WRONG_PASSWORD):
    return log_in(app.test_client(), email, password, remote_addr=address)


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60


def test_an_account_is_throttled_whatever_address_the_attempts_come_from(app, make_user):
    make_user(email="anna@city.example")
    for number in range(ACCOUNT_LIMIT):
        response = attempt(app, "anna@city.example", f"198.51.100.{number}")
        assert response.status_code == 200, f"attempt {number + 1} is still answered"
    # the email is counted in its normalised form, and the right password does not help now
    throttled = attempt(app, " ANNA@city.example", "203.0.113.7", DEFAULT_PASSWORD)
    assert_throttled(throttled)
    assert not any(h.startswith("session=") and "_user_id" in h
                   for h in throttled.headers.getlist("Set-Cookie"))
    # other accounts are not affected
    assert attempt(app, "ben@city.example", "203.0.113.7").status_code == 200


def test_unknown_accounts_are_throttled_like_real_ones(app):
    for number in range(ACCOUNT_LIMIT):
        assert attempt(app, "nobody@city.example", f"198.51.100.{number}").status_code == 200
    assert_throttled(attempt(app, "nobody@city.example", "203.0.113.7"))


def test_a_client_is_throttled_whatever_accounts_it_tries(app):
    for number in range(CLIENT_LIMIT):
        assert attempt(app, f"user{number}@city.example", "192.0.2.1").status_code == 200
    assert_throttled(attempt(app, "someone-else@city.example", "192.0.2.1"))
    assert attempt(app, "someone-else@city.example", "192.0.2.2").status_code == 200


def test_a_successful_sign_in_clears_the_accounts_count(app, make_user):
    make_user(email="anna@city.example")
    attempt(app, "anna@city.example", "198.51.100.1")
    attempt(app, "anna@city.example", "198.51.100.2")
    assert attempt(app, "anna@city.example", "198.51.100.3", DEFAULT_PASSWORD).status_code == 302
    assert attempt(app, "anna@city.example", "198.51.100.4").status_code == 200


def test_the_throttled_page_is_translated(app, monkeypatch):
    for number in range(ACCOUNT_LIMIT):
        attempt(app, "anna@city.example", f"198.51.100.{number}")
    pseudo_translations(monkeypatch)
    response = attempt(app, "anna@city.example", "203.0.113.9")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "⟦Too many sign-in attempts. Please try again in 15 minutes.⟧" in page
    assert untranslated_texts(page, allowed=["Flaneur", "anna@city.example"]) == []


def test_wrong_bearer_tokens_count_against_the_client(client):
    headers = {"Authorization": "Bearer flt_not-a-real-token"}
    environ = {"REMOTE_ADDR": "192.0.2.50"}
    for _ in range(CLIENT_LIMIT):
        assert client.get("/api/me", headers=headers, environ_base=environ).status_code == 401
    response = client.get("/api/me", headers=headers, environ_base=environ)
    assert response.status_code == 429
    assert response.get_json()["code"] == 429
    assert int(response.headers["Retry-After"]) > 0
    other = client.get("/api/me", headers=headers, environ_base={"REMOTE_ADDR": "192.0.2.51"})
    assert other.status_code == 401


def test_in_memory_counts_are_per_process(app, make_app):
    other_process = make_app()
    for number in range(ACCOUNT_LIMIT):
        attempt(app, "anna@city.example", f"198.51.100.{number}")
    assert attempt(app, "anna@city.example", "203.0.113.1").status_code == 429
    assert attempt(other_process, "anna@city.example", "203.0.113.1").status_code == 200


def test_processes_share_the_counts_through_redis(make_app, redis_url):
    first, second = make_app(RATELIMIT_STORAGE_URI=redis_url), \
        make_app(RATELIMIT_STORAGE_URI=redis_url)
    create_account(first, email="anna@city.example")
    attempt(first, "anna@city.example", "198.51.100.1")
    attempt(second, "anna@city.example", "198.51.100.2")
    attempt(first, "anna@city.example", "198.51.100.3")
    assert_throttled(attempt(second, "anna@city.example", "198.51.100.4", DEFAULT_PASSWORD))
    assert_throttled(attempt(first, "anna@city.example", "198.51.100.5", DEFAULT_PASSWORD))

    for number in range(CLIENT_LIMIT):
        attempt(first if number % 2 else second, f"user{number}@city.example", "192.0.2.1")
    assert_throttled(attempt(first, "another@city.example", "192.0.2.1"))


def test_an_unreachable_rate_limit_store_refuses_sign_in(make_app):
    # nothing listens on port 1 of loopback: every sign-in is refused rather than unthrottled
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    response = attempt(app, "anna@city.example", "198.51.100.1")
    assert response.status_code == 503


@pytest.mark.parametrize("name", ["LOGIN_RATE_LIMIT_ACCOUNT", "LOGIN_RATE_LIMIT_CLIENT"])
def test_a_malformed_limit_is_a_configuration_error(app_config, name):
    with pytest.raises(ConfigError, match=name):
        create_app({**app_config, name: "as many as you like"})
