"""The list of accounts: who sees whom, password-reset links, roles and deactivation."""

from __future__ import annotations

from tests.accounts.lifecycle import (
    account,
    events,
    me,
    post_form,
    shown_link,
    signed_in,
    untranslated,
)
from tests.support.accounts import DEFAULT_PASSWORD, csrf_token_from, log_in
from tests.support.pseudo_locale import pseudo_translations
from tours.models import Role

NEW_PASSWORD = "harbour quince bicycle meadow 93"


def act(client, path, **data):
    """Post one of the list's buttons."""
    return post_form(client, "/staff/accounts", path, data)


def test_editors_see_shop_owners_and_admins_see_everyone(app, make_user):
    make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    make_user(email="other-editor@city.example", role=Role.EDITOR)
    editor = signed_in(app, make_user, "editor@city.example", Role.EDITOR)
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)

    editor_page = editor.get("/staff/accounts").get_data(as_text=True)
    assert "owner@shop.example" in editor_page
    assert "other-editor@city.example" not in editor_page
    assert "admin@city.example" not in editor_page
    assert 'name="role"' not in editor_page

    admin_page = admin.get("/staff/accounts").get_data(as_text=True)
    for email in ("owner@shop.example", "other-editor@city.example", "editor@city.example"):
        assert email in admin_page
    assert 'name="role"' in admin_page


def test_the_list_can_be_searched_and_paged(app, make_user):
    for number in range(3):
        make_user(email=f"owner{number}@shop.example", role=Role.SHOP_OWNER)
    editor = signed_in(app, make_user, "editor@city.example", Role.EDITOR)
    page = editor.get("/staff/accounts?q=OWNER1").get_data(as_text=True)
    assert "owner1@shop.example" in page
    assert "owner2@shop.example" not in page
    assert editor.get("/staff/accounts?page=0").status_code == 400
    assert editor.get("/staff/accounts?page=x").status_code == 400
    assert "No accounts found" in editor.get("/staff/accounts?page=9").get_data(as_text=True)


def test_a_password_reset_link_replaces_the_password_and_ends_sessions(app, make_user):
    make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    owner_laptop = app.test_client()
    log_in(owner_laptop, "owner@shop.example")
    editor = signed_in(app, make_user, "editor@city.example", Role.EDITOR)
    user_id = account(app, "owner@shop.example").id

    response = act(editor, f"/staff/accounts/{user_id}/link")
    assert response.status_code == 201
    link = shown_link(response)
    assert link.startswith("/account/reset/")
    assert me(owner_laptop) is not None, "issuing a link changes nothing yet"

    owner = app.test_client()
    assert post_form(owner, link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                     ).status_code == 302
    assert me(owner)["email"] == "owner@shop.example"
    assert me(owner_laptop) is None, "the old sessions ended"
    assert log_in(app.test_client(), "owner@shop.example").status_code == 200, "old password"
    assert log_in(app.test_client(), "owner@shop.example", NEW_PASSWORD).status_code == 302
    assert app.test_client().get(link).status_code == 404
    assert [e.actor_email for e in events(app, "password_reset.issued")] == [
        "editor@city.example"]
    assert [e.details["via"] for e in events(app, "account.password_set")] == ["password_reset"]


def test_a_new_reset_link_replaces_the_earlier_one(app, make_user):
    make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    editor = signed_in(app, make_user, "editor@city.example", Role.EDITOR)
    user_id = account(app, "owner@shop.example").id
    first = shown_link(act(editor, f"/staff/accounts/{user_id}/link"))
    second = shown_link(act(editor, f"/staff/accounts/{user_id}/link"))
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200


def test_a_pending_account_gets_a_new_invitation_instead(app, make_user):
    editor = signed_in(app, make_user, "editor@city.example", Role.EDITOR)
    first = shown_link(post_form(editor, "/staff/invitations",
                                 data={"email": "olga@shop.example"}))
    user_id = account(app, "olga@shop.example").id
    page = editor.get("/staff/accounts").get_data(as_text=True)
    assert "invitation pending" in page
    renewed = shown_link(act(editor, f"/staff/accounts/{user_id}/link"))
    assert renewed.startswith("/account/welcome/")
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(renewed).status_code == 200


