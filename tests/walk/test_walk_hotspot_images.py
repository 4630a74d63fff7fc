"""Visitors see an info hotspot's picture: ``/api/walk/scenes/<slug>`` and the text version."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from server.extensions import db
from server.storage import IMMUTABLE_CACHE_CONTROL
from tests.support.hotspot_images import picture_bytes, show_picture
from tours import hotspots

ALT = {"de": "Der Brunnen mit seinem Becken", "en": "The fountain and its basin"}


class Images(HTMLParser):
    """Every ``<img>`` of a page, as its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))


def add_fountain(app, walk) -> int:
    """An info hotspot in the market (a stop of the public tour) showing a picture."""
    with app.app_context():
        hotspot = hotspots.add_hotspot(db.session, walk.scenes["market"].id, {
            "yaw": 30, "pitch": 0, "kind": "info", "label": {"en": "Fountain"},
            "text": {"en": "Built in 1890."}})
        db.session.commit()
        hotspot_id = hotspot.id
    show_picture(app, hotspot_id, picture_bytes((1200, 800)), alt=ALT)
    return hotspot_id


@pytest.fixture
def fountain(app, walk) -> int:
    return add_fountain(app, walk)


def shown(client, hotspot_id: int, query: str = "") -> dict:
    node = client.get(f"/api/walk/scenes/market{query}").get_json()
    return next(hotspot for hotspot in node["hotspots"] if hotspot["id"] == hotspot_id)


def test_the_walk_answers_the_picture_with_its_description(client, fountain):
    image = shown(client, fountain, "?lang=de")["image"]
    assert set(image) == {"url", "width", "height", "alt", "thumb"}
    assert (image["width"], image["height"], image["alt"]) == (1200, 800, ALT["de"])
    assert (image["thumb"]["width"], image["thumb"]["height"]) == (400, 267)
    assert image["url"].startswith("/media/hotspots/images/")
    # no French description: the city's language (en) stands in
    assert shown(client, fountain, "?lang=fr")["image"]["alt"] == ALT["en"]
    for url in (image["url"], image["thumb"]["url"]):
        served = client.get(url)
        assert served.status_code == 200
        assert served.mimetype == "image/jpeg"
        assert served.headers["Cache-Control"] == IMMUTABLE_CACHE_CONTROL
    body = client.get("/api/walk/scenes/market").get_data(as_text=True)
    for secret in ("sha256", "original", "content_type", "source_type"):
        assert secret not in body


def test_without_a_description_the_picture_is_decorative(app, client, fountain):
    with app.app_context():
        hotspots.update_hotspot(db.session, fountain, {"image_alt": {}})
        db.session.commit()
    assert shown(client, fountain)["image"]["alt"] == ""


def test_the_picture_comes_from_the_cdn_in_front_of_the_bucket(make_app, moto_s3, walk):
    url = moto_s3.storage_url(moto_s3.create_bucket(), prefix="city",
                              public_url="https://cdn.example.org/pictures")
    s3_app = make_app(PUBLIC_STORAGE_URL=url)
    hotspot_id = add_fountain(s3_app, walk)
    image = shown(s3_app.test_client(), hotspot_id)["image"]
    assert image["url"].startswith("https://cdn.example.org/pictures/city/hotspots/images/")
    assert image["thumb"]["url"].startswith("https://cdn.example.org/pictures/city/hotspots/")


def test_the_text_version_shows_the_picture_with_its_description(client, fountain):
    page = client.get("/text/tours/old-town?lang=en")
    assert page.status_code == 200
    parser = Images()
    parser.feed(page.get_data(as_text=True))
    image = shown(client, fountain, "?lang=en")["image"]
    pictures = [attributes for attributes in parser.images
                if attributes.get("class") == "walk-text-image"]
    assert len(pictures) == 1
    picture = pictures[0]
    assert picture["src"] == image["url"]
    assert picture["alt"] == ALT["en"]
    assert (picture["width"], picture["height"]) == ("1200", "800")
    assert picture["srcset"] == f"{image['thumb']['url']} 400w, {image['url']} 1200w"
    assert "Built in 1890." in page.get_data(as_text=True)
