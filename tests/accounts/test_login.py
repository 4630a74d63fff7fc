"""Signing in and out: messages, session cookies, CSRF, redirects after sign-in."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

from server.extensions import db
from tests.support.accounts import DEFAULT_PASSWORD, csrf_token_from, log_in
from tests.support.pseudo_locale import pseudo_translations, untranslated_texts
from tours.models import Role, User

GENERIC_FAILURE = "The email address or the password is not correct."


def session_cookie(response) -> SimpleCookie:
    """The ``session`` cookie set by ``response`` (with its attributes)."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("session="):
            cookie = SimpleCookie()
            cookie.load(header)
            return cookie
    raise AssertionError("no session cookie was set")


def is_signed_in(client) -> bool:
    return client.get("/api/me").status_code == 200


def test_every_text_of_the_sign_in_page_is_translated(client, make_user, monkeypatch):
    make_user(email="anna@city.example")
    pseudo_translations(monkeypatch)
    page = client.get("/login").get_data(as_text=True)
    assert "⟦Sign in⟧" in page
    assert untranslated_texts(page, allowed=["Flaneur"]) == []
    failed = client.post("/login", data={"email": "anna@city.example", "password": "wrong",
                                         "csrf_token": csrf_token_from(page)})
    assert f"⟦{GENERIC_FAILURE}⟧" in failed.get_data(as_text=True)
    empty = client.post("/login", data={"csrf_token": csrf_token_from(page)})
    assert empty.status_code == 400
    assert untranslated_texts(empty.get_data(as_text=True), allowed=["Flaneur"]) == []


