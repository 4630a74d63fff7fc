"""The legal pages: admins write them per language, visitors read them sanitised with the
language fallback, stale forms meet a conflict, and every save is in the audit log."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from tests.public_pages.conftest import get_page
from tests.support.accounts import csrf_token_from
from tours import legal
from tours.errors import Forbidden
from tours.models import AuditEvent, LegalPage, LegalPageKey, Role, User
from tours.validation import VersionConflict

ADMIN = "admin@example.org"


@pytest.fixture
def admin(client, make_user, login):
    """The test client, signed in as an admin."""
    make_user(email=ADMIN, role=Role.ADMIN)
    login(client, ADMIN)
    return client


def save(client, key: str, version: int | str, **texts: str):
    form = client.get(f"/admin/legal/{key}").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(form), "version": str(version),
            **{f"body-{language}": text for language, text in texts.items()}}
    return client.post(f"/admin/legal/{key}", data=data)


def stored(app: Flask, key: LegalPageKey) -> LegalPage | None:
    with app.app_context():
        page = legal.get_page(db.session, key)
        if page is not None:
            db.session.expunge(page)
        return page


@pytest.mark.parametrize(("path", "title"), [("/imprint", "Imprint"),
                                             ("/privacy", "Privacy statement"),
                                             ("/accessibility", "Accessibility statement")])
def test_an_unwritten_page_is_a_page_that_says_so(client, path, title):
    page = get_page(client, f"{path}?lang=en")
    assert page.title.startswith(title)
    assert title in page.text
    assert "The city has not published this page yet." in page.text
    assert page.links_to("/admin/legal") == []  # visitors get no editor link


def test_admins_get_a_link_to_write_it(admin):
    page = get_page(admin, "/imprint?lang=en")
    assert [anchor["text"] for anchor in page.links_to("/admin/legal/imprint")] == [
        "Write this page"]


def test_what_an_admin_writes_visitors_read_sanitised(app, admin):
    response = save(admin, "imprint", 0,
                    en="Flaneur City Hall\nMarket Square 1\n\n<h2>Contact</h2>\n\n"
                       "Mail <a href=\"mailto:city@example.org\" onclick=\"x()\">us</a>"
                       "<script>alert(1)</script> <a href=\"javascript:alert(2)\">here</a>",
                    de="Rathaus Flaneur")
    assert response.status_code == 302
    html = admin.get("/imprint?lang=en").get_data(as_text=True)
    assert "<p>Flaneur City Hall<br>\nMarket Square 1</p>" in html
    assert "<h2>Contact</h2>" in html
    assert '<a href="mailto:city@example.org" rel="nofollow noopener noreferrer">us</a>' in html
    body = html.split("<main", 1)[1]
    for unsafe in ("<script", "onclick", "javascript:"):
        assert unsafe not in body
    assert "The city has not published" not in html
    assert "Last updated:" in html
    german = get_page(admin, "/imprint?lang=de")
    assert "Rathaus Flaneur" in german.text
    assert "Flaneur City Hall" not in german.text
    page = stored(app, LegalPageKey.IMPRINT)
    assert page is not None
    assert page.version == 1
    assert set(page.body) == {"de", "en"}


def test_a_browsers_line_breaks_are_welcome(app, admin):
    """Browsers send a text box's line breaks as CRLF (a bare CR is no control character
    either)."""
    assert save(admin, "imprint", 0, en="City hall\r\nMarket 1\r\n\r\nOpen\rdaily").status_code \
        == 302
    assert stored(app, LegalPageKey.IMPRINT).body == {
        "en": "<p>City hall<br>\nMarket 1</p>\n<p>Open<br>\ndaily</p>"}


def test_a_missing_language_falls_back_and_says_so(app, admin, client):
    app.config["DEFAULT_LANGUAGE"] = "de"
    save(admin, "privacy", 0, de="Wir speichern wenig.", fr="Nous gardons peu.")
    visitor = app.test_client()
    page = get_page(visitor, "/privacy?lang=es")
    assert "Wir speichern wenig." in page.text  # the city's language before any other
    assert page.find("div", class_="rich-text")[0]["lang"] == "de"
    assert "Esta página aún no está disponible en su idioma." in page.text
    french = get_page(visitor, "/privacy?lang=fr")
    assert "Nous gardons peu." in french.text
    assert "pas encore disponible dans votre langue" not in french.text
    assert french.find("div", class_="rich-text")[0].get("lang") is None


def test_emptying_every_language_unpublishes_the_page(app, admin):
    save(admin, "accessibility", 0, en="Largely accessible.")
    save(admin, "accessibility", 1, en="   ")
    assert "The city has not published this page yet." in get_page(
        admin, "/accessibility?lang=en").text
    assert stored(app, LegalPageKey.ACCESSIBILITY).body == {}


def test_a_stale_form_meets_a_conflict_and_loses_nothing(app, admin, make_user, login):
    save(admin, "imprint", 0, en="First text")
    # another admin saves in between
    other = app.test_client()
    make_user(email="other-admin@example.org", role=Role.ADMIN)
    login(other, "other-admin@example.org")
    assert save(other, "imprint", 1, en="Their text").status_code == 302
    # the first admin's form still says version 1
    response = save(admin, "imprint", 1, en="My careful text")
    assert response.status_code == 409
    page = get_page(admin, "/admin/legal/imprint")  # a fresh form
    assert "Their text" in page.html
    conflict = response.get_data(as_text=True)
    assert "Someone else saved this page in the meantime." in conflict
    assert "My careful text</textarea>" in conflict  # the admin's input stays
    assert "Their text" in conflict  # and theirs is shown next to it
    assert 'name="version" value="2"' in conflict  # saving again is based on theirs
    assert stored(app, LegalPageKey.IMPRINT).body == {"en": "<p>Their text</p>"}
    # saving the kept input again is a conscious overwrite
    token = csrf_token_from(conflict)
    again = admin.post("/admin/legal/imprint", data={"csrf_token": token, "version": "2",
                                                     "body-en": "My careful text"})
    assert again.status_code == 302
    assert stored(app, LegalPageKey.IMPRINT).body == {"en": "<p>My careful text</p>"}


def test_a_new_page_written_twice_at_once_conflicts(app, admin):
    save(admin, "privacy", 0, en="One")
    response = save(admin, "privacy", 0, en="Two")
    assert response.status_code == 409
    assert stored(app, LegalPageKey.PRIVACY).body == {"en": "<p>One</p>"}


def test_too_long_a_text_is_refused_next_to_its_box(app, admin):
    response = save(admin, "imprint", 0, fr="x" * (legal.MAX_BODY_LENGTH + 1))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="body-fr-error"' in html
    assert stored(app, LegalPageKey.IMPRINT) is None


@pytest.mark.parametrize("version", ["", "abc", "1" * 12, "-1"])
def test_a_broken_version_is_a_bad_request(app, admin, version):
    assert save(admin, "imprint", version, en="Text").status_code == 400
    assert stored(app, LegalPageKey.IMPRINT) is None


def test_unknown_pages_are_not_found(admin):
    assert admin.get("/admin/legal/terms").status_code == 404
    assert admin.get("/terms").status_code == 404


def test_editors_and_visitors_may_not_edit(app, client, make_user, login):
    assert client.get("/admin/legal/imprint").status_code == 302  # to sign-in
    make_user(email="editor@example.org", role=Role.EDITOR)
    login(client, "editor@example.org")
    assert client.get("/admin/legal").status_code == 403
    assert client.get("/admin/legal/imprint").status_code == 403
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/admin/legal/imprint", data={
        "csrf_token": token, "version": "0", "body-en": "Hijacked"})
    assert response.status_code == 403
    assert stored(app, LegalPageKey.IMPRINT) is None
    assert get_page(client, "/imprint").links_to("/admin/legal") == []


def test_the_service_refuses_non_admins(app, make_user):
    editor = make_user(email="editor@example.org", role=Role.EDITOR)
    with app.app_context(), pytest.raises(Forbidden):
        legal.save_page(db.session, db.session.get_one(User, editor.id), LegalPageKey.IMPRINT,
                        {"en": "x"}, expected_version=0)


def test_every_save_is_in_the_audit_log(app, admin):
    save(admin, "imprint", 0, en="One", de="Eins")
    save(admin, "imprint", 1, en="One", de="Zwei")
    save(admin, "imprint", 2, en="One", de="Zwei")  # unchanged: nothing to record
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "legal_page.updated").order_by(AuditEvent.id)).all()
        assert [(event.actor_email, event.target_type, event.target_id, event.details)
                for event in events] == [
            (ADMIN, "legal_page", "imprint", {"languages": ["de", "en"], "version": 1}),
            (ADMIN, "legal_page", "imprint", {"languages": ["de"], "version": 2}),
        ]
        assert legal.get_page(db.session, LegalPageKey.IMPRINT).updated_by_id == \
            events[0].actor_id
    log = get_page(admin, "/admin/audit?action=legal_page.&lang=en")
    assert "Legal page changed" in log.text


def test_the_overview_lists_the_three_pages(admin):
    save(admin, "privacy", 0, en="Text", fr="Texte")
    page = get_page(admin, "/admin/legal?lang=en")
    assert [anchor["href"] for anchor in page.links_to("/admin/legal/")] == [
        "/admin/legal/imprint", "/admin/legal/privacy", "/admin/legal/accessibility"]
    assert "English, Français" in page.text
    assert "Not published yet" in page.text


@pytest.mark.parametrize(("typed", "stored_html"), [
    ("One\n\nTwo", "<p>One</p>\n<p>Two</p>"),
    ("One\r\nline two", "<p>One<br>\nline two</p>"),
    ("<p>Kept</p>\n\n<ul><li>a</li></ul>", "<p>Kept</p>\n<ul><li>a</li></ul>"),
    ("<h1>Big</h1> & <img src=x onerror=y>", "<p>Big &amp;</p>"),
    ("<script>alert(1)</script>\n\nAfter", "<p>After</p>"),
    ("Intro:\n<ul><li>a</li></ul>", "Intro:\n<ul><li>a</li></ul>"),
    ("<h3 style=\"color:red\">Sub</h3>", "<h3>Sub</h3>"),
    ("<a href=\"tel:+4961511234\">Call</a>",
     "<p><a href=\"tel:+4961511234\" rel=\"nofollow noopener noreferrer\">Call</a></p>"),
])
def test_the_stored_form_of_typed_text(typed, stored_html):
    assert legal.body_html(typed) == stored_html
    assert legal.body_html(stored_html) == stored_html  # saving again changes nothing


def test_two_saves_of_one_version_cannot_both_win(app, make_user):
    admin = make_user(email=ADMIN, role=Role.ADMIN)
    with app.app_context():
        actor = db.session.get_one(User, admin.id)
        legal.save_page(db.session, actor, LegalPageKey.IMPRINT, {"en": "A"}, expected_version=0)
        db.session.commit()
    with app.app_context():
        actor = db.session.get_one(User, admin.id)
        legal.save_page(db.session, actor, LegalPageKey.IMPRINT, {"en": "B"}, expected_version=1)
        db.session.commit()
        with pytest.raises(VersionConflict):
            legal.save_page(db.session, actor, LegalPageKey.IMPRINT, {"en": "C"},
                            expected_version=1)


def test_two_first_saves_of_a_new_page_cannot_both_win(app, make_user, monkeypatch):
    admin = make_user(email=ADMIN, role=Role.ADMIN)
    with app.app_context():
        actor = db.session.get_one(User, admin.id)
        legal.save_page(db.session, actor, LegalPageKey.PRIVACY, {"en": "A"}, expected_version=0)
        db.session.commit()
    # the second admin read the page before the first one's row was committed
    monkeypatch.setattr(legal, "get_page", lambda session, key: None)
    with app.app_context():
        actor = db.session.get_one(User, admin.id)
        with pytest.raises(VersionConflict):
            legal.save_page(db.session, actor, LegalPageKey.PRIVACY, {"en": "B"},
                            expected_version=0)
        db.session.rollback()
    monkeypatch.undo()
    assert stored(app, LegalPageKey.PRIVACY).body == {"en": "<p>A</p>"}


def test_a_long_page_can_be_saved_again_from_its_form(app, admin):
    # typed text grows when it becomes HTML (paragraphs, line breaks, entities)
    typed = "\n\n".join(f"Line {n} & more\nsecond line" for n in range(2500))
    assert len(typed) < legal.MAX_BODY_LENGTH
    assert save(admin, "privacy", 0, de=typed).status_code == 302
    first = stored(app, LegalPageKey.PRIVACY).body["de"]
    assert len(first) > len(typed)
    # the form shows the stored HTML; sending it back unchanged is accepted and changes nothing
    assert save(admin, "privacy", 1, de=first).status_code == 302
    again = stored(app, LegalPageKey.PRIVACY)
    assert again.body["de"] == first
    assert again.version == 1
