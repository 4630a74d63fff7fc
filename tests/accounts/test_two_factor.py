"""Two-factor sign-in: turning it on and off, the code step, replay, expiry and throttling."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from server.extensions import db
from server.sign_in import PENDING_KEY, PENDING_SIGN_IN_SECONDS
from tests.accounts.lifecycle import account, events, me, post_form, signed_in, untranslated
from tests.support.accounts import DEFAULT_PASSWORD, bearer_headers, csrf_token_from, log_in
from tests.support.pseudo_locale import pseudo_translations
from tours import two_factor
from tours.models import Role, User

EMAIL = "editor@city.example"
ACCOUNT_LIMIT = 4


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "LOGIN_RATE_LIMIT_ACCOUNT": f"{ACCOUNT_LIMIT} per 15 minutes",
            "LOGIN_RATE_LIMIT_CLIENT": "100 per 15 minutes"}


def code_at(secret: str, offset_steps: int = 0) -> str:
    """The code of the time step ``offset_steps`` away from now."""
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def turn_on(client) -> str:
    """Turn two-factor sign-in on through the page; returns the secret."""
    setup = post_form(client, "/account/two-factor", "/account/two-factor/setup")
    assert setup.status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert "otpauth://totp/" in page
    confirmed = post_form(client, "/account/two-factor", "/account/two-factor/confirm",
                          {"code": code_at(secret)})
    assert confirmed.status_code == 302
    return secret


def enter_code(client, code: str):
    return post_form(client, "/login/code", data={"code": code})


@pytest.fixture
def editor(app, make_user):
    """An editor signed in with two-factor sign-in on; yields (client, secret)."""
    client = signed_in(app, make_user, EMAIL, Role.EDITOR)
    return client, turn_on(client)


def test_turning_it_on_needs_a_code_from_the_new_secret(app, make_user):
    client = signed_in(app, make_user, EMAIL, Role.EDITOR)
    assert "Two-factor sign-in is off" in client.get("/account/two-factor").text
    post_form(client, "/account/two-factor", "/account/two-factor/setup")
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert account(app, EMAIL).totp_secret is None, "nothing is saved before a code confirms"
    wrong = post_form(client, "/account/two-factor", "/account/two-factor/confirm",
                      {"code": "000000" if code_at(secret) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert account(app, EMAIL).totp_secret is None
    right = post_form(client, "/account/two-factor", "/account/two-factor/confirm",
                      {"code": code_at(secret)})
    assert right.status_code == 302
    assert account(app, EMAIL).totp_secret == secret
    assert me(client) is not None, "the browser that turned it on stays signed in"
    assert "Two-factor sign-in is on" in client.get("/account/two-factor").text
    assert [e.actor_email for e in events(app, "two_factor.enabled")] == [EMAIL]


def test_turning_it_on_signs_out_other_browsers(app, make_user):
    client = signed_in(app, make_user, EMAIL, Role.EDITOR)
    other = app.test_client()
    log_in(other, EMAIL)
    turn_on(client)
    assert me(other) is None
    assert me(client) is not None


def test_the_password_alone_no_longer_signs_in(app, editor):
    _, secret = editor
    browser = app.test_client()
    response = log_in(browser, EMAIL)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code"
    assert me(browser) is None, "nothing is signed in before the code"
    assert browser.get("/account/tokens").status_code == 302
    assert account(app, EMAIL).last_login_at is not None  # from the sign-in of the fixture

    signed = enter_code(browser, code_at(secret, 1))
    assert signed.status_code == 302
    assert signed.headers["Location"] == "/"
    assert me(browser)["email"] == EMAIL
    succeeded = events(app, "login.succeeded")
    assert succeeded[-1].details == {"second_factor": True}


def test_the_code_step_returns_to_the_page_asked_for(app, editor):
    _, secret = editor
    browser = app.test_client()
    log_in(browser, EMAIL, next_url="/account/tokens")
    assert enter_code(browser, code_at(secret, 1)).headers["Location"] == "/account/tokens"


def test_a_code_works_once(app, editor):
    _, secret = editor
    code = code_at(secret, 1)
    first = app.test_client()
    log_in(first, EMAIL)
    assert enter_code(first, code).status_code == 302
    replay = app.test_client()
    log_in(replay, EMAIL)
    refused = enter_code(replay, code)
    assert refused.status_code == 200
    assert "not correct or was used already" in refused.get_data(as_text=True)
    assert me(replay) is None
    # nor does an older code (the one that confirmed the setup, or the step before it)
    for older in (code_at(secret), code_at(secret, -1)):
        assert enter_code(replay, older).status_code == 200
    assert me(replay) is None
    assert [e.details["stage"] for e in events(app, "login.failed")] == ["code"] * 3


def test_the_service_accepts_one_step_either_side_and_each_step_once(app_context, make_user):
    user = db.session.get(User, make_user(email=EMAIL).id)
    secret = two_factor.new_secret()
    user.totp_secret = secret
    totp = pyotp.TOTP(secret)
    now = time.time()
    at = dt.datetime.fromtimestamp(now, dt.UTC)

    def check(code: str) -> bool:
        return two_factor.check_code(db.session, user, code, at)

    assert check(totp.at(now - 30))
    assert not check(totp.at(now - 30)), "replayed"
    assert check(f"{totp.at(now)[:3]} {totp.at(now)[3:]}"), "spaces do not matter"
    assert not check(totp.at(now + 90)), "too far ahead"
    assert check(totp.at(now + 30))
    assert not check(totp.at(now)), "older than the last step used"
    assert not check("12345x")
    stored = db.session.scalar(select(User.totp_last_step).where(User.id == user.id))
    assert stored == totp.timecode(now + 30)


def test_the_pending_sign_in_expires_after_five_minutes(app, editor):
    _, secret = editor
    browser = app.test_client()
    log_in(browser, EMAIL)
    token = csrf_token_from(browser.get("/login/code").text)  # the form, opened in time
    with browser.session_transaction() as session:
        marker = session[PENDING_KEY]
        marker["started"] -= PENDING_SIGN_IN_SECONDS + 1
        session[PENDING_KEY] = marker
    late = browser.post("/login/code", data={"code": code_at(secret, 1), "csrf_token": token})
    assert late.status_code == 302
    assert late.headers["Location"] == "/login"
    assert me(browser) is None
    assert browser.get("/login/code").headers["Location"] == "/login"


def test_the_code_page_needs_a_password_first(client):
    response = client.get("/login/code")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_a_forged_pending_marker_is_ignored(app, editor):
    browser = app.test_client()
    browser.get("/login")
    with browser.session_transaction() as session:
        # a marker naming the account, but for a session generation it no longer has
        user = account(app, EMAIL)
        session[PENDING_KEY] = {"user": user.id, "generation": user.session_generation - 1,
                                "started": int(time.time()), "next": ""}
    assert browser.get("/login/code").status_code == 302


def test_wrong_codes_count_against_the_sign_in_throttle(app, editor):
    _, secret = editor
    browser = app.test_client()
    log_in(browser, EMAIL)  # attempt 1 of the account's limit
    right = code_at(secret, 1)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(ACCOUNT_LIMIT - 1):
        assert enter_code(browser, wrong).status_code == 200
    throttled = enter_code(browser, right)
    assert throttled.status_code == 429
    assert "Too many sign-in attempts" in throttled.get_data(as_text=True)
    assert int(throttled.headers["Retry-After"]) > 0
    assert me(browser) is None
    # the password does not help either: the account is throttled
    assert log_in(app.test_client(), EMAIL).status_code == 429


def test_turning_it_off_needs_a_code_or_the_password(app, editor):
    client, secret = editor
    refused = post_form(client, "/account/two-factor", "/account/two-factor/disable",
                        {"code_or_password": "not my password at all"})
    assert refused.status_code == 400
    assert account(app, EMAIL).totp_secret is not None
    by_code = post_form(client, "/account/two-factor", "/account/two-factor/disable",
                        {"code_or_password": code_at(secret, 1)})
    assert by_code.status_code == 302
    assert account(app, EMAIL).totp_secret is None
    assert log_in(app.test_client(), EMAIL).headers["Location"] == "/"

    secret = turn_on(client)
    by_password = post_form(client, "/account/two-factor", "/account/two-factor/disable",
                            {"code_or_password": DEFAULT_PASSWORD})
    assert by_password.status_code == 302
    assert account(app, EMAIL).totp_secret is None
    assert len(events(app, "two_factor.disabled")) == 2


def test_an_admin_turns_it_off_for_a_lost_phone(app, editor, make_user):
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    user_id = account(app, EMAIL).id
    response = post_form(admin, "/staff/accounts", f"/staff/accounts/{user_id}/two-factor-off")
    assert response.status_code == 302
    assert account(app, EMAIL).totp_secret is None
    assert events(app, "two_factor.disabled")[-1].details == {"by_admin": True}


def test_api_tokens_are_not_asked_for_a_code(app, editor):
    headers = bearer_headers(app, account(app, EMAIL))
    script = app.test_client()
    assert script.get("/api/me", headers=headers).status_code == 200
    assert script.get("/account/two-factor", headers=headers).status_code == 403


def test_a_reset_link_does_not_skip_the_second_factor(app, editor, make_user):
    _, secret = editor
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    user_id = account(app, EMAIL).id
    page = post_form(admin, "/staff/accounts", f"/staff/accounts/{user_id}/link")
    link = re.search(r'id="shown-link">\s*http://localhost([^<\s]+)', page.text).group(1)
    new_password = "harbour quince bicycle meadow 93"
    browser = app.test_client()
    done = post_form(browser, link, data={"password": new_password, "confirm": new_password})
    assert done.headers["Location"] == "/login"
    assert me(browser) is None
    assert log_in(browser, EMAIL, new_password).headers["Location"] == "/login/code"
    assert enter_code(browser, code_at(secret, 1)).status_code == 302
    assert me(browser)["email"] == EMAIL


def test_the_two_factor_pages_are_translated(app, make_user, monkeypatch):
    client = signed_in(app, make_user, EMAIL, Role.EDITOR)
    client.get("/")
    pseudo_translations(monkeypatch)
    allowed = ["Flaneur", EMAIL]
    assert untranslated(client.get("/account/two-factor").text, allowed) == []
    post_form(client, "/account/two-factor", "/account/two-factor/setup")
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    uri = re.search(r'<code class="secret">(otpauth://[^<]+)<', page).group(1)
    assert untranslated(page, [uri.replace("&amp;", "&"), secret, *allowed]) == []
    post_form(client, "/account/two-factor", "/account/two-factor/confirm",
              {"code": code_at(secret)})
    client.get("/")
    browser = app.test_client()
    log_in(browser, EMAIL)
    assert untranslated(browser.get("/login/code").text, allowed) == []
