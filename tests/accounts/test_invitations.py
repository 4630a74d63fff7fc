"""Invitations: staff invite an account, the link is shown once, the new owner sets a password."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from server.extensions import db
from tests.accounts.lifecycle import account, events, me, post_form, shown_link, signed_in
from tests.support.accounts import csrf_token_from, log_in
from tests.support.pseudo_locale import pseudo_translations, untranslated_texts
from tours.models import AccountLink, Role, Shop, utcnow

NEW_PASSWORD = "harbour quince bicycle meadow 93"


def invite(client, **data):
    return post_form(client, "/staff/invitations", data=data)


def set_password(client, link, password=NEW_PASSWORD, confirm=None):
    return post_form(client, link, data={"password": password,
                                         "confirm": password if confirm is None else confirm})


@pytest.fixture
def editor(app, make_user):
    return signed_in(app, make_user, "editor@city.example", Role.EDITOR)


def test_an_invited_shop_owner_sets_a_password_and_signs_in(app, editor):
    response = invite(editor, email="Olga@Shop.Example", display_name="Olga Baker")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    link = shown_link(response)
    assert link.startswith("/account/welcome/")
    pending = account(app, "olga@shop.example")
    assert pending.role is Role.SHOP_OWNER
    assert pending.password_hash == "", "nobody can sign in before the invitation is accepted"
    assert pending.display_name == "Olga Baker"

    owner = app.test_client()
    form = owner.get(link)
    assert form.status_code == 200
    assert "olga@shop.example" in form.get_data(as_text=True)
    done = set_password(owner, link)
    assert done.status_code == 302
    assert me(owner)["email"] == "olga@shop.example"
    assert me(owner)["role"] == "shop_owner"

    owner.post("/logout", data={"csrf_token": csrf_token_from(owner.get("/").text)})
    assert me(owner) is None
    assert log_in(owner, "olga@shop.example", NEW_PASSWORD).status_code == 302
    assert me(owner)["email"] == "olga@shop.example"

    issued, accepted = events(app, "invitation.issued"), events(app, "invitation.accepted")
    assert [event.actor_email for event in issued] == ["editor@city.example"]
    assert issued[0].details["role"] == "shop_owner"
    assert [event.target_id for event in accepted] == [str(pending.id)]
    assert [e.details["via"] for e in events(app, "account.password_set")] == ["invitation"]
    assert [e.details["role"] for e in events(app, "account.created")] == ["shop_owner"]


def test_opening_a_link_does_not_use_it(app, editor):
    link = shown_link(invite(editor, email="olga@shop.example"))
    scanner = app.test_client()
    for _ in range(3):  # a mail client's link preview, a scanner, the owner
        assert scanner.get(link).status_code == 200
    assert set_password(app.test_client(), link).status_code == 302


def test_a_link_works_once(app, editor):
    link = shown_link(invite(editor, email="olga@shop.example"))
    assert set_password(app.test_client(), link).status_code == 302
    again = app.test_client()
    page = again.get(link)
    assert page.status_code == 404
    assert "cannot be used" in page.get_data(as_text=True)
    # posting the form again (with a valid CSRF token of the session) does not work either
    token = csrf_token_from(again.get("/login").text)
    reuse = again.post(link, data={"password": "another quite long pass 12",
                                   "confirm": "another quite long pass 12", "csrf_token": token})
    assert reuse.status_code == 404
    assert me(again) is None
    assert log_in(app.test_client(), "olga@shop.example", NEW_PASSWORD).status_code == 302


def test_an_expired_link_is_refused(app, editor):
    link = shown_link(invite(editor, email="olga@shop.example"))
    with app.app_context():
        for stored in db.session.scalars(select(AccountLink)):
            stored.expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    owner = app.test_client()
    assert owner.get(link).status_code == 404
    token = csrf_token_from(owner.get("/login").text)
    assert owner.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                  "csrf_token": token}).status_code == 404
    assert account(app, "olga@shop.example").password_hash == ""


def test_an_invitation_lasts_seven_days_by_default(app, editor):
    invite(editor, email="olga@shop.example")
    with app.app_context():
        link = db.session.scalar(select(AccountLink))
        assert dt.timedelta(days=7) - (link.expires_at - link.created_at) < dt.timedelta(
            seconds=5)
        assert len(link.token_hash) == 64, "only the SHA-256 of the secret is stored"


@pytest.mark.parametrize("secret", ["nonsense", "x" * 101, "%00", "a/b"])
def test_unknown_links_get_the_same_page(client, secret):
    response = client.get(f"/account/welcome/{secret}")
    assert response.status_code == 404
    reset = client.get(f"/account/reset/{secret}")
    assert reset.status_code == 404


def test_weak_or_mismatched_passwords_leave_the_link_working(app, editor):
    link = shown_link(invite(editor, email="olga@shop.example"))
    owner = app.test_client()
    weak = set_password(owner, link, "password1234")
    assert weak.status_code == 400
    assert "too easy to guess" in weak.get_data(as_text=True)
    mismatch = set_password(owner, link, NEW_PASSWORD, "something else entirely 1")
    assert mismatch.status_code == 400
    assert "not the same" in mismatch.get_data(as_text=True)
    assert set_password(owner, link).status_code == 302


def test_inviting_again_replaces_the_earlier_link(app, editor):
    first = shown_link(invite(editor, email="olga@shop.example"))
    second_response = invite(editor, email="OLGA@shop.example", display_name="Olga")
    assert second_response.status_code == 201
    assert "earlier links no longer work" in second_response.get_data(as_text=True)
    second = shown_link(second_response)
    assert first != second
    assert app.test_client().get(first).status_code == 404
    assert set_password(app.test_client(), second).status_code == 302
    assert [e.details["renewed"] for e in events(app, "invitation.issued")] == [False, True]


def test_inviting_an_account_in_use_is_a_clear_error(app, editor, make_user):
    make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    response = invite(editor, email="owner@shop.example")
    assert response.status_code == 409
    assert "already exists and has accepted its invitation" in response.get_data(as_text=True)
    assert 'id="shown-link"' not in response.get_data(as_text=True)


def test_invalid_email_is_refused(editor):
    response = invite(editor, email="not-an-address")
    assert response.status_code == 400
    assert "valid email address" in response.get_data(as_text=True)


def test_editors_invite_shop_owners_only(app, editor):
    page = editor.get("/staff/invitations").get_data(as_text=True)
    assert 'name="role"' not in page, "editors are not offered a role"
    refused = invite(editor, email="new-editor@city.example", role="editor")
    assert refused.status_code == 400
    assert 'class="error"' in refused.get_data(as_text=True), "the refusal is shown"
    assert account(app, "new-editor@city.example") is None


def test_admins_invite_editors(app, make_user):
    admin = signed_in(app, make_user, "admin@city.example", Role.ADMIN)
    assert 'name="role"' in admin.get("/staff/invitations").get_data(as_text=True)
    link = shown_link(invite(admin, email="new-editor@city.example", role="editor"))
    new_editor = app.test_client()
    assert set_password(new_editor, link).status_code == 302
    assert me(new_editor)["role"] == "editor"


def test_an_invitation_can_give_shops(app, editor, make_shop):
    shop = make_shop(slug="sun-bakery")
    other = make_shop(slug="moon-bakery")
    page = editor.get("/staff/invitations").get_data(as_text=True)
    assert "sun-bakery" in page
    response = invite(editor, email="olga@shop.example", shops=[str(shop.id)])
    assert response.status_code == 201
    with app.app_context():
        owners = {s.slug: [o.email for o in s.owners] for s in db.session.scalars(select(Shop))}
    assert owners["sun-bakery"] == ["olga@shop.example"]
    assert owners[other.slug] == []
    unknown = invite(editor, email="ben@shop.example", shops=["999999"])
    assert unknown.status_code == 400
    assert account(app, "ben@shop.example") is None


def test_the_invitation_form_works_without_any_shop(editor):
    page = editor.get("/staff/invitations")
    assert page.status_code == 200
    assert 'name="shops"' not in page.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.SHOP_OWNER])
def test_shop_owners_may_not_invite(app, make_user, role):
    owner = signed_in(app, make_user, "owner@shop.example", role)
    assert owner.get("/staff/invitations").status_code == 403
    token = csrf_token_from(owner.get("/").text)
    assert owner.post("/staff/invitations", data={"email": "x@shop.example",
                                                  "csrf_token": token}).status_code == 403


def test_the_invitation_pages_are_translated(app, editor, monkeypatch, make_shop):
    make_shop(slug="sun-bakery", name={"en": "Sun Bakery"})
    editor.get("/")  # shows the sign-in's message, made before the pseudo-translation
    pseudo_translations(monkeypatch)
    allowed = ["Flaneur", "editor@city.example", "olga@shop.example", "Sun Bakery",
               "sun-bakery"]
    form = editor.get("/staff/invitations").get_data(as_text=True)
    assert untranslated_texts(form, allowed) == []
    response = invite(editor, email="olga@shop.example")
    link = shown_link(response)
    assert untranslated_texts(response.get_data(as_text=True),
                              [*allowed, "http://localhost" + link]) == []
    welcome = app.test_client().get(link).get_data(as_text=True)
    assert untranslated_texts(welcome, allowed) == []
    invalid = app.test_client().get("/account/welcome/unknown").get_data(as_text=True)
    assert untranslated_texts(invalid, allowed) == []
