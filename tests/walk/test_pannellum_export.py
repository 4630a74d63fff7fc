"""``GET /api/tours/<id>/pannellum``: the walk as a Pannellum tour configuration."""

from __future__ import annotations

import pytest
from flask import Flask

from server.extensions import db
from tests.walk.conftest import Walk
from tours import hotspots
from tours.models import HotspotKind, HotspotStatus

pytestmark = pytest.mark.database


def _add_info_hotspots(app: Flask, walk: Walk) -> None:
    with app.app_context():
        hotspots.add_hotspot(db.session, walk.scenes["market"].id, {
            "kind": HotspotKind.INFO, "yaw": 12.5, "pitch": -3.0,
            "label": {"en": "Fountain", "de": "Brunnen"}, "text": {"en": "Built in 1590."}})
        requested = hotspots.add_hotspot(db.session, walk.scenes["market"].id, {
            "kind": HotspotKind.URL, "yaw": 40.0, "pitch": 0.0, "url": "https://example.org/",
            "label": {"en": "Asked for"}})
        requested.status = HotspotStatus.REQUESTED
        db.session.commit()


def test_the_walk_becomes_pannellum_scenes_with_links_and_hotspots(app, client, auth_headers,
                                                                    walk):
    _add_info_hotspots(app, walk)
    response = client.get(f"/api/tours/{walk.tour_id}/pannellum?lang=de",
                          headers=auth_headers())
    assert response.status_code == 200, response.json
    assert "attachment" in response.headers["Content-Disposition"]
    config = response.json
    # the walk's scenes: its stops, then what their links reach; the unready one is left out
    assert set(config["scenes"]) == {"market", "hall", "lane", "far"}
    assert config["default"]["firstScene"] == "market"
    market = config["scenes"]["market"]
    assert market["title"] == "Marktplatz"
    assert market["type"] == "equirectangular"
    assert market["panorama"].startswith("http://localhost/")
    assert market["panorama"].endswith("/sd.jpg")
    # north lies at yaw 30, so the image's centre faces 330°
    assert market["northOffset"] == 330.0
    to_hall = [spot for spot in market["hotSpots"] if spot["type"] == "scene"]
    assert to_hall == [{"type": "scene", "sceneId": "hall", "yaw": 120.0, "pitch": -10,
                        "text": "Markthalle"}]
    infos = [spot for spot in market["hotSpots"] if spot["type"] == "info"]
    # the requested hotspot is not part of the walk yet
    assert infos == [{"type": "info", "yaw": 12.5, "pitch": -3.0,
                      "text": "Brunnen: Built in 1590."}]
    # every scene a scene hotspot names is in the configuration
    for scene in config["scenes"].values():
        for spot in scene["hotSpots"]:
            if spot["type"] == "scene":
                assert spot["sceneId"] in config["scenes"]


def test_the_export_is_for_editors_and_checks_its_input(app, client, auth_headers, walk):
    assert client.get(f"/api/tours/{walk.tour_id}/pannellum").status_code == 401
    assert client.get(f"/api/tours/{walk.tour_id}/pannellum?lang=it",
                      headers=auth_headers()).status_code == 422
    assert client.get("/api/tours/999999/pannellum", headers=auth_headers()).status_code == 404
    # a draft exports what an editor works on: its stops, as visitors would walk them
    draft = client.get(f"/api/tours/{walk.secret_tour_id}/pannellum", headers=auth_headers())
    assert draft.status_code == 200
    assert list(draft.json["scenes"]) == ["hidden"]


def test_a_tour_without_a_showable_scene_has_nothing_to_export(app, client, auth_headers,
                                                                make_panorama, make_scene):
    from tests.walk.conftest import tour_of
    from tours.models import PanoramaStatus

    waiting = make_scene(make_panorama(status=PanoramaStatus.TILING, current_revision=None),
                         slug="waiting")
    with app.app_context():
        tour_id = tour_of(db.session, "soon", [waiting])
        db.session.commit()
    response = client.get(f"/api/tours/{tour_id}/pannellum", headers=auth_headers())
    assert response.status_code == 409
    assert "nothing to export" in response.json["message"]
