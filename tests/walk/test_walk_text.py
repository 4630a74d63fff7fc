"""``/text/tours/<slug>``: the tour in words, for screen readers and browsers without WebGL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask

from server.extensions import db
from tests.test_security_headers import assert_page_policy, inline_code
from tests.walk.conftest import Walk
from tours import hotspots, links, tour_service
from tours.models import Link, ShopStatus, utcnow

ALWAYS_OPEN = {"weekly": [{"day": day, "opens": "00:00", "closes": "24:00"}
                          for day in range(1, 8)]}


class TextPage(HTMLParser):
    """The places' sections (id → heading and text) and every link (href → text)."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.headings: dict[str, str] = {}
        self.text: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.scripts = 0
        self._heading: str | None = None
        self._link: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "section" and (attributes.get("id") or "").startswith("scene-"):
            self.sections.append(str(attributes["id"]))
            self.text[self.sections[-1]] = ""
        if tag == "h3" and self.sections:
            self._heading = self.sections[-1]
            self.headings[self._heading] = ""
        if tag == "a":
            self._link = str(attributes.get("href"))
            self.links.setdefault(self._link, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3":
            self._heading = None
        if tag == "a":
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self.headings[self._heading] += data
        if self.sections:
            self.text[self.sections[-1]] += data
        if self._link is not None:
            self.links[self._link] += data


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def text_page(client, url: str) -> TextPage:
    response = client.get(url)
    assert response.status_code == 200, url
    assert_page_policy(response)
    html = response.get_data(as_text=True)
    assert inline_code(html) == []
    parsed = TextPage()
    parsed.feed(html)
    return parsed


@pytest.fixture
def furnished(app: Flask, walk: Walk, make_shop: Callable[..., Any]) -> Walk:
    """The walk with a shop, an info text and a web link in the market, and the way from the
    hall to the lane closed for building works."""
    shop = make_shop(slug="sun-bakery", status=ShopStatus.PUBLISHED, opening_hours=ALWAYS_OPEN,
                     name={"en": "Sun Bakery", "de": "Bäckerei Sonne"},
                     short_description={"en": "Bread since 1900"},
                     website="https://sun.example", online_shop_url="https://shop.sun.example",
                     phone="+49 30 1234567")
    draft = make_shop(slug="draft-shop", name={"en": "Not yet open"})
    market = walk.scenes["market"].id
    with app.app_context():
        session = db.session
        hotspots.add_hotspot(session, market, {"yaw": -30, "pitch": 0, "kind": "shop",
                                               "shop_id": shop.id})
        hotspots.add_hotspot(session, market, {"yaw": 0, "pitch": 0, "kind": "shop",
                                               "shop_id": draft.id})
        hotspots.add_hotspot(session, market, {
            "yaw": 10, "pitch": 5, "kind": "info", "label": {"en": "Fountain"},
            "text": {"en": "Built in 1890."}, "url": "https://history.example/fountain"})
        hotspots.add_hotspot(session, market, {
            "yaw": 40, "pitch": 5, "kind": "url", "label": {"en": "Town museum"},
            "url": "https://museum.example"})
        hotspots.add_hotspot(session, market, {
            "yaw": 50, "pitch": 5, "kind": "info", "label": {"en": "Old offer"},
            "text": {"en": "Over."}, "valid_until": utcnow() - dt.timedelta(days=1)})
        way = session.query(Link).filter_by(from_scene_id=walk.scenes["hall"].id,
                                            to_scene_id=walk.scenes["lane"].id).one()
        links.update_link(session, way.id, {
            "closed_until": dt.datetime(2099, 5, 3, 12, tzinfo=dt.UTC),
            "closed_reason": {"en": "Building works"}})
        session.commit()
    return walk


def test_the_text_version_lists_stops_then_the_places_beyond(client, furnished: Walk):
    page = text_page(client, "/text/tours/old-town?lang=en")
    assert page.scripts == 0
    # the stops in the tour's order (the unready one left out), then what the links reach
    assert page.sections == ["scene-market", "scene-hall", "scene-lane", "scene-far"]
    assert words(page.headings["scene-market"]) == "Stop 1: Market square"
    assert words(page.headings["scene-hall"]).startswith("Stop 2: ")
    assert words(page.headings["scene-lane"]) == "Lane"
    assert "Photo: Ana Ruiz (CC-BY-SA-4.0)" in words(page.text["scene-market"])
    # every place opens in the viewer, and its ways lead to the places' sections
    assert page.links["/tours/old-town/far"] == "Open in the 360° view"
    assert "#scene-hall" in page.links
    assert "#scene-lane" in page.links
    # nothing the walk does not show: the unready, hidden and draft places and shops
    assert "#scene-unready" not in page.links
    assert not any("hidden" in href for href in page.links)
    assert "Not yet open" not in page.text["scene-market"]
    assert "Over." not in page.text["scene-market"]


def test_shops_info_and_closed_ways_are_told(client, furnished: Walk):
    page = text_page(client, "/text/tours/old-town?lang=en")
    market = words(page.text["scene-market"])
    assert "Sun Bakery" in market
    assert "Bread since 1900" in market
    assert "Open around the clock" in market
    assert words(page.links["https://sun.example"]) == "Website: Sun Bakery"
    assert words(page.links["https://shop.sun.example"]) == "Online shop: Sun Bakery"
    assert words(page.links["tel:+49301234567"]).startswith("Phone: +49 30")
    assert words(page.links["http://localhost/shops/sun-bakery"]) == "See profile: Sun Bakery"
    assert "Fountain" in market
    assert "Built in 1890." in market
    assert words(page.links["https://history.example/fountain"]) == "Open link: Fountain"
    assert words(page.links["https://museum.example"]) == "Town museum"
    hall = words(page.text["scene-hall"])
    assert "Lane — Closed until May 3, 2099: Building works" in hall


def test_the_text_version_is_translated(client, furnished: Walk):
    page = text_page(client, "/text/tours/old-town?lang=de")
    assert words(page.headings["scene-market"]).endswith(": Marktplatz")
    assert "Bäckerei Sonne" in page.text["scene-market"]
    assert "Der Markt seit 1158." in page.text["scene-market"]


def test_the_tour_page_links_its_text_version(client, walk: Walk):
    html = client.get("/tours/old-town/hall?lang=en").get_data(as_text=True)
    assert 'id="walk-text-link" href="/text/tours/old-town#scene-hall"' in html
    # without JavaScript the viewer's box says so and leads to the text
    assert "<noscript>" in html


def test_what_is_not_public_has_no_text_version(client, walk: Walk):
    for url in ("/text/tours/secret", "/text/tours/nowhere"):
        assert client.get(url).status_code == 404, url


def test_a_tour_that_comes_back_to_a_scene_keeps_every_stop(app, client, walk: Walk):
    with app.app_context():
        tour_service.add_stop(db.session, walk.tour_id, {
            "scene_id": walk.scenes["market"].id, "text": {"en": "Back where we began."}})
        tour_service.publish_tour(db.session, walk.tour_id)
        db.session.commit()
    page = text_page(client, "/text/tours/old-town?lang=en")
    # one section per place, naming both of its stops and telling both texts
    assert page.sections.count("scene-market") == 1
    assert words(page.headings["scene-market"]).startswith("Stop 1, ")
    assert "Back where we began." in words(page.text["scene-market"])
