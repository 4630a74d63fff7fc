"""A shop owner's data: the download, deleting the account, and the admins' decisions about the
shops it leaves without an owner."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from server.extensions import db
from tests.accounts.lifecycle import account, events, me, post_form, signed_in, untranslated
from tests.support.accounts import DEFAULT_PASSWORD, bearer_headers, csrf_token_from, log_in
from tests.support.pseudo_locale import pseudo_translations
from tours import ownership
from tours.models import AccountLink, ApiToken, AuditEvent, Role, Shop, ShopStatus, User

OWNER = "olga@shop.example"


@pytest.fixture
def owner(app, make_user):
    return signed_in(app, make_user, OWNER, Role.SHOP_OWNER, display_name="Olga Baker")


def shops_by_slug(app) -> dict[str, Shop]:
    with app.app_context():
        shops = {shop.slug: shop for shop in db.session.scalars(select(Shop))}
        for shop in shops.values():
            _ = shop.owners
        db.session.expunge_all()
        return shops


def delete_account(client, password=DEFAULT_PASSWORD):
    return post_form(client, "/account/delete", data={"password": password})


def test_the_download_holds_the_account_its_shops_and_its_events(app, owner, make_shop):
    user = account(app, OWNER)
    make_shop(owners=(user,), slug="sun-bakery", name={"de": "Sonne", "en": "Sun"},
              street="Marktplatz", house_number="3")
    make_shop(slug="someone-elses")
    post_form(owner, "/account/tokens", data={"name": "my script"})
    with app.app_context():
        db.session.get(User, user.id).totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        db.session.commit()

    response = owner.get("/account/data")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["account"]["email"] == OWNER
    assert data["account"]["display_name"] == "Olga Baker"
    assert data["account"]["role"] == "shop_owner"
    assert data["account"]["two_factor_enabled"] is True
    assert [shop["slug"] for shop in data["shops"]] == ["sun-bakery"]
    assert data["shops"][0]["name"] == {"de": "Sonne", "en": "Sun"}
    assert data["shops"][0]["street"] == "Marktplatz"
    assert "images" in data["shops"][0]
    assert [token["name"] for token in data["api_tokens"]] == ["my script"]
    assert "login.succeeded" in [event["action"] for event in data["audit_events"]]

    text = response.get_data(as_text=True)
    stored = account(app, OWNER)
    for secret in (stored.password_hash, stored.totp_secret, "password_hash", "totp_secret",
                   "token_hash", "$argon2"):
        assert secret not in text
    with app.app_context():
        token_hash = db.session.scalar(select(ApiToken.token_hash))
    assert token_hash not in text


def test_the_download_and_delete_page_need_a_signed_in_browser(app, client, owner):
    assert client.get("/account/data").status_code == 302
    assert client.get("/account/delete").status_code == 302
    headers = bearer_headers(app, account(app, OWNER))
    assert app.test_client().get("/account/data", headers=headers).status_code == 403


def test_deleting_the_account_keeps_its_shops_for_the_admins(app, owner, make_shop, make_user):
    user = account(app, OWNER)
    partner = make_user(email="partner@shop.example", role=Role.SHOP_OWNER)
    make_shop(owners=(user,), slug="sun-bakery")
    make_shop(owners=(user, partner), slug="shared-shop")
    post_form(owner, "/account/tokens", data={"name": "my script"})
    with app.app_context():
        db.session.add(AccountLink(user_id=user.id, purpose="password_reset",
                                   token_hash="a" * 64, expires_at=user.created_at))
        db.session.commit()
    other_browser = app.test_client()
    log_in(other_browser, OWNER)

    page = owner.get("/account/delete")
    assert page.status_code == 200
    assert 'action="/account/delete"' in page.get_data(as_text=True)
    wrong = delete_account(owner, "not my password at all")
    assert wrong.status_code == 400
    assert "password is not correct" in wrong.get_data(as_text=True)
    assert account(app, OWNER) is not None

    done = delete_account(owner)
    assert done.status_code == 302
    assert account(app, OWNER) is None
    assert me(owner) is None
    assert me(other_browser) is None
    assert log_in(app.test_client(), OWNER).status_code == 200

    shops = shops_by_slug(app)
    assert shops["sun-bakery"].owners == []
    assert shops["sun-bakery"].status is ShopStatus.DRAFT, "the status is left alone"
    assert [o.email for o in shops["shared-shop"].owners] == ["partner@shop.example"]
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None
        assert db.session.scalar(select(AccountLink)) is None
        kept = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.actor_email == OWNER)))
        assert kept, "the audit log keeps the entries"
        assert {event.actor_id for event in kept} == {None}
        assert [s.slug for s in ownership.orphaned_shops(db.session)] == ["sun-bakery"]
    assert [e.target_id for e in events(app, "shop.orphaned")] == [
        str(shops["sun-bakery"].id)]
    assert [e.details["role"] for e in events(app, "account.deleted")] == ["shop_owner"]


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMIN])
def test_staff_accounts_are_not_deleted_by_their_owner(app, make_user, role):
    staff = signed_in(app, make_user, "staff@city.example", role)
    assert "closed by an admin" in staff.get("/account/delete").get_data(as_text=True)
    token = csrf_token_from(staff.get("/").text)
    response = staff.post("/account/delete", data={"password": DEFAULT_PASSWORD,
                                                   "csrf_token": token})
    assert response.status_code == 403
    assert account(app, "staff@city.example") is not None


def test_deleting_needs_the_csrf_token(app, owner):
    assert owner.post("/account/delete", data={"password": DEFAULT_PASSWORD}).status_code == 400
    assert account(app, OWNER) is not None


@pytest.fixture
def orphaned(app, owner, make_shop):
    """Three shops left without an owner by a deleted account; and a signed-in admin."""
    user = account(app, OWNER)
    for slug in ("keep-me", "close-me", "hand-me-over"):
        make_shop(owners=(user,), slug=slug)
    make_shop(slug="city-made")  # made by an editor, never had an owner: not in the queue
    assert delete_account(owner).status_code == 302
    return shops_by_slug(app)


def test_admins_decide_about_shops_without_an_owner(app, make_user, orphaned):
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    make_user(email="new-owner@shop.example", role=Role.SHOP_OWNER)
    page = admin.get("/staff/accounts").get_data(as_text=True)
    for slug in ("keep-me", "close-me", "hand-me-over"):
        assert slug in page
    assert "city-made" not in page

    assert post_form(admin, "/staff/accounts", f"/staff/shops/{orphaned['keep-me'].id}/keep"
                     ).status_code == 302
    assert post_form(admin, "/staff/accounts", f"/staff/shops/{orphaned['close-me'].id}/close"
                     ).status_code == 302
    handed = post_form(admin, "/staff/accounts", "/staff/shops/transfer",
                       {"shop": "hand-me-over", "email": "New-Owner@shop.example"})
    assert handed.status_code == 302

    shops = shops_by_slug(app)
    assert shops["keep-me"].owners == []
    assert shops["keep-me"].status is ShopStatus.DRAFT
    assert shops["close-me"].status is ShopStatus.CLOSED
    assert [o.email for o in shops["hand-me-over"].owners] == ["new-owner@shop.example"]
    page = admin.get("/staff/accounts").get_data(as_text=True)
    assert "No shop is waiting for a decision" in page
    for action in ("shop.kept_for_city", "shop.closed", "shop.transferred"):
        assert [e.actor_email for e in events(app, action)] == ["admin@city.example"]


def test_a_shop_is_handed_over_only_to_an_active_shop_owner(app, make_user, orphaned):
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    make_user(email="an-editor@city.example", role=Role.EDITOR)
    make_user(email="gone@shop.example", role=Role.SHOP_OWNER, is_active=False)
    for email in ("an-editor@city.example", "gone@shop.example", "nobody@shop.example"):
        post_form(admin, "/staff/accounts", "/staff/shops/transfer",
                  {"shop": "hand-me-over", "email": email})
        assert "Choose the active account of a shop owner" in admin.get(
            "/staff/accounts").get_data(as_text=True)
    post_form(admin, "/staff/accounts", "/staff/shops/transfer",
              {"shop": "no-such-shop", "email": "gone@shop.example"})
    assert "no shop with the address name" in admin.get("/staff/accounts").get_data(
        as_text=True)
    assert shops_by_slug(app)["hand-me-over"].owners == []
    assert events(app, "shop.transferred") == []


def test_an_admin_hands_over_any_shop(app, make_user, make_shop):
    first = make_user(email="first@shop.example", role=Role.SHOP_OWNER)
    make_user(email="second@shop.example", role=Role.SHOP_OWNER)
    make_shop(owners=(first,), slug="sun-bakery")
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    post_form(admin, "/staff/accounts", "/staff/shops/transfer",
              {"shop": "sun-bakery", "email": "second@shop.example"})
    assert [o.email for o in shops_by_slug(app)["sun-bakery"].owners] == ["second@shop.example"]


def test_only_admins_decide_about_shops(app, make_user, orphaned):
    editor = signed_in(app, make_user, "editor@city.example", Role.EDITOR)
    shop_id = orphaned["close-me"].id
    assert "keep-me" not in editor.get("/staff/accounts").get_data(as_text=True)
    assert post_form(editor, "/staff/accounts", f"/staff/shops/{shop_id}/close"
                     ).status_code == 403
    assert post_form(editor, "/staff/accounts", "/staff/shops/transfer",
                     {"shop": "close-me", "email": "x@shop.example"}).status_code == 403
    assert shops_by_slug(app)["close-me"].status is not ShopStatus.CLOSED


def test_closing_twice_is_refused_and_unknown_shops_are_404(app, make_user, orphaned):
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    shop_id = orphaned["close-me"].id
    post_form(admin, "/staff/accounts", f"/staff/shops/{shop_id}/close")
    post_form(admin, "/staff/accounts", f"/staff/shops/{shop_id}/close")
    assert "closed already" in admin.get("/staff/accounts").get_data(as_text=True)
    assert post_form(admin, "/staff/accounts", "/staff/shops/999999/close").status_code == 404


def test_the_data_page_is_translated(app, owner, monkeypatch):
    owner.get("/")
    pseudo_translations(monkeypatch)
    page = owner.get("/account/delete").get_data(as_text=True)
    assert untranslated(page, ["Flaneur", "Olga Baker"]) == []
    assert json.loads(owner.get("/account/data").get_data(as_text=True))["account"]
