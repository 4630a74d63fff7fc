"""Hotspots: what each kind needs, validity windows, versions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tours import hotspots
from tours.i18n import TextRequired
from tours.models import Hotspot, HotspotKind, User
from tours.validation import (
    InvalidPeriod,
    InvalidUrl,
    MissingValue,
    OutOfRange,
    VersionConflict,
)

START = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
INFO = {"yaw": 10, "pitch": -5, "kind": "info", "text": {"de": "Erbaut 1638"},
        "label": {"de": "Mariensäule"}}


@pytest.fixture
def scene(make_scene):
    return make_scene()


def test_each_kind_gets_what_it_needs(session, scene, make_user, make_shop):
    editor = session.get(User, make_user().id)
    bakery = make_shop()
    shop = hotspots.add_hotspot(session, scene.id, {"yaw": 180, "pitch": 0, "kind": "shop",
                                                    "shop_id": bakery.id}, created_by=editor)
    web = hotspots.add_hotspot(session, scene.id, {
        "yaw": 0, "pitch": 0, "kind": "url", "url": "https://city.example/market",
        "label": {"en": "Market website"}})
    info = hotspots.add_hotspot(session, scene.id, INFO)
    session.commit()
    assert (shop.kind, shop.shop_id, shop.yaw, shop.created_by_id) == (
        HotspotKind.SHOP, bakery.id, -180.0, editor.id)
    assert web.url == "https://city.example/market"
    assert info.text == {"de": "Erbaut 1638"}
    assert [hotspot.id for hotspot in hotspots.list_hotspots(session, scene.id)] == [
        shop.id, web.id, info.id]
    assert shop.version == web.version == info.version == 1


@pytest.mark.parametrize(("fields", "error", "field"), [
    ({"yaw": 0, "pitch": 0, "kind": "shop"}, MissingValue, "shop_id"),
    ({"yaw": 0, "pitch": 0, "kind": "url", "label": {"en": "x"}}, MissingValue, "url"),
    ({"yaw": 0, "pitch": 0, "kind": "url", "url": "https://a.example"}, TextRequired, "label"),
    ({"yaw": 0, "pitch": 0, "kind": "info", "label": {"en": "x"}}, TextRequired, "text"),
    ({**INFO, "url": "javascript:alert(1)"}, InvalidUrl, "url"),
    ({**INFO, "shop_id": 3}, hotspots.NotForThisKind, "shop_id"),
    ({"yaw": 0, "pitch": 0, "kind": "shop", "shop_id": 0}, hotspots.InvalidShopId, "shop_id"),
    ({"yaw": 0, "pitch": 0, "kind": "shop", "shop_id": 999_999}, hotspots.UnknownShop,
     "shop_id"),
    ({"yaw": 0, "pitch": 0, "kind": "shop", "shop_id": 3, "url": "https://a.example"},
     hotspots.NotForThisKind, "url"),
    ({**INFO, "yaw": 400}, OutOfRange, "yaw"),
    ({**INFO, "pitch": -91}, OutOfRange, "pitch"),
    ({**INFO, "valid_from": START, "valid_until": START}, InvalidPeriod, "valid_until"),
    ({"pitch": 0, "kind": "info"}, MissingValue, "yaw"),
])
def test_invalid_hotspots_are_refused(session, scene, fields, error, field):
    with pytest.raises(error) as refused:
        hotspots.add_hotspot(session, scene.id, fields)
    assert refused.value.field == field
    assert session.scalars(select(Hotspot)).all() == []


def test_changing_the_kind_clears_the_old_target(session, scene, make_shop):
    bakery = make_shop()
    hotspot = hotspots.add_hotspot(session, scene.id, {
        "yaw": 0, "pitch": 0, "kind": "url", "url": "https://a.example", "label": {"en": "A"}})
    hotspots.update_hotspot(session, hotspot.id, {"kind": "shop", "shop_id": bakery.id})
    assert (hotspot.kind, hotspot.shop_id, hotspot.url) == (HotspotKind.SHOP, bakery.id, None)
    with pytest.raises(MissingValue):
        hotspots.update_hotspot(session, hotspot.id, {"shop_id": None})
    hotspots.update_hotspot(session, hotspot.id, {"kind": "info", "text": {"en": "Info"},
                                                  "label": {"en": "i"}})
    assert (hotspot.kind, hotspot.shop_id, hotspot.text) == (HotspotKind.INFO, None,
                                                            {"en": "Info"})
    assert hotspot.version == 3


def test_validity_window(session, scene):
    hotspot = hotspots.add_hotspot(session, scene.id, {
        **INFO, "valid_from": START, "valid_until": START + dt.timedelta(days=24)})
    assert not hotspot.is_valid_at(START - dt.timedelta(seconds=1))
    assert hotspot.is_valid_at(START)
    assert not hotspot.is_valid_at(START + dt.timedelta(days=24))
    with pytest.raises(InvalidPeriod):
        hotspots.update_hotspot(session, hotspot.id, {"valid_from": START + dt.timedelta(days=30)})
    hotspots.update_hotspot(session, hotspot.id, {"valid_until": None})
    assert hotspot.is_valid_at(START + dt.timedelta(days=365))


def test_stale_versions_are_refused_for_changes_and_deletion(session, scene):
    hotspot = hotspots.add_hotspot(session, scene.id, INFO)
    hotspots.update_hotspot(session, hotspot.id, {"yaw": 20}, expected_version=1)
    session.commit()
    with pytest.raises(VersionConflict):
        hotspots.update_hotspot(session, hotspot.id, {"yaw": 30}, expected_version=1)
    with pytest.raises(VersionConflict):
        hotspots.delete_hotspot(session, hotspot.id, expected_version=1)
    hotspots.delete_hotspot(session, hotspot.id, expected_version=2)
    with pytest.raises(hotspots.HotspotNotFound):
        hotspots.get_hotspot(session, hotspot.id)
