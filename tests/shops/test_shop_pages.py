"""The public shop pages: the directory (/shops) and a shop's profile (/shops/<slug>).

Everything is read through the pages as a visitor's browser gets them: results are the
directory's card headings, the JSON-LD is the page's own data block, links are the page's
anchors. "Open now" is made independent of the clock by hours that are open at every moment
(00:00–24:00 every day) or only on a weekday three days away from today.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.extensions import db
from server.shop_exports import script_safe_json
from server.storage_setup import public_storage
from tests.support.content import SHOP_EDITOR_EMAIL
from tours import hotspots, links, shop_media, tour_service
from tours.models import ImageKind, Scene, Shop, User, utcnow

BERLIN = ZoneInfo("Europe/Berlin")
ALWAYS_OPEN = {"weekly": [{"day": day, "opens": "00:00", "closes": "24:00"}
                          for day in range(1, 8)], "special": []}


class Page(HTMLParser):
    """What a test looks at in a page: tags with their attributes, anchors with their text,
    the directory's card headings and the JSON-LD blocks."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.anchors: list[dict[str, Any]] = []
        self.card_names: list[str] = []
        self.jsonld: list[str] = []
        self.text_parts: list[str] = []
        self._anchor: dict[str, Any] | None = None
        self._in_h2 = False
        self._script: dict[str, str | None] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "a":
            self._anchor = {**attributes, "text": ""}
        elif tag == "h2":
            self._in_h2 = True
        elif tag == "script":
            self._script = attributes

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._anchor is not None:
            self._anchor["text"] = self._anchor["text"].strip()
            self.anchors.append(self._anchor)
            if self._in_h2 and str(self._anchor.get("href", "")).startswith("/shops/"):
                self.card_names.append(self._anchor["text"])
            self._anchor = None
        elif tag == "h2":
            self._in_h2 = False
        elif tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            if self._script.get("type") == "application/ld+json":
                self.jsonld.append(data)
            return
        self.text_parts.append(data)
        if self._anchor is not None:
            self._anchor["text"] += data

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [attributes for name, attributes in self.tags if name == tag
                and all(attributes.get(key.replace("_", "-")) == value
                        for key, value in wanted.items())]

    def meta(self, prop: str) -> list[str | None]:
        return [attributes.get("content") for name, attributes in self.tags
                if name == "meta" and prop in (attributes.get("property"),
                                               attributes.get("name"))]

    def anchor(self, href_start: str) -> dict[str, Any]:
        found = [anchor for anchor in self.anchors
                 if str(anchor.get("href", "")).startswith(href_start)]
        assert found, f"no link to {href_start}…"
        return found[0]


