"""The pages where owners keep their shops and editors moderate: /my/shops and /staff/moderation.

Every request goes through a signed-in browser session with the page's CSRF token, like a
person using the forms.
"""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from server import shop_forms
from server.extensions import db
from server.storage_setup import originals_storage, public_storage
from tests.support.accounts import csrf_token_from, log_in
from tours.models import ChangeRequest, ImageKind, Offer, Shop, ShopImage, ShopStatus

#: the profile form, filled in completely
FULL_FORM: dict[str, Any] = {
    "name-de": "Café Sonnenschein", "name-en": "Sunshine Café", "name-es": "Café Sol",
    "name-fr": "Café Soleil",
    "short_description-de": "Kaffee und Kuchen am Markt",
    "short_description-en": "Coffee and cake on the market square",
    "short_description-es": "Café y pasteles en la plaza",
    "short_description-fr": "Café et gâteaux sur la place",
    "description-de": "<p>Seit <strong>1952</strong>.</p><script>alert(1)</script>",
    "description-en": "<p>Since 1952.</p>",
    "category": "cafe", "slug": "",
    "street": "Marktplatz", "house_number": "3", "postal_code": "64283",
    "locality": "Darmstadt", "country": "de",
    "latitude": "49,8728", "longitude": "8.6512",
    "venue": "Markthalle", "level": "EG", "unit": "B-17",
    "phone": "06151 123456", "whatsapp": "+49 151 23456789", "email": "Hallo@Sonnenschein.de",
    "website": "https://sonnenschein.example", "online_shop_url": "https://shop.example/sonne",
    "social_links": "https://social.example/sonne\r\n\r\nhttps://photos.example/sonne\r\n",
    "payment_methods": ["cash", "voucher"],
    "wheelchair": "limited", "step_free_entrance": "yes", "time_zone": "Europe/Berlin",
    # a lunch break on weekdays, a late night on Friday and Saturday
    "hours-1": "09:00-12:30, 14:00-18:30", "hours-2": "9-12:30,14:00-18:30",
    "hours-3": "", "hours-4": "09:00-12:30, 14:00-18:30", "hours-5": "09:00-12:30, 18:00-02:00",
    "hours-6": "10:00 – 02:00", "hours-7": "",
    # a closure over Christmas, a short day on New Year's Eve, and three empty rows
    "special-0-from": "2026-12-24", "special-0-to": "2026-12-26", "special-0-closed": "1",
    "special-0-hours": "", "special-0-reason": "Weihnachten",
    "special-1-from": "2026-12-31", "special-1-to": "", "special-1-hours": "10:00-14:00",
    "special-1-reason": "Silvester",
    "special-2-from": "", "special-2-to": "", "special-2-hours": "", "special-2-reason": "",
    "special-3-from": "", "special-3-to": "", "special-3-hours": "", "special-3-reason": "",
}


def jpeg(color=(200, 80, 40), size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.fixture
def browser_of(app: Flask):
    """``browser_of(person)``: a test client signed in as the person, through /login."""

    def sign_in(person) -> FlaskClient:
        client = app.test_client()
        response = log_in(client, person.user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


def post_form(client: FlaskClient, page: str, action: str, data: dict[str, Any],
              **options: Any):
    """Open ``page`` like a browser, then post ``data`` with the page's CSRF token."""
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(action, data={**data, "csrf_token": token}, **options)


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def field_html(html: str, name: str) -> str:
    """The markup of the form field holding input ``name`` (up to the next field)."""
    start = html.index(f'id="f-{name}"')
    block_start = html.rindex('<div class="field', 0, start)
    block_end = html.find('<div class="field', start)
    return html[block_start:block_end if block_end > 0 else None]


def create_shop_via_form(client: FlaskClient, **changes: Any) -> int:
    response = post_form(client, "/my/shops/new?lang=de", "/my/shops/new?lang=de",
                         {**FULL_FORM, **changes})
    assert response.status_code == 302, text_of(response)
    match = re.fullmatch(r"/my/shops/(\d+)/edit", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match[1])


def stored_shop(app: Flask, shop_id: int) -> Shop:
    with app.app_context():
        shop = db.session.get(Shop, shop_id)
        _ = shop.owners, shop.images, shop.offers
        db.session.expunge_all()
        return shop


def snapshot(app: Flask) -> tuple[Any, ...]:
    with app.app_context():
        shops = [(shop.id, shop.version, shop.name, shop.website, shop.status)
                 for shop in db.session.scalars(select(Shop).order_by(Shop.id))]
        images = db.session.scalar(select(func.count()).select_from(ShopImage))
        changes = db.session.scalar(select(func.count()).select_from(ChangeRequest))
        offers = db.session.scalar(select(func.count()).select_from(Offer))
        keys = (sorted(originals_storage().list_keys()), sorted(public_storage().list_keys()))
    return shops, images, changes, offers, keys


# --- reading the form ------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "intervals"), [
    ("", []),
    ("09:00-12:30, 14:00-18:30", [("09:00", "12:30"), ("14:00", "18:30")]),
    ("9-18", [("09:00", "18:00")]),
    ("9.30 – 18h", [("09:30", "18:00")]),
    ("9h30-12h; 14h-18h30", [("09:30", "12:00"), ("14:00", "18:30")]),
    ("22:00-02:00,", [("22:00", "02:00")]),
    ("18:00-24:00", [("18:00", "24:00")]),
])
def test_opening_times_are_read_as_people_write_them(typed, intervals):
    parsed = shop_forms.parse_intervals(typed, field="hours-1")
    assert [(entry["opens"], entry["closes"]) for entry in parsed] == intervals


