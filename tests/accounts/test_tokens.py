"""Personal API tokens: the tokens page, ``/api/tokens``, ``/api/me`` and CSRF on JSON requests."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from server.extensions import db
from tests.support.accounts import csrf_token_from, page_csrf_token
from tests.support.pseudo_locale import pseudo_translations, untranslated_texts
from tours.models import ApiToken, User

SECRET = re.compile(r"flt_[A-Za-z0-9_-]{43}")


@pytest.fixture
def anna(client, make_user, login):
    """A client signed in as the editor Anna."""
    user = make_user(email="anna@city.example")
    login(client, "anna@city.example")
    return user


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def create_token_via_api(client, name: str = "upload script") -> str:
    response = client.post("/api/tokens", json={"name": name},
                           headers={"X-CSRFToken": page_csrf_token(client)})
    assert response.status_code == 201, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()["secret"]


def test_the_tokens_page_shows_a_new_secret_once(app, client, anna, monkeypatch):
    page = client.get("/account/tokens")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    created = client.post("/account/tokens", data={
        "name": "upload script", "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert created.status_code == 201
    html = created.get_data(as_text=True)
    secrets = SECRET.findall(html)
    assert len(secrets) == 1
    secret = secrets[0]
    assert created.headers["Cache-Control"] == "no-store"

    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again
    assert "upload script" in again
    assert secret[:12] in again, "the list shows the token's first characters"
    with app.app_context():
        stored = db.session.scalars(select(ApiToken)).one()
        assert secret not in stored.token_hash
    assert client.get("/api/me", headers=bearer(secret)).status_code == 200

    pseudo_translations(monkeypatch)
    assert untranslated_texts(client.get("/account/tokens").get_data(as_text=True),
                              allowed=["Flaneur", "anna@city.example", "upload script",
                                       secret[:12], "Authorization: Bearer flt_", "AM", "PM"]
                              ) == []


def test_a_token_revoked_on_the_page_stops_working(app, client, anna):
    secret = create_token_via_api(client)
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    page = client.get("/account/tokens").get_data(as_text=True)
    response = client.post(f"/account/tokens/{token_id}/revoke",
                           data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert client.get("/api/me", headers=bearer(secret)).status_code == 401
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "<td>upload script</td>" not in page
    assert "You have no active tokens." in page


def test_token_page_forms_need_the_csrf_token(app, client, anna):
    assert client.post("/account/tokens", data={"name": "sneaky"}).status_code == 400
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []


def test_a_token_authenticates_the_api_without_a_session(app, client, anna):
    secret = create_token_via_api(client)
    script = app.test_client()  # no cookies at all
    response = script.get("/api/me", headers=bearer(secret))
    assert response.status_code == 200
    assert response.get_json() == {
        "id": anna.id, "email": "anna@city.example", "display_name": "",
        "role": "editor", "authenticated_by": "token",
    }
    assert not script.get_cookie("session"), "token requests open no session"
    listed = script.get("/api/tokens", headers=bearer(secret)).get_json()
    assert [token["name"] for token in listed] == ["upload script"]
    assert "secret" not in listed[0]
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).one().last_used_at is not None


def test_api_answers_401_in_its_error_shape_without_credentials(client):
    # a visitor's session holds a CSRF token but no account
    headers = {"X-CSRFToken": csrf_token_from(client.get("/login").get_data(as_text=True))}
    for method, path in (("GET", "/api/me"), ("GET", "/api/tokens"),
                         ("DELETE", "/api/tokens/1"), ("POST", "/api/tokens")):
        response = client.open(path, method=method, headers=headers, json={"name": "x"})
        assert response.status_code == 401, path
        body = response.get_json()
        assert body["code"] == 401
        assert body["status"] == "Unauthorized"
        assert body["message"]
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize("header", ["Bearer flt_" + "A" * 43, "Bearer ", "Bearer not-ours"])
def test_wrong_tokens_get_401_even_with_a_valid_session(client, anna, header):
    response = client.get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert re.search(r'error="?invalid_token', response.headers["WWW-Authenticate"])


def test_revoked_tokens_are_refused(client, anna):
    secret = create_token_via_api(client)
    token_id = client.get("/api/tokens").get_json()[0]["id"]
    response = client.delete(f"/api/tokens/{token_id}", headers=bearer(secret))
    assert response.status_code == 204
    refused = client.get("/api/me", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.get_json()["code"] == 401
    assert client.delete(f"/api/tokens/{token_id}",
                         headers={"X-CSRFToken": page_csrf_token(client)}).status_code == 404


def test_tokens_of_a_deactivated_account_are_refused(app, client, anna):
    secret = create_token_via_api(client)
    with app.app_context():
        db.session.get(User, anna.id).is_active = False
        db.session.commit()
    assert app.test_client().get("/api/me", headers=bearer(secret)).status_code == 401


def test_nobody_revokes_someone_elses_token(app, client, anna, make_user, login):
    create_token_via_api(client)
    token_id = client.get("/api/tokens").get_json()[0]["id"]
    make_user(email="ben@shop.example")
    ben = app.test_client()
    login(ben, "ben@shop.example")
    response = ben.delete(f"/api/tokens/{token_id}",
                          headers={"X-CSRFToken": page_csrf_token(ben)})
    assert response.status_code == 404
    assert len(client.get("/api/tokens").get_json()) == 1


def test_json_requests_with_a_session_need_the_csrf_header(app, client, anna):
    missing = client.post("/api/tokens", json={"name": "script"})
    assert missing.status_code == 400
    body = missing.get_json()
    assert body["code"] == 400
    assert body["status"] == "Bad Request"
    assert body["message"]
    wrong = client.post("/api/tokens", json={"name": "script"},
                        headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []
    assert create_token_via_api(client)


def test_token_requests_need_no_csrf_header(client, anna):
    secret = create_token_via_api(client)
    create_token_via_api(client, "second")
    second_id = client.get("/api/tokens").get_json()[1]["id"]
    client.delete_cookie("session")
    response = client.delete(f"/api/tokens/{second_id}", headers=bearer(secret))
    assert response.status_code == 204


def test_a_token_cannot_create_more_tokens(client, anna):
    secret = create_token_via_api(client)
    response = client.post("/api/tokens", json={"name": "offspring"}, headers=bearer(secret))
    assert response.status_code == 403
    assert response.get_json()["code"] == 403


def test_token_names_are_validated(client, anna):
    response = client.post("/api/tokens", json={"name": ""},
                           headers={"X-CSRFToken": page_csrf_token(client)})
    assert response.status_code == 422
    assert "name" in response.get_json()["errors"]["json"]


def test_the_openapi_document_describes_the_account_endpoints(client):
    document = client.get("/api/openapi.json").get_json()
    paths = document["paths"]
    created = paths["/api/tokens"]["post"]
    assert {"201", "401", "403"} <= set(created["responses"])
    assert created["requestBody"]["content"]["application/json"]["schema"]
    assert "200" in paths["/api/me"]["get"]["responses"]
    assert "204" in paths["/api/tokens/{token_id}"]["delete"]["responses"]
    schemas = document["components"]["schemas"]
    assert {"secret", "token"} <= set(schemas["IssuedApiToken"]["properties"])
    assert "role" in schemas["Account"]["properties"]