def test_editors_cannot_touch_staff_accounts(app, make_user):
    make_user(email="admin@city.example", role=Role.ADMIN)
    make_user(email="other-editor@city.example", role=Role.EDITOR)
    editor = signed_in(app, make_user, "editor@city.example", Role.EDITOR)
    for email in ("admin@city.example", "other-editor@city.example"):
        user_id = account(app, email).id
        assert act(editor, f"/staff/accounts/{user_id}/link").status_code == 404
        assert act(editor, f"/staff/accounts/{user_id}/role", role="shop_owner"
                   ).status_code == 403
        assert act(editor, f"/staff/accounts/{user_id}/active", active="0").status_code == 403
    assert events(app, "password_reset.issued") == []


def test_an_editor_cannot_promote_anybody(app, make_user):
    make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    editor = signed_in(app, make_user, "editor@city.example", Role.EDITOR)
    editor_id = account(app, "editor@city.example").id
    owner_id = account(app, "owner@shop.example").id
    assert act(editor, f"/staff/accounts/{owner_id}/role", role="editor").status_code == 403
    assert act(editor, f"/staff/accounts/{editor_id}/role", role="admin").status_code == 403
    assert account(app, "owner@shop.example").role is Role.SHOP_OWNER
    assert account(app, "editor@city.example").role is Role.EDITOR
    assert events(app, "account.role_changed") == []


def test_an_admin_changes_roles_and_the_audit_log_records_it(app, make_user):
    make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    owner_id = account(app, "owner@shop.example").id
    response = act(admin, f"/staff/accounts/{owner_id}/role", role="editor")
    assert response.status_code == 302
    assert account(app, "owner@shop.example").role is Role.EDITOR
    changed = events(app, "account.role_changed")
    assert [(e.actor_email, e.target_id, e.details) for e in changed] == [
        ("admin@city.example", str(owner_id), {"from": "shop_owner", "to": "editor"})]
    assert act(admin, f"/staff/accounts/{owner_id}/role", role="boss").status_code == 400


def test_admins_do_not_change_their_own_account(app, make_user):
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    admin_id = account(app, "admin@city.example").id
    response = act(admin, f"/staff/accounts/{admin_id}/role", role="shop_owner")
    assert response.status_code == 302
    assert "your own account" in admin.get("/staff/accounts").get_data(as_text=True)
    assert account(app, "admin@city.example").role is Role.ADMIN
    act(admin, f"/staff/accounts/{admin_id}/active", active="0")
    assert account(app, "admin@city.example").is_active


def test_deactivating_an_account_signs_it_out_and_reactivating_lets_it_back(app, make_user):
    make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    owner = app.test_client()
    log_in(owner, "owner@shop.example")
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    owner_id = account(app, "owner@shop.example").id

    assert act(admin, f"/staff/accounts/{owner_id}/active", active="0").status_code == 302
    assert me(owner) is None
    assert log_in(app.test_client(), "owner@shop.example").status_code == 200
    assert "deactivated" in admin.get("/staff/accounts").get_data(as_text=True)
    assert act(admin, f"/staff/accounts/{owner_id}/active", active="maybe").status_code == 400

    assert act(admin, f"/staff/accounts/{owner_id}/active", active="1").status_code == 302
    assert log_in(app.test_client(), "owner@shop.example").status_code == 302
    assert [e.target_id for e in events(app, "account.deactivated")] == [str(owner_id)]
    assert [e.target_id for e in events(app, "account.reactivated")] == [str(owner_id)]


def test_account_actions_need_the_csrf_token(app, make_user):
    make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    owner_id = account(app, "owner@shop.example").id
    assert admin.post(f"/staff/accounts/{owner_id}/role", data={"role": "admin"}
                      ).status_code == 400
    assert admin.post(f"/staff/accounts/{owner_id}/link").status_code == 400
    assert account(app, "owner@shop.example").role is Role.SHOP_OWNER


def test_visitors_and_shop_owners_are_kept_out(app, client, make_user):
    assert client.get("/staff/accounts").status_code == 302
    owner = signed_in(app, make_user, "owner@shop.example", Role.SHOP_OWNER)
    assert owner.get("/staff/accounts").status_code == 403
    token = csrf_token_from(owner.get("/").text)
    assert owner.post("/staff/accounts/1/link", data={"csrf_token": token}).status_code == 403


def test_the_accounts_page_is_translated(app, make_user, monkeypatch):
    make_user(email="owner@shop.example", role=Role.SHOP_OWNER, display_name="Olga")
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    admin.get("/")
    pseudo_translations(monkeypatch)
    page = admin.get("/staff/accounts").get_data(as_text=True)
    assert untranslated(page, ["Flaneur", "owner@shop.example", "admin@city.example",
                                     "Olga"]) == []
    assert DEFAULT_PASSWORD not in page