@pytest.mark.parametrize("typed", ["nine to five", "09:00", "09:00-", "0900-1800",
                                   "09:00-12:00 14:00-18:00", "123:00-13:00"])
def test_other_writings_of_opening_times_are_refused(typed):
    with pytest.raises(shop_forms.IntervalSyntax) as refused:
        shop_forms.parse_intervals(typed, field="hours-3")
    assert refused.value.field == "hours-3"


def test_service_errors_find_their_input():
    parsed = shop_forms.ParsedProfile(fields={}, weekly_days=(1, 1, 3, 5),
                                      special_rows=(0, 2))
    assert shop_forms.input_of("opening_hours.weekly.2.closes", parsed, "de") == "hours-3"
    assert shop_forms.input_of("opening_hours.weekly.3", parsed, "de") == "hours-5"
    assert shop_forms.input_of("opening_hours.special.1.intervals.0.opens", parsed,
                               "de") == "special-2-hours"
    assert shop_forms.input_of("opening_hours.special.1.reason.fr", parsed,
                               "de") == "special-2-reason"
    assert shop_forms.input_of("opening_hours.special.0.to", parsed, "de") == "special-0-to"
    assert shop_forms.input_of("opening_hours", parsed, "de") == "hours"
    assert shop_forms.input_of("name", parsed, "fr") == "name-fr"
    assert shop_forms.input_of("description.es", parsed, "fr") == "description-es"
    assert shop_forms.input_of("social_links.3", parsed, "de") == "social_links"
    assert shop_forms.input_of("category_key", parsed, "de") == "category"
    assert shop_forms.input_of("comment", parsed, "de") is None


# --- signing in, who sees what --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/my/shops", "/my/shops/new", "/my/shops/1/edit",
                                  "/staff/moderation"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_posts_change_nothing(app, client, cast, make_shop):
    shop = make_shop(owners=(cast.owner_a.user,))
    before = snapshot(app)
    for path in (f"/my/shops/{shop.id}/edit", f"/my/shops/{shop.id}/submit", "/my/shops/new"):
        response = client.post(path, data={"name-de": "Gekapert"})
        assert response.status_code in (302, 400)
    assert snapshot(app) == before


def test_owners_see_their_shops_and_editors_every_shop(browser_of, cast, make_shop):
    make_shop(owners=(cast.owner_a.user,), slug="annas-laden", name={"de": "Annas Laden"})
    make_shop(owners=(cast.owner_b.user,), slug="berts-buecher", name={"de": "Berts Bücher"},
              status=ShopStatus.PUBLISHED)
    anna = text_of(browser_of(cast.owner_a).get("/my/shops?lang=en"))
    assert "Annas Laden" in anna
    assert "Berts Bücher" not in anna
    assert "Draft" in anna
    assert "never" in anna
    assert "New shop" in anna
    editor = browser_of(cast.editor)
    everything = text_of(editor.get("/my/shops?lang=en"))
    assert "Annas Laden" in everything
    assert "Berts Bücher" in everything
    published = text_of(editor.get("/my/shops?lang=en&status=published"))
    assert "Berts Bücher" in published
    assert "Annas Laden" not in published
    german = text_of(editor.get("/my/shops?lang=de&status=published"))
    assert "Veröffentlicht" in german or "Published" in german  # until the lead translates
    assert editor.get("/my/shops?status=nonsense").status_code == 400