def get_page(client: FlaskClient, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, url
    return Page(response.get_data(as_text=True))


def publish(make_shop: Callable[..., Shop], **fields: Any) -> Shop:
    return make_shop(status="published", **fields)


def names_found(client: FlaskClient, url: str) -> list[str]:
    return get_page(client, url).card_names


def closed_today_hours() -> dict[str, Any]:
    """Open one hour on the weekday three days from today (in Berlin): closed now, whatever
    the time."""
    today = dt.datetime.now(BERLIN).isoweekday()
    return {"weekly": [{"day": (today + 2) % 7 + 1, "opens": "10:00", "closes": "11:00"}],
            "special": []}


def editor_of_test_shops(session: Any) -> User:
    from sqlalchemy import select

    return session.scalar(select(User).where(User.email == SHOP_EDITOR_EMAIL))


def add_image(app: Flask, shop: Shop, kind: ImageKind, name: str,
              alt: dict[str, str] | None = None) -> None:
    digest = hashlib.sha256(name.encode()).hexdigest()
    variants = {}
    with app.app_context():
        for variant, size in (("large", 1200), ("thumb", 240)):
            key = f"shops/images/{digest}-{variant}.jpg"
            public_storage().put(key, b"web", content_type="image/jpeg")
            variants[variant] = {"key": key, "content_type": "image/jpeg", "width": size,
                                 "height": size * 2 // 3}
        stored = shop_media.StoredImage(sha256=digest, original_key=f"originals/{digest}.jpg",
                                        source_type="image/jpeg", width=1200, height=800,
                                        variants=variants)
        shop_media.add_image(db.session, editor_of_test_shops(db.session), shop.id, kind,
                             stored, alt_text=alt)
        db.session.commit()


def add_offer(app: Flask, shop: Shop, title: str, valid_from: dt.datetime,
              valid_until: dt.datetime) -> None:
    with app.app_context():
        shop_media.add_offer(db.session, editor_of_test_shops(db.session), shop.id, {
            "kind": "offer", "title": {"de": title, "en": title},
            "text": {"de": "Zwei zum Preis von einem"},
            "valid_from": valid_from, "valid_until": valid_until})
        db.session.commit()


# --- the directory --------------------------------------------------------------------------


def test_only_published_shops_are_listed_or_shown(client, make_shop):
    publish(make_shop, slug="open-bakery", name={"de": "Offene Bäckerei"})
    for status in ("draft", "pending_review", "closed"):
        make_shop(slug=f"hidden-{status.replace('_', '-')}", name={"de": f"Versteckt {status}"},
                  status=status)
    assert names_found(client, "/shops") == ["Offene Bäckerei"]
    assert names_found(client, "/shops?q=versteckt") == []
    for slug in ("hidden-draft", "hidden-pending-review", "hidden-closed", "no-such-shop"):
        assert client.get(f"/shops/{slug}").status_code == 404
        assert client.get(f"/shops/{slug}.jsonld").status_code == 404
    assert client.get("/shops/open-bakery").status_code == 200


@pytest.mark.parametrize("language", ["de", "en", "es", "fr"])
def test_search_ignores_case_and_accents_in_every_language(client, make_shop, language):
    publish(make_shop, slug="cafe-strasse", name={"de": "Café an der Straße",
                                                  "fr": "Café de la Rue"},
            short_description={"es": "Churros y chocolate"},
            description={"fr": "<p>Une boulangerie <em>artisanale</em> depuis 1920</p>"})
    publish(make_shop, slug="other", name={"de": "Buchladen"})
    for query in ("cafe", "CAFÉ", "strasse", "STRAßE", "churros", "ARTISANALE", "rue cafe"):
        assert names_found(client, f"/shops?lang={language}&q={query}") == [
            "Café de la Rue" if language == "fr" else "Café an der Straße"], query
    assert names_found(client, f"/shops?lang={language}&q=strasse+buch") == []


def test_a_french_word_finds_the_shop_on_the_german_page(client, make_shop):
    publish(make_shop, name={"de": "Feinkost Weber"},
            description={"fr": "<p>Épicerie fine et fromages affinés</p>"})
    page = get_page(client, "/shops?lang=de&q=affines")
    assert page.card_names == ["Feinkost Weber"]
    assert page.find("html", lang="de")


def test_category_and_step_free_filters(client, make_shop):
    publish(make_shop, slug="bakery-steps", name={"de": "Bäckerei mit Stufe"},
            category="bakery", step_free_entrance=False)
    publish(make_shop, slug="bakery-flat", name={"de": "Bäckerei ebenerdig"},
            category="bakery", step_free_entrance=True)
    publish(make_shop, slug="books-flat", name={"de": "Bücher ebenerdig"},
            category="books", step_free_entrance=True)
    publish(make_shop, slug="books-unknown", name={"de": "Bücher unbekannt"}, category="books")
    assert names_found(client, "/shops?category=bakery") == ["Bäckerei ebenerdig",
                                                              "Bäckerei mit Stufe"]
    assert names_found(client, "/shops?step_free=1") == ["Bäckerei ebenerdig",
                                                          "Bücher ebenerdig"]
    assert names_found(client, "/shops?category=books&step_free=on") == ["Bücher ebenerdig"]
    assert names_found(client, "/shops?category=no-such-category") == []
    page = get_page(client, "/shops?category=books&step_free=1&lang=en")
    # the form shows the filters that are in effect
    assert "selected" in page.find("option", value="books")[0]
    assert "selected" not in page.find("option", value="bakery")[0]
    assert "checked" in page.find("input", name="step_free")[0]
    assert "checked" not in page.find("input", name="open_now")[0]
    assert "Bakery" in page.text
    assert "Books" in page.text


def test_open_now_filter(client, make_shop):
    publish(make_shop, slug="always-open", name={"de": "Immer offen"},
            opening_hours=ALWAYS_OPEN)
    publish(make_shop, slug="closed-now", name={"de": "Jetzt zu"},
            opening_hours=closed_today_hours())
    publish(make_shop, slug="no-hours", name={"de": "Ohne Zeiten"})
    assert names_found(client, "/shops?open_now=1") == ["Immer offen"]
    assert names_found(client, "/shops?open_now=1&q=zu") == []
    page = get_page(client, "/shops?lang=en")
    assert page.card_names == ["Immer offen", "Jetzt zu", "Ohne Zeiten"]
    badges = [attributes["class"] for attributes in page.find("p")
              if "opening-badge" in str(attributes.get("class"))]
    assert badges == ["opening-badge is-open", "opening-badge is-closed",
                      "opening-badge is-unknown"]
    assert "Open around the clock" in page.text
    assert "Opening hours not known" in page.text


def test_the_directory_pages_by_twenty_and_keeps_the_filters(client, make_shop):
    for number in range(23):
        publish(make_shop, slug=f"laden-{number:02d}", name={"de": f"Laden {number:02d}"},
                step_free_entrance=True)
    publish(make_shop, slug="anderes", name={"de": "Anderes Geschäft"})
    first = get_page(client, "/shops?q=laden&step_free=1&lang=en")
    assert first.card_names == [f"Laden {number:02d}" for number in range(20)]
    assert "23 shops found" in first.text
    assert "Page 1 of 2" in first.text
    assert [anchor["text"] for anchor in first.anchors if "page=2" in anchor["href"]] == [
        "2", "Next page"]
    for link in [anchor["href"] for anchor in first.anchors if "page=" in anchor["href"]]:
        assert "q=laden" in link
        assert "step_free=1" in link
        assert "lang=en" in link
    next_page = next(anchor for anchor in first.anchors if anchor.get("rel") == "next")
    second = get_page(client, next_page["href"])
    assert second.card_names == ["Laden 20", "Laden 21", "Laden 22"]
    assert not [anchor for anchor in second.anchors if anchor.get("rel") == "next"]
    for bad in ("3", "0", "-1", "abc", "99999999999999999999"):
        assert client.get(f"/shops?q=laden&page={bad}").status_code == 404, bad


def test_no_match_says_so(client, make_shop):
    publish(make_shop, name={"de": "Bäckerei Sonne"})
    page = get_page(client, "/shops?q=fahrrad&lang=en")
    assert page.card_names == []
    assert "0 shops found" in page.text
    assert "No shops match your search." in page.text
    assert {"href": "/shops", "text": "Show all shops"} in page.anchors


def test_the_directory_form_works_without_javascript_and_is_labelled(client):
    page = get_page(client, "/shops?lang=en")
    form = page.find("form")
    assert form
    assert form[-1]["method"] == "get"
    assert form[-1]["action"] == "/shops"
    labelled = {attributes.get("for") for attributes in page.find("label")}
    for field in ("input", "select"):
        for attributes in page.find(field):
            if attributes.get("type") not in ("checkbox", "hidden"):
                assert attributes.get("id") in labelled, attributes
    assert not page.find("script")


def test_page_and_api_give_the_same_results(client, make_shop):
    for number, name in enumerate(("Café Nord", "Café Süd", "Kiosk", "Cafeteria Ost")):
        publish(make_shop, slug=f"shop-{number}", name={"de": name},
                opening_hours=ALWAYS_OPEN if number % 2 else {})
    for query in ("q=cafe", "q=cafe&open_now=1", "category=bakery", ""):
        api = client.get(f"/api/shops?{query}&lang=de").get_json()
        assert names_found(client, f"/shops?{query}&lang=de") == [card["name"] for card in api]


def test_the_navigation_links_the_directory(client):
    page = get_page(client, "/?lang=en")
    assert page.anchor("/shops")["text"] == "Shops"


# --- the profile ----------------------------------------------------------------------------


FULL_SHOP: dict[str, Any] = {
    "slug": "sonnen-baeckerei",
    "name": {"de": "Bäckerei Sonne", "en": "Sun Bakery"},
    "category": "bakery",
    "short_description": {"de": "Brot aus dem Holzofen", "en": "Bread from the wood oven"},
    "description": {"en": "<p>Baking since <strong>1920</strong>.</p>"},
    "street": "Marktplatz", "house_number": "4", "postal_code": "64283",
    "locality": "Darmstadt", "country": "DE", "latitude": 49.8728, "longitude": 8.6512,
    "venue": "Markthalle", "level": "1", "unit": "B-17",
    "phone": "+496151123456", "whatsapp": "+4915112345678", "email": "hallo@sonne.example",
    "website": "https://sonne.example", "online_shop_url": "https://shop.sonne.example",
    "social_links": ["https://www.instagram.com/sonne", "https://mastodon.example/@sonne"],
    "payment_methods": ["cash", "contactless", "voucher"],
    "wheelchair": "limited", "step_free_entrance": True,
    "opening_hours": {
        "weekly": [*({"day": day, "opens": "07:00", "closes": "18:30"} for day in range(1, 6)),
                   {"day": 6, "opens": "07:00", "closes": "13:00"}],
        "special": [{"from": "2099-12-24", "to": "2099-12-26", "closed": True,
                     "reason": {"en": "Christmas", "de": "Weihnachten"}},
                    {"from": "2000-01-01", "to": "2000-01-01", "closed": True,
                     "reason": {"en": "Long ago"}}]},
}


@pytest.fixture
def full_shop(app, make_shop) -> Shop:
    shop = publish(make_shop, **FULL_SHOP)
    add_image(app, shop, ImageKind.LOGO, "logo", alt={"en": "A yellow sun"})
    add_image(app, shop, ImageKind.PHOTO, "photo-1", alt={"en": "The counter"})
    add_image(app, shop, ImageKind.PHOTO, "photo-2")
    now = utcnow()
    add_offer(app, shop, "Croissant week", now - dt.timedelta(days=1), now + dt.timedelta(days=6))
    add_offer(app, shop, "Expired deal", now - dt.timedelta(days=9), now - dt.timedelta(days=2))
    add_offer(app, shop, "Future deal", now + dt.timedelta(days=2), now + dt.timedelta(days=9))
    with app.app_context():
        stored = db.session.get(Shop, shop.id)
        stored.last_confirmed_at = dt.datetime(2026, 3, 14, 10, tzinfo=dt.UTC)
        db.session.commit()
    return shop


def test_the_profile_shows_every_field(client, full_shop):
    html = client.get("/shops/sonnen-baeckerei?lang=en").get_data(as_text=True)
    page = Page(html)
    text = page.text
    assert page.find("h1")
    assert "Sun Bakery" in text
    assert "Bakery" in text
    assert "Bread from the wood oven" in text
    logo = [img for img in page.find("img") if "logo" in str(img.get("class"))]
    assert logo
    assert logo[0]["alt"] == "A yellow sun"
    assert logo[0]["src"].startswith("/media/")
    photos = [img["alt"] for img in page.find("img") if "-large.jpg" in str(img.get("src"))
              and "logo" not in str(img.get("class"))]
    assert photos == ["The counter", "Photo 2 of Sun Bakery"]
    assert '<div class="rich-text"><p>Baking since <strong>1920</strong>.</p></div>' in html
    for part in ("Markthalle", "Level 1", "Unit B-17", "Marktplatz 4", "64283 Darmstadt"):
        assert part in text, part
    # the weekly table in the visitor's language, with the special days still to come
    for day in ("Monday", "Friday", "Saturday", "Sunday"):
        assert day in text
    assert "07:00–18:30" in text
    assert "07:00–13:00" in text
    assert "Christmas" in text
    assert "Long ago" not in text
    assert any("opening-badge" in str(p.get("class")) for p in page.find("p"))
    # contact
    assert page.anchor("tel:")["href"] == "tel:+496151123456"
    assert page.anchor("tel:")["text"] == "+49 6151 123456"
    assert page.anchor("https://wa.me/")["href"] == "https://wa.me/4915112345678"
    assert page.anchor("mailto:")["href"] == "mailto:hallo@sonne.example"
    for url in ("https://sonne.example", "https://shop.sonne.example",
                "https://www.instagram.com/sonne", "https://mastodon.example/@sonne"):
        link = next(anchor for anchor in page.anchors if anchor["href"] == url)
        assert link["target"] == "_blank"
        assert set(link["rel"].split()) >= {"noopener", "nofollow"}
    assert next(anchor for anchor in page.anchors
                if anchor["href"] == "https://sonne.example")["text"] == "Website"
    assert next(anchor for anchor in page.anchors
                if anchor["href"] == "https://shop.sonne.example")["text"] == "Online shop"
    for label in ("Cash", "Contactless", "City voucher", "Wheelchair access: Partly accessible",
                  "Step-free entrance"):
        assert label in text, label
    assert "Croissant week" in text
    assert "Zwei zum Preis von einem" in text
    assert "Expired deal" not in text
    assert "Future deal" not in text
    assert "Information last confirmed on March 14, 2026." in text


def test_the_profile_in_german_names_the_days_in_german(client, full_shop):
    page = get_page(client, "/shops/sonnen-baeckerei?lang=de")
    for day in ("Montag", "Samstag", "Sonntag"):
        assert day in page.text
    assert "Weihnachten" in page.text
    assert "Bäckerei Sonne" in page.text


def test_the_profile_has_its_json_ld(client, full_shop):
    page = get_page(client, "/shops/sonnen-baeckerei?lang=en")
    assert len(page.jsonld) == 1
    data = json.loads(page.jsonld[0])
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Bakery"
    assert data["@id"] == "http://localhost/shops/sonnen-baeckerei"
    assert data["name"] == "Sun Bakery"
    assert data["description"] == "Baking since 1920."
    assert data["url"] == "https://sonne.example"
    assert data["telephone"] == "+496151123456"
    assert data["email"] == "hallo@sonne.example"
    assert data["address"] == {"@type": "PostalAddress", "streetAddress": "Marktplatz 4",
                               "postalCode": "64283", "addressLocality": "Darmstadt",
                               "addressCountry": "DE"}
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 49.8728,
                           "longitude": 8.6512}
    assert len(data["openingHoursSpecification"]) == 6
    assert data["openingHoursSpecification"][0] == {
        "@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Monday",
        "opens": "07:00:00", "closes": "18:30:00"}
    assert {spec["validFrom"] for spec in data["specialOpeningHoursSpecification"]} == {
        "2099-12-24", "2000-01-01"}
    assert data["logo"].startswith("http://localhost/media/")
    assert len(data["image"]) == 2
    assert all(url.startswith("http://") for url in data["image"])
    assert data["sameAs"] == FULL_SHOP["social_links"]
    assert data["paymentAccepted"] == "Cash, Contactless, City voucher"
    assert {(feature["name"], feature["value"]) for feature in data["amenityFeature"]} == {
        ("Wheelchair accessible", "limited"), ("Step-free entrance", True)}
    assert all(feature["@type"] == "LocationFeatureSpecification"
               for feature in data["amenityFeature"])
    assert data["containedInPlace"] == {"@type": "Place", "name": "Markthalle"}
    assert data["potentialAction"] == {"@type": "BuyAction",
                                       "target": "https://shop.sonne.example"}
    # the same document on its own address
    response = client.get("/shops/sonnen-baeckerei.jsonld?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert json.loads(response.get_data(as_text=True)) == data
    assert page.find("link", rel="alternate", type="application/ld+json")


def test_a_minimal_shop_has_valid_json_ld_without_empty_values(client, make_shop):
    publish(make_shop, slug="bare-shop", name={"de": "Nur ein Name"}, category="cafe")
    data = json.loads(client.get("/shops/bare-shop.jsonld").get_data(as_text=True))
    assert data["@type"] == "CafeOrCoffeeShop"
    assert data["name"] == "Nur ein Name"
    assert data["url"] == data["@id"] == "http://localhost/shops/bare-shop"
    assert all(value not in (None, "", [], {}) for value in data.values())
    assert "address" not in data
    assert "geo" not in data


def test_a_script_end_in_the_name_cannot_break_out_of_the_json_ld(client, make_shop):
    evil = "</script><script>alert(1)</script> & <!-- Co"
    publish(make_shop, slug="evil-name", name={"de": evil, "en": evil},
            short_description={"en": "</SCRIPT >"})
    html = client.get("/shops/evil-name?lang=en").get_data(as_text=True)
    head = html.split("</head>")[0]
    # exactly one script element, the data block, and nothing of the name raw in it
    assert head.count("<script") == 1
    assert head.lower().count("</script") == 1
    page = Page(html)
    assert json.loads(page.jsonld[0])["name"] == evil
    assert page.find("h1")
    assert evil in page.text
    assert not page.find("script", type=None)


def test_script_safe_json_escapes_what_could_end_the_element():
    dumped = script_safe_json({"name": "</script>&<!--\u2028"})
    assert "<" not in dumped
    assert ">" not in dumped
    assert "&" not in dumped
    assert "\u2028" not in dumped
    assert json.loads(dumped) == {"name": "</script>&<!--\u2028"}


def test_the_description_is_sanitised_html(client, app, make_shop):
    shop = publish(make_shop, slug="html-shop", description={
        "en": '<p onclick="x()">Fresh <strong>bread</strong><script>alert(1)</script>'
              '<img src=x onerror=alert(2)><a href="javascript:alert(3)">link</a></p>'})
    html = client.get("/shops/html-shop?lang=en").get_data(as_text=True)
    assert "<strong>bread</strong>" in html
    for bad in ("alert(1)", "onerror", "onclick", "javascript:", "<img src=x"):
        assert bad not in html, bad
    # a row written around the service (an import, a bad migration) is cleaned on the way out
    with app.app_context():
        stored = db.session.get(Shop, shop.id)
        stored.description = {"en": "<p>Kept</p><script>alert(4)</script>"}
        db.session.commit()
    html = client.get("/shops/html-shop?lang=en").get_data(as_text=True)
    assert "<p>Kept</p>" in html
    assert "alert(4)" not in html


def test_other_texts_are_escaped(client, make_shop):
    publish(make_shop, slug="plain-shop", name={"en": "<b>Bold</b> & Co"},
            short_description={"en": "<i>not italic</i>"}, venue="<em>Hall</em>")
    html = client.get("/shops/plain-shop?lang=en").get_data(as_text=True)
    body = html.split("<body>")[1]
    assert "<b>Bold</b>" not in body
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in body
    assert "<i>not italic</i>" not in body
    assert "<em>Hall</em>" not in body


def test_open_graph_canonical_and_language_alternates(client, full_shop):
    page = get_page(client, "/shops/sonnen-baeckerei?lang=en")
    base = "http://localhost/shops/sonnen-baeckerei"
    assert page.meta("og:title") == ["Sun Bakery"]
    assert page.meta("og:description") == ["Bread from the wood oven"]
    assert page.meta("og:type") == ["business.business"]
    assert page.meta("og:url") == [f"{base}?lang=en"]
    assert page.meta("og:locale") == ["en_US"]
    assert set(page.meta("og:locale:alternate")) == {"de_DE", "es_ES", "fr_FR"}
    image = page.meta("og:image")
    assert len(image) == 1
    assert image[0].startswith("http://localhost/media/")
    assert image[0].endswith("-large.jpg")
    assert hashlib.sha256(b"photo-1").hexdigest() in image[0]
    assert [link["href"] for link in page.find("link", rel="canonical")] == [f"{base}?lang=en"]
    alternates = {link["hreflang"]: link["href"] for link in page.find("link", rel="alternate")
                  if link.get("hreflang")}
    assert alternates == {"de": f"{base}?lang=de", "en": f"{base}?lang=en",
                          "es": f"{base}?lang=es", "fr": f"{base}?lang=fr",
                          "x-default": base}


def test_the_logo_is_the_share_image_without_photos(app, client, make_shop):
    shop = publish(make_shop, slug="logo-only", name={"en": "Logo Only"})
    add_image(app, shop, ImageKind.LOGO, "only-logo")
    page = get_page(client, "/shops/logo-only?lang=en")
    assert hashlib.sha256(b"only-logo").hexdigest() in page.meta("og:image")[0]


@pytest.mark.parametrize(("language", "name", "monday"), [
    ("de", "Sun Bakery", "Montag"),  # no German name: the city's language (en) stands in
    ("en", "Sun Bakery", "Monday"),
    ("es", "Panadería Sol", "Lunes"),
    ("fr", "Sun Bakery", "Lundi"),
])
def test_every_language_renders_with_fallback(client, make_shop, language, name, monday):
    publish(make_shop, slug="sun", name={"en": "Sun Bakery", "es": "Panadería Sol"},
            short_description={"es": "Pan del horno de leña"},
            opening_hours=ALWAYS_OPEN)
    page = get_page(client, f"/shops/sun?lang={language}")
    assert page.find("html", lang=language)
    assert page.find("h1")
    assert name in page.text
    assert monday in page.text
    assert json.loads(page.jsonld[0])["name"] == name
    # no label is left empty when a translation is missing
    assert "Pan del horno de leña" in page.text
    assert page.meta("og:title") == [name]
    directory = get_page(client, f"/shops?lang={language}")
    assert directory.card_names == [name]
    assert directory.find("html", lang=language)


# --- "See it in the walk" -------------------------------------------------------------------


def place_in_walk(app: Flask, make_scene: Callable[..., Any], shop: Shop, *,
                  tour: bool, valid_until: dt.datetime | None = None) -> str:
    scene = make_scene(slug="market-square")
    with app.app_context():
        hotspots.add_hotspot(db.session, scene.id, {"yaw": 10, "pitch": 0, "kind": "shop",
                                                    "shop_id": shop.id,
                                                    "valid_until": valid_until})
        if tour:
            made = tour_service.create_tour(db.session, {
                "slug": "old-town", "title": {"en": "Old town"}})
            tour_service.add_stop(db.session, made.id, {"scene_id": scene.id})
            tour_service.publish_tour(db.session, made.id)
        db.session.commit()
    return scene.slug


def walk_links(page: Page) -> list[dict[str, Any]]:
    return [anchor for anchor in page.anchors if anchor["text"] == "See it in the walk"]


def test_the_walk_link_opens_the_viewers_page(app, client, make_shop, make_scene):
    shop = publish(make_shop, slug="in-walk", name={"en": "In the walk"})
    publish(make_shop, slug="not-in-walk", name={"en": "Elsewhere"})
    place_in_walk(app, make_scene, shop, tour=True)
    links = walk_links(get_page(client, "/shops/in-walk?lang=en"))
    # the walk opens looking at the shop's hotspot
    assert [link["href"] for link in links] == ["/tours/old-town/market-square?yaw=10&pitch=0"]
    assert client.get(links[0]["href"]).status_code == 200
    assert walk_links(get_page(client, "/shops/not-in-walk?lang=en")) == []


def test_a_scene_outside_the_public_walk_is_not_linked(app, client, make_shop, make_scene):
    """Visitors can open a scene only from a published tour (tours.walk): a scene that no
    tour reaches gets no link (the walk's page needs a tour)."""
    shop = publish(make_shop, slug="in-walk", name={"en": "In the walk"})
    place_in_walk(app, make_scene, shop, tour=False)
    assert walk_links(get_page(client, "/shops/in-walk?lang=en")) == []


def test_an_expired_hotspot_gives_no_walk_link(app, client, make_shop, make_scene):
    shop = publish(make_shop, slug="in-walk", name={"en": "In the walk"})
    place_in_walk(app, make_scene, shop, tour=False,
                  valid_until=utcnow() - dt.timedelta(hours=1))
    assert walk_links(get_page(client, "/shops/in-walk?lang=en")) == []


def test_a_scene_only_reached_by_links_opens_in_the_tour_that_reaches_it(
        app, client, make_shop, make_scene):
    shop = publish(make_shop, slug="in-walk", name={"en": "In the walk"})
    place_in_walk(app, make_scene, shop, tour=False)
    elsewhere = make_scene(slug="elsewhere")
    gate = make_scene(slug="gate")
    with app.app_context():
        session = db.session
        market = session.scalar(select(Scene).where(Scene.slug == "market-square"))
        # the oldest tour does not lead to the shop; the second one's walk does, by a link
        for slug, start in (("first", elsewhere), ("second", gate)):
            made = tour_service.create_tour(session, {"slug": slug, "title": {"en": slug}})
            tour_service.add_stop(session, made.id, {"scene_id": start.id})
            tour_service.publish_tour(session, made.id)
        links.add_link(session, gate.id, {"to_scene_id": market.id, "bearing": 0})
        session.commit()
    hrefs = [link["href"] for link in walk_links(get_page(client, "/shops/in-walk?lang=en"))]
    assert hrefs == ["/tours/second/market-square?yaw=10&pitch=0"]
    assert client.get(hrefs[0]).status_code == 200
