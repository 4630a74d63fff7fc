"""Shop exports: CSV and GeoJSON for the city's editors, the JSON-LD list for everybody."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest

from server.extensions import db
from server.shop_exports import CSV_COLUMNS, guard_formula
from tours.models import Role, Shop

HOURS = {"weekly": [*({"day": day, "opens": "09:00", "closes": "18:00"} for day in range(1, 6)),
                    {"day": 6, "opens": "10:00", "closes": "14:00"}], "special": []}


@pytest.fixture
def editor(auth_headers) -> dict[str, str]:
    return auth_headers(Role.EDITOR)


@pytest.fixture
def shops_made(app, make_shop) -> dict[str, Shop]:
    made = {
        "bakery": make_shop(
            slug="sun-bakery", status="published", category="bakery",
            name={"de": "Bäckerei Sonne", "en": "Sun Bakery", "fr": "Boulangerie Soleil"},
            short_description={"de": "Brot", "es": "Pan"},
            description={"en": "<p>Fresh <strong>bread</strong></p>"},
            social_links=["https://www.instagram.com/sonne", "https://mastodon.example/@sonne"],
            street="Marktplatz", house_number="4", postal_code="64283", locality="Darmstadt",
            country="DE", latitude=49.8728, longitude=8.6512, level="1", venue="Markthalle",
            unit="B-17", phone="+496151123456", email="hallo@sonne.example",
            whatsapp="+4915112345678", website="https://sonne.example",
            online_shop_url="https://shop.sonne.example", payment_methods=["voucher", "cash"],
            wheelchair="yes", step_free_entrance=True, opening_hours=HOURS),
        "cafe": make_shop(slug="west-cafe", status="published", category="cafe",
                          name={"en": "West Café"}, latitude=40.4168, longitude=-3.7038,
                          country="ES", step_free_entrance=False),
        "draft": make_shop(slug="draft-shop", name={"de": "Entwurf"}, latitude=49.0,
                           longitude=8.0),
        "nowhere": make_shop(slug="online-only", status="published",
                             name={"de": "Nur online"}),
    }
    with app.app_context():
        stored = db.session.get(Shop, made["bakery"].id)
        stored.last_confirmed_at = dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.UTC)
        db.session.commit()
    return made


def read_csv(response: Any) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


# --- CSV ------------------------------------------------------------------------------------


def test_the_csv_has_one_row_per_shop_with_every_column(client, editor, shops_made):
    response = client.get("/export/shops.csv", headers=editor)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="shops.csv"'
    assert "no-store" in response.headers["Cache-Control"]
    rows = read_csv(response)
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [row["slug"] for row in rows] == ["draft-shop", "online-only", "sun-bakery",
                                             "west-cafe"]
    bakery = rows[2]
    assert {
        "status": "published", "name_de": "Bäckerei Sonne", "name_en": "Sun Bakery",
        "name_es": "", "name_fr": "Boulangerie Soleil", "category": "bakery",
        "osm_tag": "shop=bakery", "short_description_de": "Brot", "short_description_es": "Pan",
        "description_en": "<p>Fresh <strong>bread</strong></p>", "description_de": "",
        "street": "Marktplatz", "house_number": "4", "postal_code": "64283",
        "locality": "Darmstadt", "country": "DE", "venue": "Markthalle", "level": "1",
        "unit": "B-17", "latitude": "49.8728", "longitude": "8.6512",
        "phone": "'+496151123456", "email": "hallo@sonne.example",
        "whatsapp": "'+4915112345678", "website": "https://sonne.example",
        "online_shop_url": "https://shop.sonne.example",
        "social_links": "https://www.instagram.com/sonne;https://mastodon.example/@sonne",
        "time_zone": "Europe/Berlin",
        "opening_hours": "Mo-Fr 09:00-18:00; Sa 10:00-14:00", "wheelchair": "yes",
        "step_free_entrance": "yes", "payment_methods": "cash;voucher",
        "last_confirmed_at": "2026-03-14T23:30:00+00:00",
    }.items() <= bakery.items()
    assert rows[3]["step_free_entrance"] == "no"
    assert rows[1]["step_free_entrance"] == ""
    # a negative coordinate is a number, not text to guard
    assert rows[3]["longitude"] == "-3.7038"


def test_the_csv_can_be_limited_to_one_status(client, editor, shops_made):
    response = client.get("/export/shops.csv?status=published", headers=editor)
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="shops-published.csv"')
    assert [row["slug"] for row in read_csv(response)] == ["online-only", "sun-bakery",
                                                           "west-cafe"]
    assert [row["slug"] for row in read_csv(
        client.get("/export/shops.csv?status=draft", headers=editor))] == ["draft-shop"]
    refused = client.get("/export/shops.csv?status=everything", headers=editor)
    assert refused.status_code == 422
    assert "Choose one of: draft, pending_review, published, closed." in refused.get_data(
        as_text=True)


@pytest.mark.parametrize("value", ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3",
                                   "@SUM(A1)"])
def test_the_csv_guards_against_formulas(client, editor, make_shop, value):
    make_shop(slug="formula-shop", name={"de": f"{value} Laden"},
              short_description={"en": value}, street=value, locality=value)
    row = read_csv(client.get("/export/shops.csv", headers=editor))[0]
    assert row["name_de"] == f"'{value} Laden"
    assert row["short_description_en"] == row["street"] == row["locality"] == f"'{value}"
    for column, cell in row.items():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), column


def test_guard_formula_leaves_ordinary_text_alone():
    assert guard_formula("Café = good") == "Café = good"
    assert guard_formula("") == ""
    assert guard_formula("=1+1") == "'=1+1"
    assert guard_formula("-5") == "'-5"
    assert guard_formula("\tx") == "'\tx"
    assert guard_formula("\rx") == "'\rx"


# --- GeoJSON --------------------------------------------------------------------------------


def test_the_geojson_has_the_shops_with_a_position(client, editor, shops_made):
    response = client.get("/export/shops.geojson", headers=editor)
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="shops.geojson"'
    data = json.loads(response.get_data(as_text=True))
    assert data["type"] == "FeatureCollection"
    features = {feature["properties"]["flaneur:slug"]: feature for feature in data["features"]}
    assert set(features) == {"sun-bakery", "west-cafe", "draft-shop"}  # online-only: no position
    bakery = features["sun-bakery"]
    assert bakery["type"] == "Feature"
    assert bakery["geometry"] == {"type": "Point", "coordinates": [8.6512, 49.8728]}
    assert bakery["properties"] == {
        "name": "Sun Bakery", "name:de": "Bäckerei Sonne", "name:en": "Sun Bakery",
        "name:fr": "Boulangerie Soleil", "shop": "bakery", "description": "Brot",
        "opening_hours": "Mo-Fr 09:00-18:00; Sa 10:00-14:00",
        "website": "https://sonne.example", "phone": "+496151123456",
        "email": "hallo@sonne.example", "wheelchair": "yes", "level": "1",
        "addr:street": "Marktplatz", "addr:housenumber": "4", "addr:postcode": "64283",
        "addr:city": "Darmstadt", "addr:country": "DE",
        # confirmed 23:30 UTC on 14 March: already the 15th in the shop's zone
        "check_date": "2026-03-15",
        "flaneur:slug": "sun-bakery", "flaneur:status": "published",
    }
    cafe = features["west-cafe"]
    assert cafe["geometry"]["coordinates"] == [-3.7038, 40.4168]
    assert cafe["properties"]["amenity"] == "cafe"
    assert "shop" not in cafe["properties"]
    assert "wheelchair" not in cafe["properties"]  # unknown is left out
    assert features["draft-shop"]["properties"]["flaneur:status"] == "draft"
    published = json.loads(client.get("/export/shops.geojson?status=published",
                                      headers=editor).get_data(as_text=True))
    assert {feature["id"] for feature in published["features"]} == {"sun-bakery", "west-cafe"}


# --- JSON-LD --------------------------------------------------------------------------------


def test_the_json_ld_list_is_public_and_has_published_shops_only(client, shops_made):
    response = client.get("/export/shops.jsonld?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="shops.jsonld"'
    data = json.loads(response.get_data(as_text=True))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ItemList"
    assert data["numberOfItems"] == 3
    items = [element["item"] for element in data["itemListElement"]]
    assert [element["position"] for element in data["itemListElement"]] == [1, 2, 3]
    assert [item["name"] for item in items] == ["Nur online", "Sun Bakery", "West Café"]
    assert [item["@type"] for item in items] == ["Bakery", "Bakery", "CafeOrCoffeeShop"]
    assert all("@context" not in item for item in items)
    assert items[1]["@id"] == "http://localhost/shops/sun-bakery"
    assert items[1]["geo"]["latitude"] == 49.8728


# --- who may export -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/export/shops.csv", "/export/shops.geojson"])
def test_only_editors_and_admins_export_everything(client, auth_headers, make_user, login,
                                                   shops_made, path):
    anonymous = client.get(path)
    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]
    assert client.get(path, headers={"Authorization": "Bearer flt_wrong"}).status_code == 401
    assert client.get(path, headers=auth_headers(Role.SHOP_OWNER)).status_code == 403
    assert client.get(path, headers=auth_headers(Role.EDITOR)).status_code == 200
    assert client.get(path, headers=auth_headers(Role.ADMIN)).status_code == 200
    # and from a signed-in browser
    owner = make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    login(client, owner.email)
    assert client.get(path).status_code == 403
    editor = make_user(email="staff@city.example", role=Role.EDITOR)
    browser = client.application.test_client()
    login(browser, editor.email)
    assert browser.get(path).status_code == 200


def test_the_csv_reads_back_into_the_importer_unchanged(app, client, editor, shops_made):
    """The export speaks the importer's columns: exporting and importing changes nothing."""
    from tours.shop_import import plan_import

    data = client.get("/export/shops.csv", headers=editor).get_data()
    with app.app_context():
        plan = plan_import(db.session, data, "shops.csv", default_language="en",
                           default_time_zone="Europe/Berlin")
    assert plan.counts()["unchanged"] == 4, [(row.slug, row.changes, [str(issue) for issue
                                                                       in row.errors])
                                             for row in plan.rows]