# --- the profile form -----------------------------------------------------------------------


def test_an_owner_creates_a_shop_with_every_field(app, browser_of, cast):
    anna = browser_of(cast.owner_a)
    shop_id = create_shop_via_form(anna)
    shop = stored_shop(app, shop_id)
    assert shop.status is ShopStatus.DRAFT
    assert [owner.id for owner in shop.owners] == [cast.owner_a.user.id]
    assert shop.slug == "cafe-sonnenschein"  # made from the name
    assert shop.name == {"de": "Café Sonnenschein", "en": "Sunshine Café", "es": "Café Sol",
                         "fr": "Café Soleil"}
    assert shop.short_description["fr"] == "Café et gâteaux sur la place"
    assert shop.description == {"de": "<p>Seit <strong>1952</strong>.</p>",
                                "en": "<p>Since 1952.</p>"}
    assert (shop.category_key, shop.street, shop.house_number, shop.postal_code,
            shop.locality, shop.country) == ("cafe", "Marktplatz", "3", "64283", "Darmstadt",
                                             "DE")
    assert (shop.latitude, shop.longitude) == (49.8728, 8.6512)
    assert (shop.venue, shop.level, shop.unit) == ("Markthalle", "EG", "B-17")
    assert (shop.phone, shop.whatsapp, shop.email) == ("+496151123456", "+4915123456789",
                                                       "hallo@sonnenschein.de")
    assert shop.website == "https://sonnenschein.example"
    assert shop.online_shop_url == "https://shop.example/sonne"
    assert shop.social_links == ["https://social.example/sonne", "https://photos.example/sonne"]
    assert shop.payment_methods == ["cash", "voucher"]
    assert (shop.wheelchair.value, shop.step_free_entrance, shop.time_zone) == (
        "limited", True, "Europe/Berlin")
    weekly = [(row["day"], row["opens"], row["closes"]) for row in shop.opening_hours["weekly"]]
    assert weekly == [
        (1, "09:00", "12:30"), (1, "14:00", "18:30"), (2, "09:00", "12:30"),
        (2, "14:00", "18:30"), (4, "09:00", "12:30"), (4, "14:00", "18:30"),
        (5, "09:00", "12:30"), (5, "18:00", "02:00"), (6, "10:00", "02:00")]
    assert shop.opening_hours["special"] == [
        {"from": "2026-12-24", "to": "2026-12-26", "closed": True, "intervals": [],
         "reason": {"de": "Weihnachten"}},
        {"from": "2026-12-31", "to": "2026-12-31", "closed": False,
         "intervals": [{"opens": "10:00", "closes": "14:00"}], "reason": {"de": "Silvester"}}]
    # the page language was German (Accept-Language missing: the city's default is English)


def test_the_edit_page_shows_what_is_stored(app, browser_of, cast):
    anna = browser_of(cast.owner_a)
    shop_id = create_shop_via_form(anna)
    page = text_of(anna.get(f"/my/shops/{shop_id}/edit?lang=de"))
    assert "als Entwurf gespeichert" in page  # the German flash message
    assert 'value="09:00-12:30, 14:00-18:30"' in page
    assert 'value="18:00-02:00' not in page
    assert 'value="09:00-12:30, 18:00-02:00"' in page
    assert 'value="2026-12-24"' in page
    assert 'value="Weihnachten"' in page
    assert 'value="Sunshine Café"' in page
    assert 'value="Café Soleil"' in page
    assert 'value="cash" checked' in re.sub(r"\s+", " ", page)
    assert "Mo-Mo" not in page  # OSM preview is well formed
    assert "Tu,Th 09:00-12:30,14:00-18:30" in page or "09:00-12:30,14:00-18:30" in page
    # the slug belongs to the editors once the shop exists
    assert 'name="slug"' not in page
    assert "cafe-sonnenschein" in page
    editor_page = text_of(browser_of(cast.editor).get(f"/my/shops/{shop_id}/edit"))
    assert 'name="slug"' in editor_page


def test_saving_keeps_the_other_languages_of_special_day_reasons(app, browser_of, cast):
    anna = browser_of(cast.owner_a)
    shop_id = create_shop_via_form(anna, **{"special-0-reason": "Weihnachten"})
    edit = f"/my/shops/{shop_id}/edit"
    form = {**FULL_FORM, "special-0-reason": "Christmas", "version": "1"}
    del form["slug"]
    response = post_form(anna, edit + "?lang=en", edit + "?lang=en", form)
    assert response.status_code == 302, text_of(response)
    reason = stored_shop(app, shop_id).opening_hours["special"][0]["reason"]
    assert reason == {"de": "Weihnachten", "en": "Christmas"}


