"""Visitors' JSON is cached briefly and revalidated: ETag, Cache-Control, Vary and 304."""

from __future__ import annotations

import pytest
from flask import Response

from server.api_caching import body_etag
from server.extensions import db
from tours import scenes
from tours.models import ShopStatus


def assert_cacheable(response) -> str:
    """A short public Cache-Control, a strong ETag and the language in Vary; returns the tag."""
    assert response.status_code == 200
    assert response.cache_control.public
    assert response.cache_control.max_age == 60
    tag, weak = response.get_etag()
    assert tag
    assert not weak
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    return tag


def test_a_current_copy_gets_304(client, walk):
    first = client.get("/api/walk/scenes/market", headers={"Accept-Language": "de"})
    tag = assert_cacheable(first)
    again = client.get("/api/walk/scenes/market",
                       headers={"Accept-Language": "de", "If-None-Match": f'"{tag}"'})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.get_etag() == (tag, False)
    assert again.cache_control.public
    assert again.cache_control.max_age == 60
    assert {"Accept-Language", "Cookie"} <= set(again.vary)
    # weak comparison, lists and * as HTTP says
    for header in (f'W/"{tag}"', f'"other", "{tag}"', "*"):
        assert client.get("/api/walk/scenes/market", headers={
            "Accept-Language": "de", "If-None-Match": header}).status_code == 304, header
    assert client.head("/api/walk/scenes/market", headers={
        "Accept-Language": "de", "If-None-Match": f'"{tag}"'}).status_code == 304


def test_another_language_or_a_change_is_a_new_tag(app, client, walk):
    german = assert_cacheable(client.get("/api/walk/scenes/market",
                                         headers={"Accept-Language": "de"}))
    english = client.get("/api/walk/scenes/market",
                         headers={"Accept-Language": "en", "If-None-Match": f'"{german}"'})
    assert english.status_code == 200
    assert assert_cacheable(english) != german
    with app.app_context():
        scenes.update_scene(db.session, walk.scenes["market"].id,
                            {"title": {"de": "Neuer Markt"}})
        db.session.commit()
    changed = client.get("/api/walk/scenes/market",
                         headers={"Accept-Language": "de", "If-None-Match": f'"{german}"'})
    assert changed.status_code == 200
    assert changed.get_json()["title"] == "Neuer Markt"
    assert assert_cacheable(changed) != german


@pytest.mark.parametrize("url", ["/api/walk/tours", "/api/walk/tours/old-town",
                                 "/api/walk/scenes/far"])
def test_every_walk_answer_is_cacheable(client, walk, url):
    tag = assert_cacheable(client.get(url))
    assert client.get(url, headers={"If-None-Match": f'"{tag}"'}).status_code == 304


def test_the_public_shop_endpoints_are_cacheable(client, make_shop):
    make_shop(slug="sun-bakery", status=ShopStatus.PUBLISHED)
    for url in ("/api/shops/sun-bakery", "/api/shops", "/api/shops?q=sonne&page=1",
                "/api/shop-categories"):
        tag = assert_cacheable(client.get(url, headers={"Accept-Language": "fr"}))
        assert client.get(url, headers={"Accept-Language": "fr",
                                        "If-None-Match": f'"{tag}"'}).status_code == 304, url
    missing = client.get("/api/shops/no-such-shop")
    assert missing.status_code == 404
    assert "ETag" not in missing.headers


def test_the_page_count_is_part_of_the_tag(app):
    with app.test_request_context():
        one, other = Response(b"[]"), Response(b"[]")
        one.headers["X-Pagination"] = '{"total": 0}'
        other.headers["X-Pagination"] = '{"total": 20, "page": 2}'
        assert body_etag(one) != body_etag(other)
        assert body_etag(one) == body_etag(Response(b"[]", headers=one.headers))


def test_editors_endpoints_keep_their_version_tags(client, auth_headers, walk):
    editor = auth_headers()
    response = client.get(f"/api/scenes/{walk.scenes['market'].id}", headers=editor)
    assert response.headers["ETag"] == '"1"'
    assert not response.cache_control.public


def test_only_localised_public_answers_vary_by_cookie(app):
    """``server.sessions`` drops the session's ``Vary: Cookie`` from public answers, except
    from translated ones: there the ``lang`` cookie picks the variant."""
    from flask import session
    from flask_babel import get_locale

    def public(localised: bool) -> Response:
        _ = session.get("anything")  # touched, as Flask-Login does on every request
        if localised:
            get_locale()
        response = Response(b"same for everyone")
        response.cache_control.public = True
        response.vary.add("Origin")  # another name in Vary must not keep Cookie in it
        return response

    app.add_url_rule("/plain-public", "plain_public", lambda: public(False))
    app.add_url_rule("/localised-public", "localised_public", lambda: public(True))
    client = app.test_client()
    plain = client.get("/plain-public")
    assert "Cookie" not in plain.vary
    assert "Origin" in plain.vary
    assert {"Cookie", "Accept-Language"} <= set(client.get("/localised-public").vary)
