"""The audit log: what sign-ins record, and the admins' page."""

from __future__ import annotations

import pytest

from server.extensions import db
from tests.accounts.lifecycle import account, events, signed_in, untranslated
from tests.support.accounts import DEFAULT_PASSWORD, csrf_token_from, log_in
from tests.support.pseudo_locale import pseudo_translations
from tours import audit
from tours.models import Role


def test_sign_ins_and_sign_outs_are_recorded(app, make_user):
    make_user(email="anna@city.example")
    client = app.test_client()
    log_in(client, "anna@city.example")
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").text)})
    anna = account(app, "anna@city.example")
    assert [(e.actor_email, e.target_id) for e in events(app, "login.succeeded")] == [
        ("anna@city.example", str(anna.id))]
    assert [e.actor_id for e in events(app, "login.signed_out")] == [anna.id]


def test_a_failed_sign_in_names_only_existing_accounts_and_never_the_password(app, make_user):
    make_user(email="anna@city.example")
    log_in(app.test_client(), "anna@city.example", "wrong password for anna")
    log_in(app.test_client(), "nobody@city.example", "wrong password for nobody")
    failed = events(app, "login.failed")
    assert [(e.actor_email, e.target_type) for e in failed] == [
        ("anna@city.example", "user"), ("", "")]
    assert all(e.details == {"stage": "password"} for e in failed)
    with app.app_context():
        everything = repr([(e.actor_email, e.target_id, e.details)
                           for e in audit.list_events(db.session, limit=100)[0]])
    assert "wrong password" not in everything
    assert "nobody@city.example" not in everything


@pytest.mark.parametrize("role", [Role.EDITOR, Role.SHOP_OWNER])
def test_the_audit_page_is_for_admins_only(app, make_user, role):
    client = signed_in(app, make_user, f"{role.value}@city.example", role)
    response = client.get("/admin/audit")
    assert response.status_code == 403
    assert "login.succeeded" not in response.get_data(as_text=True)


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/audit")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_admins_read_the_log_newest_first_filtered_and_paged(app, make_user):
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    with app.app_context():
        for number in range(60):
            audit.record(db.session, None, "shop.updated", target_type="shop",
                         target_id=str(number), details={"fields": ["name"]})
        audit.record(db.session, None, "shop.closed", target_type="shop", target_id="last")
        db.session.commit()

    first = admin.get("/admin/audit").get_data(as_text=True)
    assert first.index("shop.closed") < first.index("shop.updated"), "newest first"
    assert "62 entries" in first  # 61 recorded here and the admin's sign-in
    assert "Page 1 of 2" in first

    shops = admin.get("/admin/audit?action=shop.").get_data(as_text=True)
    assert "61 entries" in shops
    assert "login.succeeded" not in shops
    second = admin.get("/admin/audit?action=shop.&page=2").get_data(as_text=True)
    assert second.count("<tr>") == 1 + 11  # header and the 11 oldest
    assert "shop 0<" in second
    sign_ins = admin.get("/admin/audit?action=login.").get_data(as_text=True)
    assert "1 entry" in sign_ins
    assert "admin@city.example" in sign_ins


@pytest.mark.parametrize("query", ["action=%25", "action=DROP TABLE", "page=0", "page=x",
                                   "action=" + "a" * 61])
def test_bad_filters_are_refused(app, make_user, query):
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    assert admin.get(f"/admin/audit?{query}").status_code == 400


def test_the_audit_page_is_translated(app, make_user, monkeypatch):
    make_user(email="anna@city.example")
    log_in(app.test_client(), "anna@city.example", "wrong password entirely")
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    admin.get("/")
    pseudo_translations(monkeypatch)
    page = admin.get("/admin/audit").get_data(as_text=True)
    anna_id = str(account(app, "anna@city.example").id)
    admin_id = str(account(app, "admin@city.example").id)
    leftovers = untranslated(page, ["Flaneur", "admin@city.example", "anna@city.example"])
    # action names, targets and details are data, shown as code
    data = {"login.succeeded", "login.failed", f"user {anna_id}", f"user {admin_id}",
            '{"second_factor": false}', '{"stage": "password"}'}
    assert [text for text in leftovers if text not in data] == []
    assert DEFAULT_PASSWORD not in page
