"""Owners' hotspot requests reach visitors only once an editor approves them: the walk's API,
its text version and a shop's "See it in the walk" never show a requested or rejected one."""

from __future__ import annotations

import pytest
from flask import Flask

from server.extensions import db
from tours import hotspot_requests, hotspots, shop_walk
from tours.models import HotspotStatus, Role, ShopStatus, User, utcnow

from .conftest import Walk


@pytest.fixture
def requests(app: Flask, walk: Walk, make_user, make_shop) -> dict[str, int]:
    """In the market: a shop's request waiting, another's rejected, an info hotspot approved."""
    owner = make_user(email="anna@shop.example", role=Role.SHOP_OWNER)
    editor = make_user(email="editor@city.example", role=Role.EDITOR)
    waiting_shop = make_shop(owners=(owner,), slug="waiting-books", status=ShopStatus.PUBLISHED,
                             name={"en": "Waiting Books"})
    rejected_shop = make_shop(owners=(owner,), slug="rejected-tea",
                              status=ShopStatus.PUBLISHED, name={"en": "Rejected Tea"})
    market = walk.scenes["market"].id
    with app.app_context():
        session = db.session
        anna = session.get(User, owner.id)
        waiting = hotspot_requests.place(session, anna, market, {
            "yaw": 10, "pitch": 0, "kind": "shop", "shop_id": waiting_shop.id})
        rejected = hotspot_requests.place(session, anna, market, {
            "yaw": 20, "pitch": 0, "kind": "shop", "shop_id": rejected_shop.id,
            "label": {"en": "Rejected label"}})
        hotspot_requests.decide(session, session.get(User, editor.id), rejected.id,
                                approve=False)
        approved = hotspots.add_hotspot(session, market, {
            "yaw": 30, "pitch": 0, "kind": "info", "label": {"en": "Fountain"},
            "text": {"en": "Built in 1890."}})
        session.commit()
        assert (waiting.status, rejected.status) == (HotspotStatus.REQUESTED,
                                                     HotspotStatus.REJECTED)
        return {"waiting": waiting.id, "rejected": rejected.id, "approved": approved.id,
                "waiting_shop": waiting_shop.id, "rejected_shop": rejected_shop.id,
                "editor": editor.id}


def test_the_walk_api_shows_approved_hotspots_only(client, requests):
    scene = client.get("/api/walk/scenes/market").get_json()
    assert [spot["id"] for spot in scene["hotspots"]] == [requests["approved"]]


def test_the_text_version_shows_approved_hotspots_only(client, requests):
    page = client.get("/text/tours/old-town?lang=en").get_data(as_text=True)
    assert "Fountain" in page
    assert "Waiting Books" not in page
    assert "Rejected Tea" not in page
    assert "Rejected label" not in page


def test_a_shop_is_in_the_walk_once_its_request_is_approved(app, client, requests):
    with app.app_context():
        session = db.session
        assert shop_walk.walk_place_of(session, requests["waiting_shop"], utcnow()) is None
        assert shop_walk.walk_place_of(session, requests["rejected_shop"], utcnow()) is None
        hotspot_requests.decide(session, session.get(User, requests["editor"]),
                                requests["waiting"], approve=True)
        session.commit()
        place = shop_walk.walk_place_of(session, requests["waiting_shop"], utcnow())
        assert place is not None
        assert place.scene_slug == "market"
    scene = client.get("/api/walk/scenes/market").get_json()
    assert {spot["id"] for spot in scene["hotspots"]} == {requests["approved"],
                                                          requests["waiting"]}
