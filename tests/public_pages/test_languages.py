"""``hreflang`` alternates on public pages and language links that keep the query."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.public_pages.conftest import get_page
from tours.models import Role

LANGUAGES = ("de", "en", "es", "fr")


def query_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


@pytest.mark.parametrize("path", ["/", "/shops", "/shops/sonnen-baeckerei", "/tours/old-town",
                                  "/tours/old-town/hall", "/imprint", "/privacy",
                                  "/accessibility"])
def test_every_public_page_announces_each_language_once(client, city, path):
    alternates = get_page(client, path).alternates()
    assert [code for code, _href in alternates] == [*LANGUAGES, "x-default"]
    base = f"http://localhost{path}"
    assert dict(alternates) == {**{code: f"{base}?lang={code}" for code in LANGUAGES},
                                "x-default": base}


def test_alternates_and_canonical_leave_out_the_view(client, city):
    # where a visitor looks is not another page: every address of the set is its own canonical
    page = get_page(client, "/tours/old-town/market?yaw=12.5&pitch=-4&lang=fr&zoom=30")
    alternates = dict(page.alternates())
    for code in LANGUAGES:
        assert alternates[code] == f"http://localhost/tours/old-town/market?lang={code}"
    assert alternates["x-default"] == "http://localhost/tours/old-town/market"
    assert page.canonical() == alternates["fr"]
    # the address without a language is the x-default page, canonical to itself
    assert get_page(client, "/tours/old-town/market?yaw=3").canonical() == (
        alternates["x-default"])


@pytest.mark.parametrize("path", ["/", "/shops", "/shops/sonnen-baeckerei", "/tours/old-town",
                                  "/tours/old-town/hall", "/imprint", "/text/tours/old-town"])
def test_each_language_is_its_own_canonical_page(client, city, path):
    for code in (*LANGUAGES, None):
        url = f"{path}?lang={code}" if code else path
        page = get_page(client, url)
        assert page.canonical() == f"http://localhost{url}", url
        assert page.canonical() in dict(page.alternates()).values()


def test_the_language_switch_keeps_the_other_query_parameters(client, city):
    page = get_page(client, "/tours/old-town/market?yaw=12.5&pitch=-4&lang=fr")
    switch = {anchor["hreflang"]: anchor["href"] for anchor in page.anchors
              if anchor.get("hreflang")}
    assert set(switch) == set(LANGUAGES)
    for code, href in switch.items():
        assert href.startswith("/tours/old-town/market?")
        assert query_of(href) == [("yaw", "12.5"), ("pitch", "-4"), ("lang", code)]
    # and following one changes the language and nothing else
    german = client.get(switch["de"])
    assert german.status_code == 200
    assert '<html lang="de">' in german.get_data(as_text=True)


def test_the_language_switch_keeps_a_search(client, city):
    page = get_page(client, "/?q=caf%C3%A9+%26+co")
    href = next(anchor["href"] for anchor in page.anchors if anchor.get("hreflang") == "es")
    assert query_of(href) == [("q", "café & co"), ("lang", "es")]
    assert dict(page.alternates())["es"] == f"http://localhost{href}"


def test_repeated_parameters_are_kept(client, city):
    page = get_page(client, "/shops?category=bakery&category=books&lang=en")
    assert query_of(dict(page.alternates())["de"]) == [
        ("category", "bakery"), ("category", "books"), ("lang", "de")]


def test_error_pages_announce_no_alternates(client, city):
    page = get_page(client, "/shops/entwurf-laden", status=404)
    assert page.alternates() == []
    assert get_page(client, "/tours/secret", status=404).alternates() == []


def test_staff_pages_announce_no_alternates(client, make_user, login):
    make_user(email="admin@example.org", role=Role.ADMIN)
    login(client, "admin@example.org")
    page = get_page(client, "/admin/legal")
    assert page.alternates() == []
    # the language switch still works there
    assert any(anchor.get("hreflang") == "de" and anchor["href"] == "/admin/legal?lang=de"
               for anchor in page.anchors)
