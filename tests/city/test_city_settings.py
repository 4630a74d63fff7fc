"""City settings: the rules (colours and their contrast, time zone, language, map centre,
versions), the admins' page, the accessor's fallback to the configuration, the generated
stylesheet and the category list's rules."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from server.city_settings import city, load_city
from server.extensions import db
from tests.support.accounts import csrf_token_from
from tours import city as city_rules
from tours.errors import Forbidden
from tours.models import AuditEvent, Category, CitySettings, Role, User
from tours.validation import InvalidChoice, OutOfRange, VersionConflict

ADMIN = "admin@example.org"
GOOD = {"name": "Neustadt", "header_colour": "#003366", "header_text": "light",
        "accent_colour": "#8a1c1c", "default_language": "de", "time_zone": "Europe/Vienna",
        "map_latitude": 48.2, "map_longitude": 16.37}


@pytest.fixture
def admin(client, make_user, login):
    """The test client, signed in as an admin."""
    make_user(email=ADMIN, role=Role.ADMIN)
    login(client, ADMIN)
    return client


def actor(email: str = ADMIN) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def form(**changes: object) -> dict[str, str]:
    values = {**GOOD, **changes}
    return {name: "" if value is None else str(value) for name, value in values.items()}


def post_settings(client, version: int | str = 0, files: dict | None = None, **changes: object):
    page = client.get("/admin/settings").get_data(as_text=True)
    data: dict[str, object] = {"csrf_token": csrf_token_from(page), "version": str(version),
                               **form(**changes)}
    data.update(files or {})
    return client.post("/admin/settings", data=data, content_type="multipart/form-data")


def stored(app: Flask) -> CitySettings | None:
    with app.app_context():
        row = city_rules.get_settings(db.session)
        if row is not None:
            db.session.expunge(row)
        return row


# --- the rules ----------------------------------------------------------------------------

def test_contrast_ratio_follows_wcag():
    assert city_rules.contrast_ratio("#ffffff", "#000000") == pytest.approx(21)
    assert city_rules.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert city_rules.contrast_ratio("#1d5c63", "#ffffff") > 4.5


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"header_colour": "red"}, "header_colour", "six hexadecimal digits"),
    ({"header_colour": "#12345"}, "header_colour", "six hexadecimal digits"),
    ({"accent_colour": "#12345g"}, "accent_colour", "six hexadecimal digits"),
    # light text on a light header
    ({"header_colour": "#ffcc00", "header_text": "light"}, "header_colour", "at least 4.5:1"),
    # dark text on a dark header
    ({"header_colour": "#003366", "header_text": "dark"}, "header_colour", "at least 4.5:1"),
    # #777 on white is 4.48:1: just not enough
    ({"accent_colour": "#777777"}, "accent_colour", "at least 4.5:1"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "time zone"),
    ({"time_zone": "../../etc/passwd"}, "time_zone", "time zone"),
    ({"time_zone": ""}, "time_zone", "time zone"),
    ({"name": "   "}, "name", "required"),
    ({"name": "x" * 121}, "name", "at most"),
])
def test_bad_settings_are_refused_naming_the_field(changes, field, message):
    with pytest.raises(city_rules.InvalidValue) as refused:
        city_rules.clean_settings({**GOOD, **changes})
    assert refused.value.field == field
    assert message in refused.value.message % refused.value.params


def test_language_and_map_centre_are_checked():
    with pytest.raises(InvalidChoice):
        city_rules.clean_settings({**GOOD, "default_language": "it"})
    with pytest.raises(OutOfRange):
        city_rules.clean_settings({**GOOD, "map_latitude": 91.0})
    with pytest.raises(city_rules.InvalidValue):  # both or neither
        city_rules.clean_settings({**GOOD, "map_longitude": None})
    cleaned = city_rules.clean_settings({**GOOD, "map_latitude": None, "map_longitude": None,
                                         "header_colour": " #FFCC00 ", "header_text": "dark"})
    assert cleaned["header_colour"] == "#ffcc00"
    assert cleaned["map_latitude"] is None


def test_saving_checks_the_version_and_is_audited(app_context, make_user):
    make_user(email=ADMIN, role=Role.ADMIN)
    settings, changed = city_rules.save_settings(db.session, actor(), GOOD, expected_version=0)
    assert changed
    assert settings.version == 1
    with pytest.raises(VersionConflict):
        city_rules.save_settings(db.session, actor(), {**GOOD, "name": "Other"},
                                 expected_version=0)
    _same, changed = city_rules.save_settings(db.session, actor(), GOOD, expected_version=1)
    assert not changed
    settings, changed = city_rules.save_settings(db.session, actor(), {**GOOD, "name": "Alt"},
                                                 expected_version=1)
    assert changed
    assert settings.version == 2
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == city_rules.SETTINGS_UPDATED).order_by(AuditEvent.id)).all()
    assert [event.details["fields"] for event in events][-1] == ["name"]
    assert len(events) == 2


def test_only_admins_save(app_context, make_user):
    editor = make_user(email="editor@example.org", role=Role.EDITOR)
    with pytest.raises(Forbidden):
        city_rules.save_settings(db.session, db.session.get(User, editor.id), GOOD,
                                 expected_version=0)


# --- the accessor and the stylesheet -----------------------------------------------------

def test_without_a_row_the_configuration_applies(app):
    app.config.update(CITY_NAME="Configtown", DEFAULT_LANGUAGE="fr",
                      CITY_TIME_ZONE="Europe/Paris")
    with app.test_request_context("/"):
        current = city()
        assert (current.name, current.default_language, current.time_zone) == (
            "Configtown", "fr", "Europe/Paris")
        assert current.version == 0
        assert current.header_colour == city_rules.DEFAULT_HEADER_COLOUR
    css = app.test_client().get("/assets/city.css")
    assert css.mimetype == "text/css"
    assert f"--header: {city_rules.DEFAULT_HEADER_COLOUR};" in css.get_data(as_text=True)


def test_a_save_applies_at_the_next_request(app, admin):
    visitor = app.test_client()
    assert "Flaneur" in visitor.get("/?lang=en").get_data(as_text=True)
    before = visitor.get("/assets/city.css")
    assert post_settings(admin).status_code == 302
    # a new visitor (no language cookie) whose browser asks for a language the site lacks
    html = app.test_client().get("/", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert '<a class="brand" href="/">Neustadt</a>' in html
    assert '<html lang="de">' in html  # the city's language for a visitor asking for none
    css = visitor.get("/assets/city.css")
    body = css.get_data(as_text=True)
    assert "--header: #003366;" in body
    assert "--header-ink: #ffffff;" in body
    assert "--accent: #8a1c1c;" in body
    assert css.headers["ETag"] != before.headers["ETag"]
    assert "max-age=300" in css.headers["Cache-Control"]
    # the link carries the stylesheet's hash, so browsers fetch the new one at once
    assert f"/assets/city.css?v={css.headers['ETag'].strip(chr(34))}" in html
    again = visitor.get("/assets/city.css", headers={"If-None-Match": css.headers["ETag"]})
    assert again.status_code == 304
    with app.app_context():
        assert load_city().time_zone == "Europe/Vienna"
        assert load_city().map_centre == (48.2, 16.37)


# --- the page -----------------------------------------------------------------------------

def test_the_page_is_for_admins_only(app, client, make_user, login):
    assert client.get("/admin/settings").status_code == 302  # to sign-in
    make_user(email="editor@example.org", role=Role.EDITOR)
    login(client, "editor@example.org")
    assert client.get("/admin/settings").status_code == 403
    assert client.get("/admin/categories").status_code == 403
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "/admin/settings" not in html


def test_admins_see_the_page_with_links_to_legal_pages(admin):
    html = admin.get("/admin/settings?lang=en").get_data(as_text=True)
    assert "City settings" in html
    for key in ("imprint", "privacy", "accessibility"):
        assert f'href="/admin/legal/{key}"' in html
    assert 'href="/admin/categories"' in html
    assert 'href="/admin/settings"' in admin.get("/?lang=en").get_data(as_text=True)  # nav


def test_a_bad_value_is_shown_next_to_its_input(app, admin):
    response = post_settings(admin, accent_colour="#777777", name="Kept name")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="error-accent_colour"' in html
    assert "4.47:1" in html  # rounded down, never up to a passing 4.5
    assert 'value="Kept name"' in html
    assert stored(app) is None


def test_a_stale_form_meets_a_conflict_and_keeps_the_input(app, admin, make_user, login):
    assert post_settings(admin, name="First").status_code == 302
    other = app.test_client()
    make_user(email="other-admin@example.org", role=Role.ADMIN)
    login(other, "other-admin@example.org")
    assert post_settings(other, 1, name="Theirs").status_code == 302
    response = post_settings(admin, 1, name="Mine")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    # the city's default language (German in this form) speaks to an admin without a choice
    assert "Jemand anderes hat die Einstellungen inzwischen gespeichert." in html
    assert "Theirs" in html
    assert 'value="Mine"' in html
    assert 'name="version" value="2"' in html
    assert stored(app).name == "Theirs"
    assert post_settings(admin, 2, name="Mine").status_code == 302
    assert stored(app).name == "Mine"


@pytest.mark.parametrize("version", ["", "abc", "1" * 12])
def test_a_broken_version_is_a_bad_request(app, admin, version):
    assert post_settings(admin, version).status_code == 400


def _png(width: int = 200, height: int = 80) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_a_logo_is_re_encoded_and_shown_with_the_city_name(app, admin):
    response = post_settings(admin, files={"logo": (io.BytesIO(_png()), "logo.png")})
    assert response.status_code == 302
    logo = stored(app).logo
    assert logo is not None
    assert logo["original_key"].startswith("city/originals/")
    html = app.test_client().get("/?lang=en").get_data(as_text=True)
    assert 'class="brand-logo"' in html
    assert 'alt="Neustadt"' in html
    refused = post_settings(admin, 1, files={"logo": (io.BytesIO(b"not an image"), "x.png")})
    assert refused.status_code in (415, 422)
    assert 'id="error-logo"' in refused.get_data(as_text=True)
    assert stored(app).logo == logo
    removed = post_settings(admin, 1, remove_logo="1")
    assert removed.status_code == 302
    assert stored(app).logo is None


# --- categories ---------------------------------------------------------------------------

def category_form(client, path: str, **fields: str):
    page = client.get(path).get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "osm_key": "shop", "osm_value": "tea",
            "schema_type": "Store", "position": "5", "label-en": "Tea", "label-de": "Tee",
            **fields}
    return client.post(path, data=data)


def test_admins_add_edit_and_delete_an_unused_category(app, admin):
    assert category_form(admin, "/admin/categories/new", key="tea").status_code == 302
    listing = admin.get("/admin/categories?lang=en").get_data(as_text=True)
    assert "shop=tea" in listing
    assert category_form(admin, "/admin/categories/tea", schema_type="GroceryStore",
                         **{"label-fr": "Thé"}).status_code == 302
    with app.app_context():
        tea = db.session.get(Category, "tea")
        assert tea.schema_type == "GroceryStore"
        assert tea.label == {"de": "Tee", "en": "Tea", "fr": "Thé"}
        assert tea.position == 5
    token = csrf_token_from(listing)
    assert admin.post("/admin/categories/tea/delete",
                      data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.get(Category, "tea") is None
        actions = set(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.target_type == "category")))
    assert actions == {"category.created", "category.updated", "category.deleted"}


@pytest.mark.parametrize(("fields", "error"), [
    ({"key": "Tea!"}, "error-key"),
    ({"key": "bakery"}, None),  # taken: a form-wide message
    ({"key": "tea", "osm_value": "Tea Shop"}, "error-osm_value"),
    ({"key": "tea", "osm_key": "building"}, "error-osm_key"),
    ({"key": "tea", "schema_type": "store<script>"}, "error-schema_type"),
    ({"key": "tea", "label-en": "", "label-de": ""}, "error-label-de"),
    ({"key": "tea", "position": "-3"}, "error-position"),
])
def test_bad_categories_are_refused(app, admin, fields, error):
    response = category_form(admin, "/admin/categories/new", **fields)
    assert response.status_code in (400, 409)
    html = response.get_data(as_text=True)
    if error:
        assert f'id="{error}"' in html
    else:
        assert response.status_code == 409
        assert "exists already" in html
    with app.app_context():
        assert db.session.get(Category, "tea") is None


def test_a_category_in_use_cannot_be_deleted(app, admin, make_shop):
    make_shop(slug="baeckerei", name={"de": "Bäckerei"}, category="bakery")
    listing = admin.get("/admin/categories?lang=en").get_data(as_text=True)
    assert "In use: cannot be deleted" in listing
    response = admin.post("/admin/categories/bakery/delete",
                          data={"csrf_token": csrf_token_from(listing)})
    assert response.status_code == 409
    assert "cannot be deleted while shops use it (1)" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Category, "bakery") is not None
    assert admin.post("/admin/categories/nope/delete",
                      data={"csrf_token": csrf_token_from(listing)}).status_code == 404
    assert admin.get("/admin/categories/nope").status_code == 404
