"""Keeping shops through /api/manage: who may change what, field rules and moderation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.extensions import db
from tours.models import AuditEvent, ChangeRequest, Shop, ShopStatus

FULL_PROFILE = {
    "slug": "cafe-sonne",
    "name": {"de": "Café Sonne", "en": "Sun Café", "fr": "Café Soleil"},
    "category": "cafe",
    "short_description": {"de": "Kaffee und Kuchen am Markt", "es": "Café y pasteles"},
    "description": {"de": "<p>Seit <strong>1952</strong>.</p><script>alert(1)</script>"},
    "street": "Marktplatz", "house_number": "3", "postal_code": "64283",
    "locality": "Darmstadt", "country": "de",
    "latitude": 49.8728, "longitude": 8.6512,
    "phone": "06151 123456", "whatsapp": "+49 151 23456789", "email": "Hallo@Cafe-Sonne.de",
    "website": "https://cafe-sonne.example", "online_shop_url": "https://shop.cafe-sonne.example",
    "social_links": ["https://social.example/cafesonne"],
    "payment_methods": ["voucher", "cash"],
    "wheelchair": "limited", "step_free_entrance": True,
}


def create(client, person, **fields):
    body = {**FULL_PROFILE, **fields}
    response = client.post("/api/manage/shops", json=body, headers=person.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_owner_creates_a_draft_they_own(client, cast):
    shop = create(client, cast.owner_a)
    assert shop["status"] == "draft"
    assert shop["owner_ids"] == [cast.owner_a.user.id]
    assert shop["phone"] == "+496151123456"
    assert shop["whatsapp"] == "+4915123456789"
    assert shop["country"] == "DE"
    assert shop["email"] == "hallo@cafe-sonne.de"
    assert shop["payment_methods"] == ["cash", "voucher"]
    assert shop["description"] == {"de": "<p>Seit <strong>1952</strong>.</p>"}
    listed = client.get("/api/manage/shops", headers=cast.owner_a.headers).get_json()
    assert [item["slug"] for item in listed] == ["cafe-sonne"]
    assert client.get("/api/manage/shops", headers=cast.owner_b.headers).get_json() == []
    assert len(client.get("/api/manage/shops", headers=cast.editor.headers).get_json()) == 1


def test_nobody_changes_another_owners_shop(app, client, cast):
    shop = create(client, cast.owner_a)
    url = f"/api/manage/shops/{shop['id']}"
    before = client.get(url, headers=cast.editor.headers).get_json()
    for method, path, body in (
        ("GET", url, None),
        ("PATCH", url, {"name": {"de": "Gekapert"}}),
        ("POST", f"{url}/submit", None),
        ("POST", f"{url}/confirm", None),
        ("DELETE", url, None),
        ("PUT", f"{url}/owners", {"owner_ids": [cast.owner_b.user.id]}),
    ):
        response = client.open(path, method=method, json=body, headers=cast.owner_b.headers)
        assert response.status_code == 403, (method, path)
        assert response.get_json()["code"] == 403
    assert client.get(url, headers=cast.editor.headers).get_json() == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChangeRequest)) == 0


def test_owners_cannot_set_status_or_slug(client, cast):
    shop = create(client, cast.owner_a)
    for field, value in (("status", "published"), ("slug", "better-name")):
        response = client.patch(f"/api/manage/shops/{shop['id']}", json={field: value},
                                headers=cast.owner_a.headers)
        assert response.status_code == 422
        assert list(response.get_json()["errors"]["json"]) == [field]
    response = client.post("/api/manage/shops", json={**FULL_PROFILE, "slug": "x-shop",
                                                      "status": "published"},
                           headers=cast.owner_a.headers)
    assert response.status_code == 422


@pytest.mark.parametrize(("field", "value"), [
    ("website", "javascript:alert(1)"),
    ("online_shop_url", "//evil.example"),
    ("social_links", ["data:text/html,<script>alert(1)</script>"]),
    ("phone", "12"),
    ("phone", "+49 not a number"),
    ("email", "not-an-address"),
    ("category", "weapons"),
    ("country", "Germany"),
    ("time_zone", "Mars/Olympus"),
    ("payment_methods", ["gold"]),
    ("wheelchair", "sometimes"),
    ("latitude", 91),
    ("slug", "12345"),
    ("short_description", {"de": "x" * 281}),
    ("name", {}),
])
def test_invalid_values_are_refused_and_change_nothing(client, cast, field, value):
    shop = create(client, cast.editor)
    url = f"/api/manage/shops/{shop['id']}"
    response = client.patch(url, json={field: value}, headers=cast.editor.headers)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]["json"]
    assert field in errors or field.split(".")[0] in errors, errors
    assert client.get(url, headers=cast.editor.headers).get_json() == shop


def test_publication_waits_for_an_editor(client, cast):
    shop = create(client, cast.owner_a)
    url = f"/api/manage/shops/{shop['id']}"
    assert client.get("/api/shops/cafe-sonne").status_code == 404
    submitted = client.post(f"{url}/submit", headers=cast.owner_a.headers)
    assert submitted.status_code == 201
    change = submitted.get_json()
    assert change["kind"] == "publish"
    assert change["changes"]["name"] == {"old": None, "new": FULL_PROFILE["name"]}
    assert client.post(f"{url}/submit", headers=cast.owner_a.headers).status_code == 409
    # still editable while waiting; the request shows what would be published
    client.patch(url, json={"locality": "Darmstadt-Mitte"}, headers=cast.owner_a.headers)
    queue = client.get("/api/manage/changes", headers=cast.editor.headers).get_json()
    assert [item["id"] for item in queue] == [change["id"]]
    assert queue[0]["changes"]["locality"]["new"] == "Darmstadt-Mitte"
    # owners may not decide, not even on their own shop
    decision = f"/api/manage/changes/{change['id']}/decision"
    assert client.post(decision, json={"approve": True},
                       headers=cast.owner_a.headers).status_code == 403
    approved = client.post(decision, json={"approve": True, "comment": "Welcome!"},
                           headers=cast.editor.headers)
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "approved"
    assert client.get(url, headers=cast.owner_a.headers).get_json()["status"] == "published"
    public = client.get("/api/shops/cafe-sonne?lang=fr").get_json()
    assert public["name"] == "Café Soleil"
    assert client.post(decision, json={"approve": False},
                       headers=cast.editor.headers).status_code == 409


def test_a_rejected_shop_goes_back_to_draft_with_the_comment(client, cast):
    shop = create(client, cast.owner_a)
    url = f"/api/manage/shops/{shop['id']}"
    change = client.post(f"{url}/submit", headers=cast.owner_a.headers).get_json()
    client.post(f"/api/manage/changes/{change['id']}/decision",
                json={"approve": False, "comment": "Please add opening hours."},
                headers=cast.editor.headers)
    assert client.get(url, headers=cast.owner_a.headers).get_json()["status"] == "draft"
    mine = client.get("/api/manage/changes?status=rejected",
                      headers=cast.owner_a.headers).get_json()
    assert [(item["id"], item["comment"]) for item in mine] == [
        (change["id"], "Please add opening hours.")]
    assert client.get("/api/manage/changes?status=rejected",
                      headers=cast.owner_b.headers).get_json() == []


def test_new_web_addresses_of_a_public_shop_wait_for_an_editor(client, cast):
    shop = create(client, cast.editor, status="published", slug="sonne-public")
    client.put(f"/api/manage/shops/{shop['id']}/owners",
               json={"owner_ids": [cast.owner_a.user.id]}, headers=cast.editor.headers)
    url = f"/api/manage/shops/{shop['id']}"
    changed = client.patch(url, json={"website": "https://phishing.example",
                                      "short_description": {"de": "Neu: Frühstück"}},
                           headers=cast.owner_a.headers).get_json()
    assert changed["website"] == "https://cafe-sonne.example"
    assert changed["short_description"] == {"de": "Neu: Frühstück"}
    assert changed["pending_links"]["changes"] == {
        "website": {"old": "https://cafe-sonne.example", "new": "https://phishing.example"}}
    assert client.get("/api/shops/sonne-public").get_json()["website"] == (
        "https://cafe-sonne.example")
    # a second change replaces the first request
    client.patch(url, json={"online_shop_url": "https://other.example"},
                 headers=cast.owner_a.headers)
    queue = client.get("/api/manage/changes", headers=cast.editor.headers).get_json()
    assert len(queue) == 1
    assert set(queue[0]["changes"]) == {"website", "online_shop_url"}
    client.post(f"/api/manage/changes/{queue[0]['id']}/decision", json={"approve": True},
                headers=cast.editor.headers)
    public = client.get("/api/shops/sonne-public").get_json()
    assert (public["website"], public["online_shop_url"]) == (
        "https://phishing.example", "https://other.example")
    # an editor's own change applies at once
    edited = client.patch(url, json={"website": "https://cafe-sonne.example"},
                          headers=cast.editor.headers).get_json()
    assert edited["website"] == "https://cafe-sonne.example"
    assert edited["pending_links"] is None


def test_confirming_sets_the_date_and_versions_guard_changes(client, cast):
    shop = create(client, cast.owner_a)
    url = f"/api/manage/shops/{shop['id']}"
    confirmed = client.post(f"{url}/confirm", headers=cast.owner_a.headers)
    assert confirmed.get_json()["last_confirmed_at"] is not None
    stale = client.patch(url, json={"level": "1"},
                         headers={**cast.owner_a.headers, "If-Match": f'"{shop["version"]}"'})
    assert stale.status_code == 409


def test_hand_over_and_audit_log(app, client, cast):
    shop = create(client, cast.owner_a)
    url = f"/api/manage/shops/{shop['id']}/owners"
    assert client.put(url, json={"owner_ids": [cast.editor.user.id]},
                      headers=cast.admin.headers).status_code == 422
    handed = client.put(url, json={"owner_ids": [cast.owner_b.user.id]},
                        headers=cast.admin.headers)
    assert handed.get_json()["owner_ids"] == [cast.owner_b.user.id]
    assert client.get(f"/api/manage/shops/{shop['id']}",
                      headers=cast.owner_a.headers).status_code == 403
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["shop.created", "shop.owners_changed"]


def test_only_editors_delete(app, client, cast):
    shop = create(client, cast.owner_a)
    url = f"/api/manage/shops/{shop['id']}"
    assert client.delete(url, headers=cast.owner_a.headers).status_code == 403
    assert client.delete(url, headers=cast.editor.headers).status_code == 204
    with app.app_context():
        assert db.session.get(Shop, shop["id"]) is None


def test_directory_search_ignores_accents_and_case(client, cast, make_shop):
    make_shop(slug="cafe-sonne", name={"de": "Café Sonne"}, status=ShopStatus.PUBLISHED,
              short_description={"fr": "Pâtisserie près de la Straße"})
    make_shop(slug="draft-cafe", name={"de": "Café Entwurf"})
    make_shop(slug="buchladen", name={"de": "Buchladen"}, category="books",
              status=ShopStatus.PUBLISHED, step_free_entrance=True)

    def slugs(query):
        return [card["slug"] for card in client.get(f"/api/shops?{query}").get_json()]

    assert slugs("q=CAFE") == ["cafe-sonne"]
    assert slugs("q=patisserie strasse") == ["cafe-sonne"]
    assert slugs("q=") == ["buchladen", "cafe-sonne"]
    assert slugs("category=books") == ["buchladen"]
    assert slugs("step_free=1") == ["buchladen"]
    assert slugs("q=100%25") == []
    response = client.get("/api/shops?page_size=1&page=2")
    assert [card["slug"] for card in response.get_json()] == ["cafe-sonne"]
    assert '"total": 2' in response.headers["X-Pagination"]
