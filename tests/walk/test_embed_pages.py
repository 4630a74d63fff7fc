"""``/embed/tours/<slug>[/<scene>]``: the walk in another site's iframe, and the tour page's
``<iframe>`` code."""

from __future__ import annotations

import html
import re

from tests.test_security_headers import assert_page_policy, inline_code
from tests.walk.conftest import Walk


def embed_page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert_page_policy(response, frame_ancestors="*")
    assert "X-Frame-Options" not in response.headers
    body = response.get_data(as_text=True)
    assert inline_code(body) == []
    return body


def test_the_embed_page_is_the_viewer_without_the_site(client, walk: Walk):
    body = embed_page(client, "/embed/tours/old-town?lang=en")
    assert 'id="walk-viewer"' in body
    assert 'data-embedded="true"' in body
    assert 'data-scene="market"' in body
    # no site chrome and nothing that acts on a session: no form, no sign-in or account links
    assert "<form" not in body
    assert "/sign-in" not in body
    assert "/login" not in body
    assert 'class="site-header"' not in body
    # search engines find the full page, not the frame
    assert '<meta name="robots" content="noindex">' in body
    assert 'rel="canonical" href="http://localhost/tours/old-town/market"' in body
    # "open the full walk" leads to the same scene and view on the city's site
    assert re.search(r'href="http://localhost/tours/old-town/market\?yaw=0\.0&amp;pitch=0\.0'
                     r'&amp;zoom=50\.0"', body), body


def test_an_embedded_scene_keeps_the_requested_view(client, walk: Walk):
    body = embed_page(client, "/embed/tours/old-town/hall?yaw=12.5&pitch=-3&zoom=40&lang=de")
    assert 'data-scene="hall"' in body
    assert 'data-yaw="12.5" data-pitch="-3.0" data-zoom="40.0"' in body
    assert '<html lang="de"' in body
    assert "Altstadt" in body


def test_the_tour_page_offers_the_iframe_code(client, walk: Walk):
    response = client.get("/tours/old-town?lang=en")
    body = response.get_data(as_text=True)
    # the read-only one: the page also has the "report this image" form's comment field
    code = html.unescape(re.search(r"<textarea readonly[^>]*>(.*?)</textarea>", body,
                                   re.S).group(1))
    assert code.startswith('<iframe src="http://localhost/embed/tours/old-town" ')
    assert 'title="Old town · ' in code
    assert 'allowfullscreen' in code
    assert code.endswith("></iframe>")
    # the code is text in the page, never markup of it
    assert "<iframe" not in body


def test_embeds_of_what_is_not_public_are_not_found(client, walk: Walk):
    for url in ("/embed/tours/secret", "/embed/tours/nowhere", "/embed/tours/secret/hidden",
                "/embed/tours/old-town/hidden", "/embed/tours/old-town/unready"):
        assert client.get(url).status_code == 404, url
