"""Loading the demo downtown: through the real ingest, tiling and services, and idempotent.

The loads here render small panoramas (1024 × 512) into the test app's in-memory storages.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from demo.city import LANDMARKS, SCENES, SHOPS, TOUR
from demo.load import LoadReport, panorama_filename
from server.demo_cli import load_demo_city
from server.extensions import db
from server.storage_setup import originals_storage, public_storage
from tours import hotspots as hotspot_service
from tours import scenes as scene_service
from tours import shops as shop_service
from tours import tour_service
from tours.models import (
    AuditEvent,
    Hotspot,
    HotspotKind,
    Job,
    Link,
    Panorama,
    PanoramaStatus,
    Scene,
    Shop,
    ShopImage,
    ShopStatus,
    Stop,
    Tour,
    TourStatus,
)

SIZE = 1024
TABLES = (Panorama, Scene, Link, Hotspot, Shop, ShopImage, Tour, Stop, Job, AuditEvent)


def _load(app: Flask, **options: object) -> LoadReport:
    with app.app_context():
        return load_demo_city(app, size=SIZE, cache=False, say=lambda message: None,
                              **options)  # type: ignore[arg-type]


def _state(app: Flask) -> dict[str, object]:
    """Row counts, versions and stored objects: what a second load must leave alone."""
    with app.app_context():
        state: dict[str, object] = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in TABLES}
        for model in (Scene, Hotspot, Shop, Tour):
            state[f"{model.__tablename__} versions"] = sorted(
                db.session.execute(select(model.id, model.version)).all())
        state["revisions"] = sorted(db.session.execute(
            select(Panorama.id, Panorama.current_revision)).all())
        state["public objects"] = sorted(public_storage().list_keys(""))
        state["originals"] = sorted(originals_storage().list_keys(""))
        return state


@pytest.fixture
def loaded(app: Flask) -> tuple[Flask, LoadReport]:
    return app, _load(app)


def test_the_first_load_makes_the_whole_demo(loaded):
    app, report = loaded
    assert sorted(report.rendered) == sorted(scene.slug for scene in SCENES)
    assert report.created["scene"] == len(SCENES)
    assert report.created["shop"] == len(SHOPS)
    assert report.created["logo"] == len(SHOPS)
    assert report.created["tour"] == 1
    assert report.created["stop"] == len(TOUR.stops)
    with app.app_context():
        for scene in SCENES:
            row = db.session.scalar(select(Scene).where(Scene.slug == scene.slug))
            panorama = row.panorama
            assert panorama.status is PanoramaStatus.READY
            assert panorama.original_filename == panorama_filename(scene, SIZE)
            assert panorama.manifest["levels"]
            assert any(public_storage().list_keys(f"panoramas/{panorama.public_id}"))
            assert set(row.title) == {"de", "en", "es", "fr"}
            assert row.latitude
            assert row.longitude
        links = db.session.scalars(select(Link)).all()
        assert len(links) == 10
        bearings = {(link.from_scene.slug, link.to_scene.slug): link.bearing for link in links}
        assert bearings[("demo-marktgasse-west", "demo-marktgasse-mitte")] == 90.0
        assert bearings[("demo-marktgasse-mitte", "demo-marktgasse-west")] == 270.0
        shop_spots = db.session.scalars(
            select(Hotspot).where(Hotspot.kind == HotspotKind.SHOP)).all()
        assert {spot.shop_id for spot in shop_spots} == set(
            db.session.scalars(select(Shop.id)))
        assert db.session.scalar(select(func.count()).select_from(Hotspot)
                                 .where(Hotspot.kind == HotspotKind.INFO)) >= 2
        tour = db.session.scalar(select(Tour).where(Tour.slug == TOUR.slug))
        assert tour.status is TourStatus.PUBLISHED
        assert [stop.scene.slug for stop in tour.stops] == [s.scene for s in TOUR.stops]
        assert all(stop.initial_view is not None for stop in tour.stops)


def test_a_second_load_changes_nothing(loaded):
    app, _first = loaded
    before = _state(app)
    again = _load(app)
    assert not again.changed_anything
    assert again.rendered == []
    assert not again.created
    assert not again.updated
    assert _state(app) == before


def test_a_load_resets_what_editors_changed_in_the_demo(loaded):
    app, _first = loaded
    with app.app_context():
        shop = db.session.scalar(select(Shop).where(Shop.slug == SHOPS[0].slug))
        shop.name = {"en": "Renamed"}
        spot = db.session.scalars(select(Hotspot).order_by(Hotspot.id)).first()
        hotspot_service.update_hotspot(db.session, spot.id, {"yaw": 1.0, "pitch": 1.0})
        tour = db.session.scalar(select(Tour).where(Tour.slug == TOUR.slug))
        tour_service.remove_stop(db.session, tour.stops[-1].id)
        db.session.commit()
    again = _load(app)
    assert again.rendered == []
    assert again.updated["shop"] == 1
    assert again.updated["hotspot"] == 1
    assert again.created["stop"] == 1
    assert not _load(app).changed_anything


def test_the_demo_shops_are_valid_published_profiles(loaded, client):
    app, _report = loaded
    with app.app_context():
        for demo_shop in SHOPS:
            shop = db.session.scalar(select(Shop).where(Shop.slug == demo_shop.slug))
            assert shop.status is ShopStatus.PUBLISHED
            assert shop.owners == []
            assert shop.logo is not None
            assert set(shop.logo.variants) == {"large", "thumb"}
            assert shop.phone.startswith("+49")
            assert shop.website.startswith("https://")
            assert shop.opening_hours["weekly"]
            # the stored profile passes the services' rules as it is
            shop_service.clean_shop_fields(db.session, {
                "name": shop.name, "category": shop.category_key,
                "opening_hours": shop.opening_hours, "phone": shop.phone,
                "description": shop.description}, shop=shop)
        events = db.session.scalars(select(AuditEvent)
                                    .where(AuditEvent.action == "shop.created")).all()
        assert len(events) == len(SHOPS)
        assert all(e.actor_id is None for e in events)
    cards = client.get("/api/shops?page_size=50").get_json()
    assert {card["slug"] for card in cards} == {shop.slug for shop in SHOPS}
    bakery = client.get("/api/shops/demo-baeckerei-kern?lang=fr").get_json()
    assert bakery["name"] == "Boulangerie Kern"
    for demo_shop in SHOPS:
        assert client.get(f"/shops/{demo_shop.slug}").status_code == 200


def test_content_deleted_by_editors_comes_back(loaded):
    app, _report = loaded
    with app.app_context():
        tour = db.session.scalar(select(Tour).where(Tour.slug == TOUR.slug))
        tour_service.delete_tour(db.session, tour.id)
        scene = db.session.scalar(select(Scene).where(Scene.slug == SCENES[-1].slug))
        scene_service.delete_scene(db.session, scene.id)
        db.session.commit()
    again = _load(app)
    # the panorama is still known: the same rendering is ingested as the same panorama
    assert again.rendered == [SCENES[-1].slug]
    assert again.created["scene"] == 1
    assert again.created["tour"] == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Panorama)) == len(SCENES)


def test_the_command_loads_and_then_finds_everything_in_place(app, runner: FlaskCliRunner):
    first = runner.invoke(args=["demo", "load", "--size", str(SIZE), "--no-cache"])
    assert first.exit_code == 0, first.output
    assert "demo downtown loaded" in first.output
    assert "rendered 6" in first.output
    second = runner.invoke(args=["demo", "load", "--size", str(SIZE), "--no-cache"])
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    refused = runner.invoke(args=["demo", "load", "--size", "100"])
    assert refused.exit_code == 2
    assert "--size" in refused.output


def test_visitors_can_walk_the_demo(loaded, client):
    """The walk API offers the tour, and every scene opens with its arrows and hotspots."""
    tours = client.get("/api/walk/tours?lang=de").get_json()
    assert [tour["slug"] for tour in tours] == [TOUR.slug]
    assert tours[0]["title"] == TOUR.title["de"]
    for scene in SCENES:
        answer = client.get(f"/api/walk/scenes/{scene.slug}")
        assert answer.status_code == 200, scene.slug
        node = answer.get_json()
        assert node["links"]
        assert node["hotspots"]
    square = client.get("/api/walk/scenes/demo-marktplatz").get_json()
    arrows = {link["scene"]["slug"]: link["yaw"] for link in square["links"]}
    # north at yaw 0: the street lies west (yaw −90), the fountain scene north-east
    assert arrows["demo-marktgasse-ecke"] in (-90.0, 270.0)
    assert 0 < arrows["demo-marktplatz-brunnen"] < 90


def test_the_fountain_shows_its_picture_and_it_comes_back(loaded, client):
    """Both fountain hotspots show one stored picture, described; one removed by an editor is
    shown again by the next load."""
    fountain = next(landmark for landmark in LANDMARKS if landmark.picture)
    pictures = []
    for slug in fountain.scenes:
        node = client.get(f"/api/walk/scenes/{slug}?lang=es").get_json()
        spot = next(hotspot for hotspot in node["hotspots"]
                    if hotspot["label"] == fountain.label["es"])
        pictures.append(spot["image"])
    assert pictures[0] == pictures[1]
    assert pictures[0]["alt"] == fountain.picture_alt["es"]
    assert (pictures[0]["width"], pictures[0]["height"]) == (1200, 800)
    assert client.get(pictures[0]["url"]).status_code == 200
    others = [landmark for landmark in LANDMARKS if not landmark.picture]
    for landmark in others:
        for slug in landmark.scenes:
            node = client.get(f"/api/walk/scenes/{slug}?lang=en").get_json()
            assert all(hotspot["image"] is None for hotspot in node["hotspots"]
                       if hotspot["label"] == landmark.label["en"])
    app, _report = loaded
    with app.app_context():
        spot = db.session.scalars(select(Hotspot).where(Hotspot.image.is_not(None))
                                  .order_by(Hotspot.id)).first()
        hotspot_service.remove_image(db.session, spot.id)
        db.session.commit()
    again = _load(app)
    assert again.created["picture"] == 1
    assert again.updated["hotspot"] == 1  # its description came back with it
    assert not _load(app).changed_anything