def test_a_plain_text_description_becomes_paragraphs_and_reads_back_as_typed(
        app, browser_of, cast):
    anna = browser_of(cast.owner_a)
    typed = "Seit 1952 am Markt.\r\n\r\nKaffee & Kuchen,\r\n<3 jeden Tag"
    shop_id = create_shop_via_form(anna, **{"description-de": typed})
    stored = stored_shop(app, shop_id).description["de"]
    assert stored == "<p>Seit 1952 am Markt.</p><p>Kaffee &amp; Kuchen,<br>&lt;3 jeden Tag</p>"
    page = anna.get(f"/my/shops/{shop_id}/edit?lang=en").get_data(as_text=True)
    assert ">Seit 1952 am Markt.\n\nKaffee &amp; Kuchen,\n&lt;3 jeden Tag</textarea>" in page


@pytest.mark.parametrize(("changes", "input_name", "message"), [
    ({"website": "javascript:alert(1)"}, "website", "Enter a complete web address"),
    ({"phone": "12"}, "phone", "Enter a valid phone number"),
    ({"hours-3": "09:00-13:00, 12:00-18:00"}, "hours-3", "overlap"),
    ({"hours-2": "nine to five"}, "hours-2", "Write opening times like"),
    ({"hours-4": "09:00-25:00"}, "hours-4", "Enter a time as HH:MM"),
    ({"latitude": "north"}, "latitude", "Enter a number"),
    ({"special-1-closed": "1"}, "special-1-hours", "cannot have opening times"),
    ({"special-2-from": "2026-13-40", "special-2-closed": "1"}, "special-2-from",
     "Enter a date as YYYY-MM-DD"),
    ({"name-de": "", "name-en": "", "name-es": "", "name-fr": ""}, "name-en",
     "at least one language"),
    ({"time_zone": "Mars/Olympus"}, "time_zone", "time zone"),
    ({"social_links": "https://ok.example\nftp://files.example"}, "social_links",
     "Enter a complete web address"),
])
def test_a_refused_input_shows_its_message_and_keeps_everything(
        app, browser_of, cast, changes, input_name, message):
    anna = browser_of(cast.owner_a)
    before = snapshot(app)
    response = post_form(anna, "/my/shops/new?lang=en", "/my/shops/new?lang=en",
                         {**FULL_FORM, **changes})
    assert response.status_code == 400
    html = text_of(response)
    assert message in field_html(html, input_name)
    assert 'aria-invalid="true"' in field_html(html, input_name)
    assert html.count('class="error"') == 1  # only next to the input that caused it
    assert "Some entries need your attention" in html
    # everything typed is still there
    for name in ("name-fr", "short_description-es", "street", "email", "hours-1"):
        expected = changes.get(name, FULL_FORM[name])
        assert f'value="{expected}"' in field_html(html, name)
    assert "Seit &lt;strong&gt;1952" in response.get_data(as_text=True)
    assert 'value="Weihnachten"' in html
    assert 'value="2026-12-31"' in html
    assert snapshot(app) == before


def test_a_stale_version_keeps_the_input_and_explains(app, browser_of, cast):
    anna = browser_of(cast.owner_a)
    shop_id = create_shop_via_form(anna)
    edit = f"/my/shops/{shop_id}/edit?lang=en"
    page = text_of(anna.get(edit))
    version = re.search(r'name="version" value="(\d+)"', page)[1]
    editor = browser_of(cast.editor)
    assert post_form(editor, edit, edit, {**FULL_FORM, "slug": "cafe-sonnenschein",
                                          "level": "1. OG", "version": version}
                     ).status_code == 302
    mine = {**FULL_FORM, "unit": "C-3", "version": version}
    del mine["slug"]
    response = post_form(anna, edit, edit, mine)
    assert response.status_code == 409
    html = text_of(response)
    assert "Someone else saved this shop in the meantime" in html
    assert 'value="C-3"' in html
    assert stored_shop(app, shop_id).unit == "B-17"
    # saving again is now based on the stored version
    new_version = re.search(r'name="version" value="(\d+)"', html)[1]
    assert new_version != version
    response = post_form(anna, edit, edit, {**mine, "version": new_version})
    assert response.status_code == 302
    assert stored_shop(app, shop_id).unit == "C-3"


