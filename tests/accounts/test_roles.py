"""``login_required`` and ``roles_required`` on pages and API endpoints."""

from __future__ import annotations

import pytest
from flask import Flask, jsonify

from server.security import login_required, roles_required
from tests.support.accounts import page_csrf_token
from tours.models import Role


@pytest.fixture
def app(app: Flask) -> Flask:
    """The app with an editor-only page and API endpoint, and an any-account page."""

    @roles_required(Role.EDITOR)
    def editor_page() -> str:
        return "editor desk"

    @roles_required(Role.EDITOR)
    def editor_api() -> object:
        return jsonify({"ok": True})

    @roles_required(Role.ADMIN)
    def admin_api() -> object:
        return jsonify({"ok": True})

    @login_required
    def any_account_page() -> str:
        return "hello"

    app.add_url_rule("/desk", "desk", editor_page)
    app.add_url_rule("/api/desk", "api_desk", editor_api, methods=["GET", "POST"])
    app.add_url_rule("/api/admin-only", "api_admin", admin_api)
    app.add_url_rule("/mine", "mine", any_account_page)
    return app


@pytest.fixture
def signed_in(app, make_user, login):
    """``signed_in(role)``: a client signed in with a new account of ``role``."""
    def sign_in(role: Role):
        email = f"{role.value}@city.example"
        make_user(email=email, role=role)
        client = app.test_client()
        login(client, email)
        return client
    return sign_in


def test_a_shop_owner_may_not_use_editor_endpoints(signed_in):
    shop_owner = signed_in(Role.SHOP_OWNER)
    api = shop_owner.get("/api/desk")
    assert api.status_code == 403
    assert api.get_json()["code"] == 403
    posted = shop_owner.post("/api/desk", headers={"X-CSRFToken": page_csrf_token(shop_owner)})
    assert posted.status_code == 403
    page = shop_owner.get("/desk")
    assert page.status_code == 403
    assert "editor desk" not in page.get_data(as_text=True)
    assert shop_owner.get("/mine").status_code == 200


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMIN])
def test_editors_and_admins_may_use_editor_endpoints(signed_in, role):
    client = signed_in(role)
    assert client.get("/api/desk").get_json() == {"ok": True}
    assert client.get("/desk").get_data(as_text=True) == "editor desk"


def test_only_admins_pass_an_admin_check(signed_in):
    assert signed_in(Role.EDITOR).get("/api/admin-only").status_code == 403
    assert signed_in(Role.ADMIN).get("/api/admin-only").status_code == 200


def test_visitors_are_sent_to_sign_in_or_told_401(client):
    page = client.get("/desk?x=1")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=/desk?x%3D1"
    api = client.get("/api/desk")
    assert api.status_code == 401
    assert api.get_json()["code"] == 401


def test_a_token_carries_its_accounts_role(app, signed_in):
    shop_owner = signed_in(Role.SHOP_OWNER)
    response = shop_owner.post("/api/tokens", json={"name": "script"},
                               headers={"X-CSRFToken": page_csrf_token(shop_owner)})
    secret = response.get_json()["secret"]
    script = app.test_client()
    assert script.get("/api/desk", headers={"Authorization": f"Bearer {secret}"}
                      ).status_code == 403
