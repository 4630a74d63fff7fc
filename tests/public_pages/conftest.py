"""A small public city for the public pages' tests, and a reader for their HTML.

The city (``city`` fixture), all scenes on ready panoramas::

    tour "old-town" (published): market, hall        market <-> hall <-> lane
    tour "advent"  (published, opens in ten days): hall
    tour "ended"   (published, closed yesterday): market
    tour "secret"  (draft): hidden
    shops: "sonnen-baeckerei" (published, hotspot in market), "buch-laden" (published, no
    hotspot), "gassen-laden" (published, hotspot in lane: reachable, but no stop),
    "entwurf-laden" (draft, hotspot in market)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask

from server.extensions import db
from server.storage_setup import public_storage
from tours import hotspots, links, tour_service
from tours.models import Panorama, Scene, Shop, utcnow

SHARE_KEY = "scenes/market/share-test.jpg"
HOTSPOT_VIEW = {"yaw": 42.5, "pitch": -3.25}


@dataclass(frozen=True)
class City:
    scenes: dict[str, Scene]
    shops: dict[str, Shop]


def add_tour(slug: str, scenes: list[Scene], **fields: Any) -> None:
    """A tour stopping at ``scenes``; with ``status="published"`` it is published once its
    stops are in (visitors see the copy taken then)."""
    publish = fields.pop("status", None) == "published"
    tour = tour_service.create_tour(db.session, {"slug": slug, **fields})
    for scene in scenes:
        tour_service.add_stop(db.session, tour.id, {"scene_id": scene.id})
    if publish:
        tour_service.publish_tour(db.session, tour.id)


@pytest.fixture
def city(app: Flask, make_panorama: Callable[..., Panorama], make_scene: Callable[..., Scene],
         make_shop: Callable[..., Shop]) -> City:
    panorama = make_panorama()
    scenes = {slug: make_scene(panorama, slug=slug, title={"en": slug.title(),
                                                          "de": f"{slug.title()} (de)"})
              for slug in ("market", "hall", "lane", "hidden")}
    shops = {
        "sonnen-baeckerei": make_shop(slug="sonnen-baeckerei", status="published",
                                      name={"de": "Sonnen-Bäckerei", "en": "Sun Bakery"},
                                      short_description={"en": "Bread from the wood oven"}),
        "buch-laden": make_shop(slug="buch-laden", status="published", category="books",
                                name={"de": "Buchladen am Markt", "en": "Market Books"}),
        "gassen-laden": make_shop(slug="gassen-laden", status="published", category="gift",
                                  name={"en": "Lane Gifts"}),
        "entwurf-laden": make_shop(slug="entwurf-laden", name={"en": "Draft Bakery"}),
    }
    now = utcnow()
    with app.app_context():
        session = db.session
        for first, second in (("market", "hall"), ("hall", "lane")):
            links.add_link(session, scenes[first].id,
                           {"to_scene_id": scenes[second].id, "bearing": 90.0})
        for shop, scene in (("sonnen-baeckerei", "market"), ("gassen-laden", "lane"),
                            ("entwurf-laden", "market")):
            hotspots.add_hotspot(session, scenes[scene].id, {
                **HOTSPOT_VIEW, "kind": "shop", "shop_id": shops[shop].id})
        add_tour("old-town", [scenes["market"], scenes["hall"]], status="published",
                 title={"en": "Old town", "de": "Altstadt"},
                 intro={"en": "From the market to the hall.", "de": "Vom Markt zur Halle."})
        add_tour("advent", [scenes["hall"]], status="published", title={"en": "Advent"},
                 publish_from=now + dt.timedelta(days=10))
        add_tour("ended", [scenes["market"]], status="published", title={"en": "Ended"},
                 publish_until=now - dt.timedelta(days=1))
        add_tour("secret", [scenes["hidden"]], title={"en": "Secret"})
        session.commit()
    return City(scenes=scenes, shops=shops)


@pytest.fixture
def share_image(app: Flask, city: City) -> str:
    """Give the market (the first stop of the first tour) a rendered share image; its URL
    (a local public storage's ``/media/…``)."""
    with app.app_context():
        storage = public_storage()
        storage.put(SHARE_KEY, b"jpeg", content_type="image/jpeg")
        scene = db.session.get_one(Scene, city.scenes["market"].id)
        scene.share_image_key = SHARE_KEY
        db.session.commit()
        return storage.public_url(SHARE_KEY)


class Page(HTMLParser):
    """What a test reads in a page: every tag with its attributes, links with their text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.anchors: list[dict[str, Any]] = []
        self.text_parts: list[str] = []
        self._anchor: dict[str, Any] | None = None
        self.title = ""
        self._in_title = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "a":
            self._anchor = {**attributes, "text": ""}
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._anchor is not None:
            self._anchor["text"] = " ".join(self._anchor["text"].split())
            self.anchors.append(self._anchor)
            self._anchor = None
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)
        if self._anchor is not None:
            self._anchor["text"] += data
        if self._in_title:
            self.title += data

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [attributes for name, attributes in self.tags if name == tag
                and all(attributes.get(key.rstrip("_").replace("_", "-")) == value
                        for key, value in wanted.items())]

    def meta(self, name: str) -> list[str | None]:
        return [attributes.get("content") for tag, attributes in self.tags
                if tag == "meta" and name in (attributes.get("property"), attributes.get("name"))]

    def alternates(self) -> list[tuple[str, str]]:
        """The ``hreflang`` links of the head, in order."""
        return [(str(link["hreflang"]), str(link["href"]))
                for link in self.find("link", rel="alternate") if link.get("hreflang")]

    def canonical(self) -> str | None:
        """The head's canonical address (None without one)."""
        found = self.find("link", rel="canonical")
        assert len(found) <= 1, found
        return str(found[0]["href"]) if found else None

    def links_to(self, start: str) -> list[dict[str, Any]]:
        return [anchor for anchor in self.anchors if str(anchor.get("href", "")).startswith(start)]


def get_page(client: Any, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return Page(response.get_data(as_text=True))
