"""Accounts in tests: create them, sign in through the real form, find CSRF tokens in pages.

The ``make_user`` and ``login`` fixtures in ``tests/conftest.py`` wrap these for every test area.
"""

from __future__ import annotations

from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from server.extensions import db
from server.security import password_hasher
from tours import accounts
from tours.models import Role, User

#: strong enough for the password rules (length and zxcvbn score)
DEFAULT_PASSWORD = "violet tram ferry lantern 47"


class _CsrfTokenFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.token: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self.token is not None:
            return
        if tag == "meta" and attributes.get("name") == "csrf-token":
            self.token = attributes.get("content")
        elif tag == "input" and attributes.get("name") == "csrf_token":
            self.token = attributes.get("value")


def csrf_token_from(html: str) -> str:
    """The CSRF token of a page: its ``<meta name="csrf-token">`` or first ``csrf_token`` field."""
    finder = _CsrfTokenFinder()
    finder.feed(html)
    if not finder.token:
        raise AssertionError("the page carries no CSRF token")
    return finder.token


def page_csrf_token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token a signed-in page gives to its scripts (for JSON requests)."""
    return csrf_token_from(client.get(path).get_data(as_text=True))


def create_account(
    app: Flask,
    *,
    email: str = "editor@example.org",
    role: Role = Role.EDITOR,
    password: str = DEFAULT_PASSWORD,
    display_name: str = "",
    is_active: bool = True,
) -> User:
    """Create an account through the real service and hasher; returned detached, fields loaded."""
    with app.app_context():
        user = accounts.create_user(
            db.session, password_hasher(), email=email, role=role, password=password,
            display_name=display_name,
        )
        user.is_active = is_active
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def log_in(
    client: FlaskClient,
    email: str,
    password: str = DEFAULT_PASSWORD,
    *,
    next_url: str | None = None,
    remote_addr: str = "127.0.0.1",
) -> TestResponse:
    """Sign in through ``/login`` like a browser: fetch the form, post it with its CSRF token."""
    environ = {"REMOTE_ADDR": remote_addr}
    form_page = client.get("/login", environ_base=environ)
    data = {"email": email, "password": password,
            "csrf_token": csrf_token_from(form_page.get_data(as_text=True))}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data, environ_base=environ)


def bearer_headers(app: Flask, user: User, name: str = "tests") -> dict[str, str]:
    """``Authorization`` headers with a fresh personal API token of ``user``."""
    with app.app_context():
        account = db.session.get(User, user.id)
        assert account is not None
        _, secret = accounts.issue_token(db.session, account, name)
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}
