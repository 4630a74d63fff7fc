"""``/sitemap.xml`` lists every public page with its languages; ``/robots.txt`` points at it."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from flask import Flask

from server.extensions import db
from tours import legal
from tours.models import LegalPageKey, Role, User

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
LANGUAGES = ("de", "en", "es", "fr")


def sitemap(client) -> ET.Element:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.data)  # noqa: S314 - our own answer


def locations(root: ET.Element) -> list[str]:
    return [str(element.text) for element in root.findall("s:url/s:loc", NS)]


def local(url: str) -> str:
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("http", "localhost"), url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_the_sitemap_lists_every_public_page_and_nothing_else(client, city):
    paths = [local(url) for url in locations(sitemap(client))]
    assert paths == [
        "/", "/shops", "/shops/buch-laden", "/shops/gassen-laden", "/shops/sonnen-baeckerei",
        "/tours/old-town", "/tours/old-town/market", "/tours/old-town/hall",
        "/imprint", "/privacy", "/accessibility",
    ]
    # no draft shop, no draft tour, no tour outside its window, no scene only they show
    for hidden in ("entwurf-laden", "secret", "advent", "ended", "hidden"):
        assert all(hidden not in path for path in paths)


def test_each_url_names_its_languages_and_every_address_answers(client, city):
    root = sitemap(client)
    for url in root.findall("s:url", NS):
        loc = str(url.findtext("s:loc", namespaces=NS))
        alternates = {link.get("hreflang"): link.get("href")
                      for link in url.findall("x:link", NS)}
        assert all(link.get("rel") == "alternate" for link in url.findall("x:link", NS))
        assert alternates == {**{code: f"{loc}?lang={code}" for code in LANGUAGES},
                              "x-default": loc}
        for address in alternates.values():
            assert client.get(local(str(address))).status_code == 200, address


def test_the_sitemap_gives_the_pages_their_own_alternates(client, city):
    """The sitemap and the page announce the same language versions."""
    from tests.public_pages.conftest import get_page

    root = sitemap(client)
    for url in root.findall("s:url", NS):
        loc = str(url.findtext("s:loc", namespaces=NS))
        expected = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)}
        assert dict(get_page(client, local(loc)).alternates()) == expected, loc


def test_lastmod_is_the_rows_update_time(app: Flask, client, city, make_user):
    admin = make_user(email="admin@example.org", role=Role.ADMIN)
    with app.app_context():
        legal.save_page(db.session, db.session.get_one(User, admin.id), LegalPageKey.PRIVACY,
                        {"en": "We keep little."}, expected_version=0)
        db.session.commit()
    root = sitemap(client)
    lastmod = {local(str(url.findtext("s:loc", namespaces=NS))): url.findtext("s:lastmod",
                                                                             namespaces=NS)
               for url in root.findall("s:url", NS)}
    assert lastmod["/"] is None
    assert lastmod["/imprint"] is None
    for path in ("/shops/sonnen-baeckerei", "/tours/old-town", "/tours/old-town/hall",
                 "/privacy"):
        stamp = dt.datetime.fromisoformat(str(lastmod[path]))
        assert stamp.tzinfo is not None
        assert abs(dt.datetime.now(dt.UTC) - stamp) < dt.timedelta(minutes=5), path


def test_the_sitemap_is_cached_and_revalidated(client, city):
    first = client.get("/sitemap.xml")
    assert first.cache_control.public
    assert first.cache_control.max_age == 60
    assert first.headers["ETag"]
    again = client.get("/sitemap.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_an_empty_city_has_a_valid_sitemap(client):
    paths = [local(url) for url in locations(sitemap(client))]
    assert paths == ["/", "/shops", "/imprint", "/privacy", "/accessibility"]


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /" not in lines  # the public site stays open
