"""The city home: the public tours, the shop search with its walk links, and its meta tags."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.public_pages.conftest import HOTSPOT_VIEW, get_page


def test_home_lists_exactly_the_public_tours(client, city):
    page = get_page(client, "/?lang=en")
    cards = [anchor for anchor in page.links_to("/tours/") if "tour-card-link" in
             str(anchor.get("class"))]
    assert [(anchor["href"], anchor["text"]) for anchor in cards] == [("/tours/old-town",
                                                                       "Old town")]
    # the draft, the one not open yet and the one that ended are nowhere on the page
    for hidden in ("advent", "ended", "secret"):
        assert f"/tours/{hidden}" not in page.html
    assert "From the market to the hall." in page.text
    assert "2 stops" in page.text
    assert "No walks have been published yet." not in page.text


def test_the_home_speaks_the_visitors_language(client, city):
    page = get_page(client, "/?lang=de")
    assert [anchor["text"] for anchor in page.links_to("/tours/old-town")] == ["Altstadt"]
    assert "Vom Markt zur Halle." in page.text


def test_a_tour_card_shows_the_first_stops_share_image(client, city, share_image):
    page = get_page(client, "/?lang=en")
    images = page.find("img", class_="tour-card-image")
    assert [image["src"] for image in images] == [share_image]
    assert images[0]["alt"] == ""  # decorative: the title follows in the same link


def test_without_public_tours_the_home_says_so(client):
    page = get_page(client, "/?lang=en")
    assert "No walks have been published yet." in page.text
    assert not page.find("meta", property="og:image")


def test_a_search_finds_published_shops_with_links_into_the_walk(client, city):
    page = get_page(client, "/?q=bakery&lang=en")
    profiles = [anchor for anchor in page.links_to("/shops/") if anchor["text"]]
    assert [anchor["text"] for anchor in profiles] == ["Sun Bakery"]  # not the draft
    walk_links = page.find("a", class_="walk-link")
    assert len(walk_links) == 1
    url = urlsplit(str(walk_links[0]["href"]))
    assert url.path == "/tours/old-town/market"
    assert {name: float(values[0]) for name, values in parse_qs(url.query).items()} == \
        HOTSPOT_VIEW
    assert "1 shop found" in page.text


def test_the_walk_link_opens_the_page_it_names(client, city):
    page = get_page(client, "/?q=sonnen&lang=en")
    href = str(page.find("a", class_="walk-link")[0]["href"])
    assert client.get(href).status_code == 200


def test_a_shop_seen_only_off_the_tour_is_shown_within_a_public_tour(client, city):
    page = get_page(client, "/?q=lane&lang=en")
    href = str(page.find("a", class_="walk-link")[0]["href"])
    assert urlsplit(href).path == "/tours/old-town/lane"
    assert client.get(href).status_code == 200


def test_a_shop_without_a_hotspot_has_no_walk_link(client, city):
    page = get_page(client, "/?q=books&lang=en")
    assert [anchor["text"] for anchor in page.links_to("/shops/buch-laden")] == ["Market Books"]
    assert page.find("a", class_="walk-link") == []


def test_a_search_without_results_says_so(client, city):
    page = get_page(client, "/?q=submarine&lang=en")
    assert "No shop matches “submarine”." in page.text
    assert page.links_to("/shops/buch-laden") == []
    odd = client.get("/?q=<b>zz</b>&lang=en").get_data(as_text=True)
    assert "No shop matches “&lt;b&gt;zz&lt;/b&gt;”." in odd


@pytest.mark.parametrize("query", [
    "x" * 20_000, "%_\\", "<script>alert(1)</script>", "\x00\x01", "'; DROP TABLE shop; --",
    "!!!", "Ünïcödé 🥐", "a " * 500,
])
def test_long_or_odd_searches_are_answered_calmly(client, city, query):
    response = client.get("/", query_string={"q": query, "lang": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "City walks" in html


def test_a_search_lists_at_most_ten_and_links_the_directory(client, make_shop):
    for number in range(12):
        make_shop(slug=f"baker-{number:02d}", status="published", name={"en": f"Baker {number}"})
    page = get_page(client, "/?q=baker&lang=en")
    assert len(list(page.links_to("/shops/baker-"))) == 10
    more = page.links_to("/shops?q=baker")
    assert more
    assert "12" in more[0]["text"]


def test_title_description_and_open_graph(client, city, share_image):
    page = get_page(client, "/?lang=en")
    assert page.title.strip() == "Flaneur"
    description = page.meta("description")
    assert len(description) == 1
    assert "360°" in str(description[0])
    assert page.meta("og:title") == ["Flaneur"]
    assert page.meta("og:description") == description
    assert page.meta("og:url") == ["http://localhost/?lang=en"]
    assert page.meta("og:image") == [f"http://localhost{share_image}"]
    assert page.meta("og:image:width") == ["1200"]
    assert page.meta("og:type") == ["website"]
    assert page.meta("robots") == []


def test_a_search_page_is_not_indexed_and_names_the_search(client, city):
    page = get_page(client, "/?q=bakery&lang=en")
    assert page.meta("robots") == ["noindex"]
    assert "bakery" in page.title
    # shared, the link shows the same search
    assert page.meta("og:url") == ["http://localhost/?q=bakery&lang=en"]


def test_no_og_image_until_a_share_image_is_rendered(client, city):
    assert get_page(client, "/?lang=en").meta("og:image") == []


def test_the_footer_links_the_legal_pages(client):
    page = get_page(client, "/?lang=en")
    for path in ("/imprint", "/privacy", "/accessibility"):
        assert page.links_to(path), path
