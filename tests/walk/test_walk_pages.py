"""``/tours/<slug>`` and ``/tours/<slug>/<scene>``: the walk's server-rendered shell."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from sqlalchemy import update

from server.extensions import db
from tests.test_security_headers import assert_page_policy, inline_code
from tests.walk.conftest import Walk
from tours.models import Scene


class Shell(HTMLParser):
    """The viewer element's data, the meta properties and the list view's links."""

    def __init__(self) -> None:
        super().__init__()
        self.viewer: dict[str, str | None] = {}
        self.meta: dict[str, str | None] = {}
        self.links: list[str] = []
        self.current: list[str] = []
        self._in_current = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id") == "walk-viewer":
            self.viewer = attributes
        if tag == "meta" and attributes.get("property"):
            self.meta[str(attributes["property"])] = attributes.get("content")
        if tag == "li" and attributes.get("aria-current") == "step":
            self._in_current = True
        # the stops' links (the language links point at this page in another language)
        if (tag == "a" and (attributes.get("href") or "").startswith("/tours/")
                and "hreflang" not in attributes):
            self.links.append(str(attributes["href"]))
            if self._in_current:
                self.current.append(str(attributes["href"]))
                self._in_current = False


def shell(client, url: str) -> Shell:
    response = client.get(url)
    assert response.status_code == 200, url
    assert_page_policy(response)
    html = response.get_data(as_text=True)
    assert inline_code(html) == []
    parsed = Shell()
    parsed.feed(html)
    return parsed


def test_a_tour_opens_at_its_first_stop_with_a_list_view(client, walk: Walk):
    page = shell(client, "/tours/old-town?lang=en")
    assert page.viewer["data-tour"] == "old-town"
    assert page.viewer["data-scene"] == "market"
    assert (page.viewer["data-yaw"], page.viewer["data-pitch"]) == ("0.0", "0.0")
    # the list view: the stops visitors can open, in order (the unready one left out)
    assert page.links == ["/tours/old-town/market", "/tours/old-town/hall"]
    assert page.current == ["/tours/old-town/market"]
    assert page.meta["og:title"] == "Market square · Old town"
    assert "og:image" not in page.meta
    strings = json.loads(page.viewer["data-strings"] or "")
    assert strings["stop"] == "Stop %(n)s of %(m)s"
    assert strings["online_shop"] == "Online shop"


def test_the_page_is_translated(client, walk: Walk):
    page = shell(client, "/tours/old-town/hall?lang=de")
    assert page.meta["og:title"] == "Markthalle · Altstadt"
    assert page.current == ["/tours/old-town/hall"]


def test_a_deep_link_gives_the_view_and_bad_values_are_ignored(client, walk: Walk):
    page = shell(client, "/tours/old-town/hall?yaw=12.5&pitch=abc&zoom=500")
    assert (page.viewer["data-yaw"], page.viewer["data-pitch"], page.viewer["data-zoom"]) == (
        "12.5", "0.0", "100.0")
    page = shell(client, "/tours/old-town/hall?yaw=nan&pitch=-95")
    assert (page.viewer["data-yaw"], page.viewer["data-pitch"]) == ("0.0", "-90.0")


def test_a_scene_reached_by_links_opens_outside_the_stops(client, walk: Walk):
    page = shell(client, "/tours/old-town/far")
    assert page.viewer["data-scene"] == "far"
    assert page.current == []


def test_the_share_image_is_the_og_image(app, client, walk: Walk):
    with app.app_context():
        db.session.execute(update(Scene).where(Scene.id == walk.scenes["market"].id).values(
            share_image_key="scenes/1/share-abc.jpg", share_image_view={}))
        db.session.commit()
    page = shell(client, "/tours/old-town/market")
    assert (page.meta["og:image"] or "").startswith("http://localhost/")
    assert (page.meta["og:image"] or "").endswith("/scenes/1/share-abc.jpg")


def test_what_is_not_public_is_not_found(client, walk: Walk):
    for url in ("/tours/secret", "/tours/nowhere", "/tours/secret/hidden",
                "/tours/old-town/hidden", "/tours/old-town/unready", "/tours/old-town/nowhere"):
        assert client.get(url).status_code == 404, url