def test_signing_in_opens_a_session(client, make_user, login):
    make_user(email="anna@city.example", display_name="Anna Berg")
    response = login(client, "Anna@City.Example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    me = client.get("/api/me").get_json()
    assert me["email"] == "anna@city.example"
    assert me["authenticated_by"] == "session"
    page = client.get("/").get_data(as_text=True)
    assert "Anna Berg" in page
    assert 'name="csrf-token"' in page
    assert 'action="/logout"' in page


def test_visitors_get_no_session_cookie_on_public_pages(client):
    response = client.get("/")
    assert 'action="/login' not in response.get_data(as_text=True)
    assert 'href="/login' in response.get_data(as_text=True)
    assert not any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize(
    ("email", "password"),
    [("anna@city.example", "wrong password entirely"), ("nobody@city.example", DEFAULT_PASSWORD)],
)
def test_a_failed_sign_in_does_not_say_what_was_wrong(client, make_user, login, email, password):
    make_user(email="anna@city.example")
    response = login(client, email, password)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert GENERIC_FAILURE in page
    assert password not in page, "the password is not echoed back"
    assert not is_signed_in(client)


def test_an_inactive_account_cannot_sign_in(client, make_user, login):
    make_user(email="anna@city.example", is_active=False)
    response = login(client, "anna@city.example")
    assert GENERIC_FAILURE in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_a_deactivated_account_loses_its_session(app, client, make_user, login):
    user = make_user(email="anna@city.example")
    login(client, "anna@city.example")
    assert is_signed_in(client)
    with app.app_context():
        db.session.get(User, user.id).is_active = False
        db.session.commit()
    assert not is_signed_in(client)


def test_the_session_cookie_is_http_only_and_same_site_lax(client, make_user, login):
    make_user(email="anna@city.example")
    cookie = session_cookie(login(client, "anna@city.example"))["session"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"], "development serves plain HTTP"


def test_the_session_cookie_is_secure_in_production(app, make_user):
    app.config["SESSION_COOKIE_SECURE"] = True  # what FLANEUR_ENV=production sets
    make_user(email="anna@city.example")
    client = app.test_client()
    https = {"base_url": "https://flaneur.example"}
    form = client.get("/login", **https)
    response = client.post(
        "/login", **https, headers={"Referer": "https://flaneur.example/login"},
        data={"email": "anna@city.example", "password": DEFAULT_PASSWORD,
              "csrf_token": csrf_token_from(form.get_data(as_text=True))},
    )
    assert response.status_code == 302
    cookie = session_cookie(response)["session"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True


def test_signing_in_issues_a_new_session_cookie(client, make_user):
    make_user(email="anna@city.example")
    form_page = client.get("/login")
    visitor_cookie = session_cookie(form_page)["session"].value
    response = client.post("/login", data={
        "email": "anna@city.example", "password": DEFAULT_PASSWORD,
        "csrf_token": csrf_token_from(form_page.get_data(as_text=True)),
    })
    account_cookie = session_cookie(response)["session"].value
    assert account_cookie != visitor_cookie
    # nothing of the visitor's session survives: its CSRF token is replaced as well
    assert csrf_token_from(client.get("/").get_data(as_text=True)) != \
        csrf_token_from(form_page.get_data(as_text=True))


def test_signing_out_ends_the_session_and_its_old_cookie(client, make_user, login):
    make_user(email="anna@city.example")
    login(client, "anna@city.example")
    old_cookie = client.get_cookie("session").value
    token = csrf_token_from(client.get("/").get_data(as_text=True))

    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert session_cookie(response)["session"].value != old_cookie
    assert not is_signed_in(client)

    client.set_cookie("session", old_cookie)  # a copy of the cookie taken before signing out
    assert not is_signed_in(client)
    assert client.get("/account/tokens").status_code == 302


def test_signing_out_ends_sessions_on_other_devices(app, make_user, login):
    make_user(email="anna@city.example")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "anna@city.example")
    login(phone, "anna@city.example")
    laptop.post("/logout", data={"csrf_token": csrf_token_from(laptop.get("/").text)})
    assert not is_signed_in(phone)


def test_sign_in_without_csrf_token_is_refused(client, make_user):
    make_user(email="anna@city.example")
    client.get("/login")
    response = client.post("/login", data={"email": "anna@city.example",
                                            "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert not is_signed_in(client)
    forged = client.post("/login", data={"email": "anna@city.example",
                                         "password": DEFAULT_PASSWORD, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert not is_signed_in(client)


def test_sign_out_without_csrf_token_is_refused(client, make_user, login):
    make_user(email="anna@city.example")
    login(client, "anna@city.example")
    response = client.post("/logout")
    assert response.status_code == 400
    assert is_signed_in(client)


def test_a_csrf_token_of_another_session_is_refused(app, client, make_user, login):
    make_user(email="anna@city.example")
    login(client, "anna@city.example")
    attacker = app.test_client()
    attackers_token = csrf_token_from(attacker.get("/login").text)
    assert client.post("/logout", data={"csrf_token": attackers_token}).status_code == 400
    assert is_signed_in(client)


@pytest.mark.parametrize("target", ["/account/tokens", "/account/tokens?tab=1&x=%2F"])
def test_sign_in_returns_to_the_page_asked_for(client, make_user, login, target):
    make_user(email="anna@city.example")
    assert login(client, "anna@city.example", next_url=target).headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    ["https://evil.tld", "//evil.tld", "/\\evil.tld", "\\\\evil", "javascript:alert(1)",
     "/\t/evil.tld", "/\n/evil.tld", " //evil.tld", "http:/evil.tld", "evil.tld/login",
     "/%0a/x\r\nLocation: https://evil.tld", "https:evil.tld", "///evil.tld"],
)
def test_sign_in_never_redirects_off_site(client, make_user, login, target):
    make_user(email="anna@city.example")
    response = login(client, "anna@city.example", next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_pages_for_accounts_send_visitors_to_sign_in_and_back(client, make_user):
    make_user(email="anna@city.example")
    response = client.get("/account/tokens")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account/tokens"
    form_page = client.get(response.headers["Location"])
    assert 'value="/account/tokens"' in form_page.get_data(as_text=True)
    signed_in = client.post("/login", data={
        "email": "anna@city.example", "password": DEFAULT_PASSWORD, "next": "/account/tokens",
        "csrf_token": csrf_token_from(form_page.get_data(as_text=True)),
    })
    assert signed_in.headers["Location"] == "/account/tokens"


def test_log_in_helper_works_for_every_role(app, make_user):
    for number, role in enumerate(Role):
        make_user(email=f"user{number}@city.example", role=role)
        client = app.test_client()
        assert log_in(client, f"user{number}@city.example").status_code == 302
        assert client.get("/api/me").get_json()["role"] == role.value
