"""Logos, photos, offers and events through /api/manage, on the real storages' interface."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from server.storage_setup import originals_storage, public_storage
from tests.support import hostile_images
from tests.support.uploads import multipart
from tours.models import ShopStatus


def photo_bytes(color=(200, 80, 40), size=(900, 600), *, gps: bool = False) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (49.0, 52.0, 20.0), 3: "E", 4: (8.0, 39.0, 5.0)}
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def logo_bytes() -> bytes:
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    image.paste((20, 120, 200, 255), (50, 50, 250, 250))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def upload(client, person, shop_id, data, kind="photo", name="photo.jpg", **form):
    return multipart(client, f"/api/manage/shops/{shop_id}/images",
                     {"kind": kind, "file": (data, name), **form}, headers=person.headers)


def all_keys(app) -> tuple[set[str], set[str]]:
    with app.app_context():
        return set(originals_storage().list_keys()), set(public_storage().list_keys())


@pytest.fixture
def shop(make_shop, cast):
    return make_shop(owners=(cast.owner_a.user,), slug="sonne", status=ShopStatus.PUBLISHED)


def test_a_photo_is_stored_clean_in_two_sizes(app, client, cast, shop):
    response = upload(client, cast.owner_a, shop.id, photo_bytes(size=(3000, 2000), gps=True),
                      alt_en="The shop window")
    assert response.status_code == 201, response.get_json()
    image = response.get_json()
    assert (image["kind"], image["width"], image["height"]) == ("photo", 3000, 2000)
    assert (image["large"]["width"], image["thumb"]["width"]) == (1600, 400)
    assert image["alt_text"] == {"en": "The shop window"}
    originals, public = all_keys(app)
    assert len(originals) == 1
    assert len(public) == 2
    with app.app_context():
        for key in public:
            stored = public_storage().get(key)
            assert b"Exif" not in stored
            assert b"PhoneMaker" not in stored
            info = public_storage().head(key)
            assert info.content_type == "image/jpeg"
    profile = client.get("/api/shops/sonne").get_json()
    assert [photo["id"] for photo in profile["photos"]] == [image["id"]]
    assert profile["photos"][0]["alt"] == "The shop window"


def test_a_new_logo_replaces_the_old_one_and_its_files(app, client, cast, shop):
    first = upload(client, cast.owner_a, shop.id, logo_bytes(), kind="logo", name="logo.png")
    assert first.status_code == 201
    assert first.get_json()["large"]["url"].endswith(".png")  # transparency kept
    keys_of_first = all_keys(app)
    second_logo = io.BytesIO()
    Image.new("RGB", (200, 200), (250, 250, 0)).save(second_logo, "PNG")
    second = upload(client, cast.owner_a, shop.id, second_logo.getvalue(), kind="logo")
    assert second.status_code == 201
    originals, public = all_keys(app)
    assert not (originals & keys_of_first[0])
    assert not (public & keys_of_first[1])
    assert client.get("/api/shops/sonne").get_json()["logo"]["id"] == second.get_json()["id"]


@pytest.mark.parametrize(("case", "status", "code"), [
    ("svg_with_script", 415, "vector_image"),
    ("html_named_jpg", 415, "unsupported_format"),
    ("truncated_jpeg", 422, "truncated"),
    ("png_bomb", 413, "too_large"),
    ("zero_bytes", 422, "empty"),
    ("animated_gif", 415, "unsupported_format"),
])
def test_bad_uploads_are_refused_and_store_nothing(app, client, cast, shop, case, status, code):
    make = getattr(hostile_images, case)
    response = upload(client, cast.owner_a, shop.id, make())
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["errors"]["file"]["code"] == code
    assert body["message"]
    assert all_keys(app) == (set(), set())
    assert client.get("/api/shops/sonne").get_json()["photos"] == []


def test_other_owners_cannot_add_or_remove_images(app, client, cast, shop):
    image = upload(client, cast.owner_a, shop.id, photo_bytes()).get_json()
    before = all_keys(app)
    assert upload(client, cast.owner_b, shop.id, photo_bytes((1, 2, 3))).status_code == 403
    url = f"/api/manage/shops/{shop.id}/images/{image['id']}"
    assert client.delete(url, headers=cast.owner_b.headers).status_code == 403
    assert client.patch(url, json={"alt_text": {"en": "x"}},
                        headers=cast.owner_b.headers).status_code == 403
    assert all_keys(app) == before
    assert client.delete(url, headers=cast.owner_a.headers).status_code == 204
    assert all_keys(app) == (set(), set())


def test_at_most_twenty_photos(client, cast, shop, monkeypatch):
    from tours import shop_media

    monkeypatch.setattr(shop_media, "MAX_PHOTOS", 2)
    ids = [upload(client, cast.owner_a, shop.id, photo_bytes((index, 0, 0))).get_json()["id"]
           for index in range(2)]
    refused = upload(client, cast.owner_a, shop.id, photo_bytes((9, 9, 9)))
    assert refused.status_code == 409
    order = client.put(f"/api/manage/shops/{shop.id}/photos/order",
                       json={"image_ids": ids[::-1]}, headers=cast.owner_a.headers)
    assert [photo["id"] for photo in order.get_json()] == ids[::-1]
    assert client.put(f"/api/manage/shops/{shop.id}/photos/order", json={"image_ids": ids[:1]},
                      headers=cast.owner_a.headers).status_code == 422


def test_offers_show_only_while_valid(client, cast, shop):
    now = dt.datetime.now(dt.UTC)
    url = f"/api/manage/shops/{shop.id}/offers"
    current = client.post(url, headers=cast.owner_a.headers, json={
        "kind": "offer", "title": {"de": "Zwei Kaffee zum Preis von einem"},
        "text": {"de": "Nur diese Woche"}, "valid_from": (now - dt.timedelta(hours=1)).isoformat(),
        "valid_until": (now + dt.timedelta(days=6)).isoformat()})
    assert current.status_code == 201, current.get_json()
    client.post(url, headers=cast.owner_a.headers, json={
        "kind": "event", "title": {"de": "Lesung"},
        "valid_from": (now - dt.timedelta(days=3)).isoformat(),
        "valid_until": (now - dt.timedelta(days=2)).isoformat()})
    client.post(url, headers=cast.owner_a.headers, json={
        "kind": "event", "title": {"de": "Adventsmarkt"},
        "valid_from": (now + dt.timedelta(days=2)).isoformat(),
        "valid_until": (now + dt.timedelta(days=3)).isoformat()})
    assert len(client.get(url, headers=cast.owner_a.headers).get_json()) == 3
    shown = client.get("/api/shops/sonne?lang=de").get_json()["offers"]
    assert [offer["title"] for offer in shown] == ["Zwei Kaffee zum Preis von einem"]
    cards = client.get("/api/shops").get_json()
    assert [offer["title"] for offer in cards[0]["offers"]] == ["Zwei Kaffee zum Preis von einem"]
    # another owner can neither see, change nor delete them
    offer_url = f"/api/manage/offers/{current.get_json()['id']}"
    assert client.get(url, headers=cast.owner_b.headers).status_code == 403
    assert client.patch(offer_url, json={"title": {"de": "x"}},
                        headers=cast.owner_b.headers).status_code == 403
    assert client.delete(offer_url, headers=cast.owner_b.headers).status_code == 403
    # a window backwards or longer than a year is refused
    for start, end in ((now, now - dt.timedelta(hours=1)), (now, now + dt.timedelta(days=400))):
        refused = client.post(url, headers=cast.owner_a.headers, json={
            "kind": "offer", "title": {"de": "x"}, "valid_from": start.isoformat(),
            "valid_until": end.isoformat()})
        assert refused.status_code == 422
    assert client.delete(offer_url, headers=cast.owner_a.headers).status_code == 204


def test_ids_of_another_shop_in_a_body_are_refused(app, client, cast, shop, make_shop):
    """Bert may change his own shop, but not by naming Anna's image in the request body."""
    own = make_shop(owners=(cast.owner_b.user,), slug="bert")
    image = upload(client, cast.owner_a, shop.id, photo_bytes()).get_json()
    now = dt.datetime.now(dt.UTC)
    before = all_keys(app)
    offer = client.post(f"/api/manage/shops/{own.id}/offers", headers=cast.owner_b.headers,
                        json={"kind": "offer", "title": {"de": "x"}, "image_id": image["id"],
                              "valid_from": now.isoformat(),
                              "valid_until": (now + dt.timedelta(days=1)).isoformat()})
    assert offer.status_code == 422
    assert list(offer.get_json()["errors"]["json"]) == ["image_id"]
    order = client.put(f"/api/manage/shops/{own.id}/photos/order",
                       json={"image_ids": [image["id"]]}, headers=cast.owner_b.headers)
    assert order.status_code == 422
    image_of_a = f"/api/manage/shops/{own.id}/images/{image['id']}"
    assert client.delete(image_of_a, headers=cast.owner_b.headers).status_code == 404
    assert client.get(f"/api/manage/shops/{own.id}/offers",
                      headers=cast.owner_b.headers).get_json() == []
    assert all_keys(app) == before
    assert [photo["id"] for photo in client.get("/api/shops/sonne").get_json()["photos"]] == [
        image["id"]]