def test_a_taken_address_name_is_shown_at_the_slug(app, browser_of, cast, make_shop):
    make_shop(slug="sunshine-cafe")  # the one the English name gives
    anna = browser_of(cast.owner_a)
    response = post_form(anna, "/my/shops/new?lang=en", "/my/shops/new?lang=en", FULL_FORM)
    assert response.status_code == 409
    assert "is already used" in field_html(text_of(response), "slug")


# --- logo and photos ------------------------------------------------------------------------


def test_several_photos_at_once_the_bad_one_is_reported(app, browser_of, cast):
    anna = browser_of(cast.owner_a)
    shop_id = create_shop_via_form(anna)
    edit = f"/my/shops/{shop_id}/edit?lang=en"
    files = [(io.BytesIO(jpeg((200, 80, 40))), "window.jpg"),
             (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "drawing.jpg"),
             (io.BytesIO(jpeg((40, 80, 200))), "counter.jpg")]
    response = post_form(anna, edit, f"/my/shops/{shop_id}/images",
                         {"kind": "photo", "files": files},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    # a refusal is read at the top of the page, where the messages are
    assert response.headers["Location"].endswith(f"/my/shops/{shop_id}/edit")
    page = text_of(anna.get(edit))
    assert "drawing.jpg was not added: Vector files (SVG, PDF) are not accepted" in page
    assert "Added: window.jpg, counter.jpg." in page
    shop = stored_shop(app, shop_id)
    assert [image.kind for image in shop.images] == [ImageKind.PHOTO, ImageKind.PHOTO]
    assert page.count('class="image-card"') == 2
    with app.app_context():
        assert len(list(originals_storage().list_keys())) == 2
        assert len(list(public_storage().list_keys())) == 4
    # describe one for screen readers, remove the other
    first, second = (image.id for image in shop.photos)
    response = post_form(anna, edit, f"/my/shops/{shop_id}/images/{first}/alt",
                         {"alt-en": "The shop window", "alt-de": "Das Schaufenster"})
    assert response.status_code == 302
    assert stored_shop(app, shop_id).images[0].alt_text == {"de": "Das Schaufenster",
                                                            "en": "The shop window"}
    assert 'alt="The shop window"' in text_of(anna.get(edit))
    response = post_form(anna, edit, f"/my/shops/{shop_id}/images/{second}/delete", {})
    assert response.status_code == 302
    assert [image.id for image in stored_shop(app, shop_id).images] == [first]
    with app.app_context():
        assert len(list(public_storage().list_keys())) == 2


def test_uploading_nothing_or_a_logo(app, browser_of, cast):
    anna = browser_of(cast.owner_a)
    shop_id = create_shop_via_form(anna)
    edit = f"/my/shops/{shop_id}/edit?lang=en"
    response = post_form(anna, edit, f"/my/shops/{shop_id}/images", {"kind": "photo"},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    assert "Choose one or more image files first." in text_of(anna.get(edit))
    logo = io.BytesIO()
    Image.new("RGBA", (200, 200), (0, 90, 200, 255)).save(logo, "PNG")
    response = post_form(anna, edit, f"/my/shops/{shop_id}/images",
                         {"kind": "logo", "files": [(io.BytesIO(logo.getvalue()), "logo.png")]},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    assert [image.kind for image in stored_shop(app, shop_id).images] == [ImageKind.LOGO]
    bad = post_form(anna, edit, f"/my/shops/{shop_id}/images", {"kind": "banner"},
                    content_type="multipart/form-data")
    assert bad.status_code == 400


# --- offers ---------------------------------------------------------------------------------


def test_offers_use_the_shops_local_time(app, browser_of, cast):
    anna = browser_of(cast.owner_a)
    shop_id = create_shop_via_form(anna)
    edit = f"/my/shops/{shop_id}/edit?lang=en"
    offer = {"kind": "event", "title-en": "Jazz brunch", "title-de": "Jazz-Frühstück",
             "text-en": "Live music", "valid_from": "2026-07-05T10:00",
             "valid_until": "2026-07-05T14:00"}
    response = post_form(anna, edit, f"/my/shops/{shop_id}/offers", offer)
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        stored = db.session.scalar(select(Offer))
        # Berlin is two hours ahead of UTC in summer
        assert stored.valid_from.isoformat() == "2026-07-05T08:00:00+00:00"
        assert stored.title == {"de": "Jazz-Frühstück", "en": "Jazz brunch"}
        offer_id = stored.id
    page = text_of(anna.get(edit))
    assert "Jazz brunch" in page
    assert "Jul 5, 2026 10:00 – Jul 5, 2026 14:00" in page
    # an end before the start is refused, and the input stays
    bad = {**offer, "title-en": "Later jazz", "valid_until": "2026-07-05T09:00"}
    response = post_form(anna, edit, f"/my/shops/{shop_id}/offers", bad)
    assert response.status_code == 400
    html = text_of(response)
    assert "The end must be later than the start." in field_html(html, "valid_until")
    assert 'value="Later jazz"' in html
    response = post_form(anna, edit, f"/my/shops/{shop_id}/offers/{offer_id}/delete", {})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Offer)) == 0


# --- submitting and moderating --------------------------------------------------------------


def test_submit_review_and_publish(app, browser_of, cast):
    anna = browser_of(cast.owner_a)
    shop_id = create_shop_via_form(anna)
    edit = f"/my/shops/{shop_id}/edit?lang=en"
    assert "Submit for review" in text_of(anna.get(edit))
    response = post_form(anna, edit, f"/my/shops/{shop_id}/submit", {})
    assert response.status_code == 302
    page = text_of(anna.get(edit))
    assert "Waiting for review" in page
    assert "Submit for review" not in page

    editor = browser_of(cast.editor)
    queue = text_of(editor.get("/staff/moderation?lang=en"))
    assert "Sunshine Café" in queue
    assert "Publication" in queue
    assert "anna@shop-a.example" in queue
    assert "Name (Deutsch)" in queue
    assert "Café Sonnenschein" in queue
    assert "Name (Français)" in queue
    assert "Café Soleil" in queue
    assert "Mo 09:00-12:30,14:00-18:30" in queue or "Mo,Tu,Th" in queue
    assert "Dec 24" in queue or "2026 Dec 24" in queue or "12-24" in queue
    # web addresses are text, never links an editor might follow by accident
    assert "https://sonnenschein.example" in queue
    assert 'href="https://sonnenschein.example' not in queue
    assert "Limited" not in queue
    assert "Partly accessible" in queue
    with app.app_context():
        change_id = db.session.scalar(select(ChangeRequest.id))
    response = post_form(editor, "/staff/moderation", f"/staff/moderation/{change_id}",
                         {"decision": "approve", "comment": "Welcome to the walk!"})
    assert response.status_code == 302
    assert "Approved: Sunshine Café." in text_of(editor.get("/staff/moderation?lang=en"))
    assert "Nothing waits for a decision." in text_of(editor.get("/staff/moderation?lang=en"))
    assert stored_shop(app, shop_id).status is ShopStatus.PUBLISHED

    page = text_of(anna.get(edit))
    assert "Published" in page
    assert "An editor approved the publication" in page
    assert "Welcome to the walk!" in page
    assert "Published" in text_of(anna.get("/my/shops?lang=en"))
    assert 'href="/shops/cafe-sonnenschein">See the public page' in page


def test_a_declined_shop_shows_the_editors_comment(app, browser_of, cast):
    anna = browser_of(cast.owner_a)
    shop_id = create_shop_via_form(anna)
    edit = f"/my/shops/{shop_id}/edit?lang=en"
    post_form(anna, edit, f"/my/shops/{shop_id}/submit", {})
    editor = browser_of(cast.editor)
    with app.app_context():
        change_id = db.session.scalar(select(ChangeRequest.id))
    response = post_form(editor, "/staff/moderation", f"/staff/moderation/{change_id}",
                         {"decision": "reject", "comment": "Please add a photo of the door."})
    assert response.status_code == 302
    page = text_of(anna.get(edit))
    assert "Draft" in page
    assert "An editor declined the publication" in page
    assert "Please add a photo of the door." in page
    # deciding twice is refused with a message, not an error page
    again = post_form(editor, "/staff/moderation", f"/staff/moderation/{change_id}",
                      {"decision": "approve"})
    assert again.status_code == 302
    assert "already been decided" in text_of(editor.get("/staff/moderation?lang=en"))


def test_a_new_website_of_a_public_shop_waits_for_an_editor(app, browser_of, cast, make_shop):
    shop = make_shop(owners=(cast.owner_a.user,), slug="sonne", status=ShopStatus.PUBLISHED,
                     website="https://old.example", name={"de": "Sonne"})
    anna = browser_of(cast.owner_a)
    edit = f"/my/shops/{shop.id}/edit?lang=en"
    page = text_of(anna.get(edit))
    version = re.search(r'name="version" value="(\d+)"', page)[1]
    form = {**FULL_FORM, "website": "https://new.example", "version": version}
    del form["slug"]
    response = post_form(anna, edit, edit, form)
    assert response.status_code == 302
    page = text_of(anna.get(edit))
    assert "The new web addresses are shown once an editor has approved them." in page
    assert "wait for an editor’s approval" in page
    assert "https://new.example" in page
    assert stored_shop(app, shop.id).website == "https://old.example"
    editor = browser_of(cast.editor)
    queue = text_of(editor.get("/staff/moderation?lang=en"))
    assert "New web addresses" in queue
    assert "https://old.example" in queue
    assert "https://new.example" in queue
    with app.app_context():
        change_id = db.session.scalar(select(ChangeRequest.id).where(
            ChangeRequest.kind == "links"))
    post_form(editor, "/staff/moderation", f"/staff/moderation/{change_id}",
              {"decision": "approve"})
    assert stored_shop(app, shop.id).website == "https://new.example"


def test_confirming_the_data(app, browser_of, cast, make_shop):
    shop = make_shop(owners=(cast.owner_a.user,))
    anna = browser_of(cast.owner_a)
    edit = f"/my/shops/{shop.id}/edit?lang=en"
    assert "Not confirmed yet." in text_of(anna.get(edit))
    response = post_form(anna, edit, f"/my/shops/{shop.id}/confirm", {})
    assert response.status_code == 302
    assert stored_shop(app, shop.id).last_confirmed_at is not None
    assert "Last confirmed:" in text_of(anna.get(edit))


# --- another owner's shop -------------------------------------------------------------------


def test_another_owner_can_neither_see_nor_change_a_shop(app, browser_of, cast, make_shop):
    shop = make_shop(owners=(cast.owner_a.user,), name={"de": "Annas Laden"})
    anna = browser_of(cast.owner_a)
    edit = f"/my/shops/{shop.id}/edit?lang=en"
    post_form(anna, edit, f"/my/shops/{shop.id}/images",
              {"kind": "photo", "files": [(io.BytesIO(jpeg()), "a.jpg")]},
              content_type="multipart/form-data")
    post_form(anna, edit, f"/my/shops/{shop.id}/offers",
              {"kind": "offer", "title-en": "Sale", "valid_from": "2026-07-01T09:00",
               "valid_until": "2026-07-08T18:00"})
    with app.app_context():
        image_id = db.session.scalar(select(ShopImage.id))
        offer_id = db.session.scalar(select(Offer.id))
    bert = browser_of(cast.owner_b)
    response = bert.get(edit)
    assert response.status_code == 403
    assert "Annas Laden" not in text_of(response)
    assert "You can only change the shops you own." in text_of(response)
    before = snapshot(app)
    token = csrf_token_from(bert.get("/my/shops").get_data(as_text=True))
    attempts = [
        (edit, {**FULL_FORM, "name-de": "Gekapert"}),
        (f"/my/shops/{shop.id}/submit", {}),
        (f"/my/shops/{shop.id}/confirm", {}),
        (f"/my/shops/{shop.id}/images",
         {"kind": "photo", "files": [(io.BytesIO(jpeg()), "b.jpg")]}),
        (f"/my/shops/{shop.id}/images/{image_id}/alt", {"alt-en": "Mine"}),
        (f"/my/shops/{shop.id}/images/{image_id}/delete", {}),
        (f"/my/shops/{shop.id}/offers", {"kind": "offer", "title-en": "Mine",
                                         "valid_from": "2026-07-01T09:00",
                                         "valid_until": "2026-07-02T09:00"}),
        (f"/my/shops/{shop.id}/offers/{offer_id}/delete", {}),
    ]
    for path, data in attempts:
        response = bert.post(path, data={**data, "csrf_token": token},
                             content_type="multipart/form-data")
        assert response.status_code == 403, path
    assert snapshot(app) == before
    # Bert's own shop's URL does not reach Anna's offer either
    bert_shop = make_shop(owners=(cast.owner_b.user,))
    response = bert.post(f"/my/shops/{bert_shop.id}/offers/{offer_id}/delete",
                         data={"csrf_token": token})
    assert response.status_code == 403
    assert snapshot(app)[3] == before[3]


def test_owners_cannot_moderate(browser_of, cast):
    anna = browser_of(cast.owner_a)
    assert anna.get("/staff/moderation").status_code == 403
    token = csrf_token_from(anna.get("/my/shops").get_data(as_text=True))
    assert anna.post("/staff/moderation/1", data={"decision": "approve",
                                                  "csrf_token": token}).status_code == 403


def test_forms_without_a_csrf_token_are_refused(app, browser_of, cast):
    anna = browser_of(cast.owner_a)
    before = snapshot(app)
    response = anna.post("/my/shops/new", data=FULL_FORM)
    assert response.status_code == 400
    assert snapshot(app) == before


def test_the_pages_hold_no_inline_code(app, browser_of, cast):
    """The Content-Security-Policy allows no inline script or style: every state of the pages
    (errors, images, offers, the queue) is plain markup."""
    from tests.test_security_headers import inline_code

    anna = browser_of(cast.owner_a)
    shop_id = create_shop_via_form(anna)
    edit = f"/my/shops/{shop_id}/edit?lang=en"
    post_form(anna, edit, f"/my/shops/{shop_id}/images",
              {"kind": "photo", "files": [(io.BytesIO(jpeg()), "a.jpg")]},
              content_type="multipart/form-data")
    post_form(anna, edit, f"/my/shops/{shop_id}/offers",
              {"kind": "offer", "title-en": "Sale", "valid_from": "2026-07-01T09:00",
               "valid_until": "2026-07-08T18:00"})
    post_form(anna, edit, f"/my/shops/{shop_id}/submit", {})
    pages = {
        "list": anna.get("/my/shops?lang=en"),
        "new": anna.get("/my/shops/new?lang=en"),
        "edit": anna.get(edit),
        "refused": post_form(anna, edit, edit, {**FULL_FORM, "hours-1": "late"}),
        "offer refused": post_form(anna, edit, f"/my/shops/{shop_id}/offers", {"kind": "x"}),
        "queue": browser_of(cast.editor).get("/staff/moderation?lang=en"),
    }
    assert {name: response.status_code for name, response in pages.items()} == {
        "list": 200, "new": 200, "edit": 200, "refused": 400, "offer refused": 400,
        "queue": 200}
    found = {name: inline_code(response.get_data(as_text=True))
             for name, response in pages.items()}
    assert {name: code for name, code in found.items() if code} == {}


@pytest.mark.parametrize("changes", [
    {"wheelchair": "sometimes"},
    {"payment_methods": ["cash", "bitcoin"]}, {"category": "casino"},
    {"time_zone": "../../etc/passwd"}, {"latitude": "1e400"}, {"longitude": "nan"},
    {"longitude": ""}, {"hours-1": "09:00-18:00, " * 60}, {"special-0-to": "2026-12-20"},
    {"special-0-from": "0001-01-01"}, {"country": "Deutschland"}, {"email": "not-an-address"},
    {"name-de": "x" * 121}, {"description-fr": "<p>" + "mot " * 2000 + "</p>"},
    {"social_links": "\n".join(f"https://l{i}.example" for i in range(11))},
    {"slug": "Not A Slug"}, {"slug": "123"},
])
def test_hostile_or_broken_inputs_are_refused_with_a_message(app, browser_of, cast, changes):
    anna = browser_of(cast.owner_a)
    before = snapshot(app)
    response = post_form(anna, "/my/shops/new?lang=en", "/my/shops/new?lang=en",
                         {**FULL_FORM, **changes})
    assert response.status_code == 400, changes
    html = text_of(response)
    assert 'class="error"' in html
    assert 'href="#f-' in html or 'href="#hours"' in html  # the summary leads to the input
    assert snapshot(app) == before


@pytest.mark.parametrize("query", ["page=²", "page=99999999999999", "page=0", "status=x"])
def test_odd_list_addresses_are_bad_requests(browser_of, cast, query):
    editor = browser_of(cast.editor)
    assert editor.get(f"/my/shops?{query}").status_code == 400
    if query.startswith("page"):
        assert editor.get(f"/staff/moderation?{query}").status_code == 400


def test_an_odd_version_is_a_bad_request(app, browser_of, cast, make_shop):
    shop = make_shop(owners=(cast.owner_a.user,))
    anna = browser_of(cast.owner_a)
    edit = f"/my/shops/{shop.id}/edit"
    before = snapshot(app)
    form = {**FULL_FORM, "version": "²"}
    del form["slug"]
    assert post_form(anna, edit, edit, form).status_code == 400
    assert snapshot(app) == before
