"""Fixtures of the statistics tests: a small walk whose subjects can be counted.

One tour ("old-town") stopping at the market, a second scene (the hall), two shops (Anna's
Sun Bakery, shown by a hotspot in the market, and Bert's Book Nook) and an info hotspot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from server.extensions import db
from tours import hotspots, tour_service
from tours.models import Role, ShopStatus, User


@dataclass(frozen=True)
class StatsWorld:
    tour_id: int
    market_id: int
    hall_id: int
    bakery_id: int
    books_id: int
    bakery_hotspot_id: int
    info_hotspot_id: int
    anna: User
    bert: User


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # the tests write the counts themselves (flush_visits): no timer gets in between
    return {**app_config, "STATS_FLUSH_SECONDS": 3600.0}


@pytest.fixture
def stats_world(app: Flask, make_user: Any, make_scene: Any, make_shop: Any) -> StatsWorld:
    anna = make_user(email="anna@bakery.example", role=Role.SHOP_OWNER)
    bert = make_user(email="bert@books.example", role=Role.SHOP_OWNER)
    market = make_scene(slug="market", title={"en": "Market square", "de": "Marktplatz"})
    hall = make_scene(slug="hall", title={"en": "Hall"})
    bakery = make_shop(owners=(anna,), slug="sun-bakery", status=ShopStatus.PUBLISHED,
                       name={"en": "Sun Bakery"}, website="https://sun.example")
    books = make_shop(owners=(bert,), slug="book-nook", status=ShopStatus.PUBLISHED,
                      name={"en": "Book Nook"})
    with app.app_context():
        session = db.session
        shop_spot = hotspots.add_hotspot(session, market.id, {
            "yaw": 0, "pitch": 0, "kind": "shop", "shop_id": bakery.id})
        info_spot = hotspots.add_hotspot(session, market.id, {
            "yaw": 30, "pitch": 0, "kind": "info", "label": {"en": "Fountain"},
            "text": {"en": "Built in 1890."}})
        tour = tour_service.create_tour(session, {"slug": "old-town",
                                                  "title": {"en": "Old town"}})
        tour_service.add_stop(session, tour.id, {"scene_id": market.id})
        tour_service.publish_tour(session, tour.id)
        session.commit()
        return StatsWorld(tour.id, market.id, hall.id, bakery.id, books.id, shop_spot.id,
                          info_spot.id, anna, bert)
