"""Content written with plain SQL in the schema of an earlier revision, as an installation
that ran older code holds it, and the checks that it is intact at the head revision."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from tours.models import Hotspot, Link, Scene, Shop, Stop, Tour, User

#: the schema the content is written in: before link versions (9d41b6e2c8a5) and before
#: floor plans, visitor counts and link checks (b6db85518e83); pinned, so the SQL below
#: keeps matching it however many revisions come later
OLD_REVISION = "c3a8e1f09b27"
CHANGED = dt.datetime(2026, 11, 30, 9, 0, 0, 250000)
ORIGINAL_KEY = "panoramas/aa/" + "a" * 64 + ".jpeg"


def insert_old_content(connection: Connection) -> None:
    """An editor, a shop owner and their shop, a panorama shown by two linked scenes, an info
    hotspot and a published tour, in the columns revision ``OLD_REVISION`` has."""
    stamps = {"changed": CHANGED}

    def run(sql: str, **values: object) -> None:
        connection.execute(sa.text(sql), {**stamps, **values})

    for user_id, email, role in ((1, "eda@city.test", "editor"),
                                 (2, "omer@bakery.test", "shop_owner")):
        run('INSERT INTO "user" (id, email, display_name, role, password_hash, is_active, '
            "session_generation, created_at) VALUES (:id, :email, '', :role, 'hash', :active, "
            "0, :changed)", id=user_id, email=email, role=role, active=True)
    run("INSERT INTO panorama (id, public_id, sha256, byte_size, original_filename, "
        "original_key, author, licence, status, error_code, error_message, current_revision, "
        "blur_regions, created_at, updated_at) VALUES (1, 'pano00000001', :sha, 5, 'a.jpg', "
        ":key, 'Ana', 'CC0-1.0', 'ready', '', '', 'r1', '[]', :changed, :changed)",
        sha="a" * 64, key=ORIGINAL_KEY)
    for scene_id, slug, title in ((1, "market", '{"en": "Market"}'),
                                  (2, "hall", '{"de": "Halle"}')):
        run("INSERT INTO scene (id, slug, panorama_id, title, description, latitude, "
            "longitude, north_offset, initial_yaw, initial_pitch, initial_zoom, version, "
            "created_at, updated_at) VALUES (:id, :slug, 1, :title, '{}', 49.87, 8.65, 12.5, "
            "0, 0, 50, 2, :changed, :changed)", id=scene_id, slug=slug, title=title)
    run("INSERT INTO link (id, from_scene_id, to_scene_id, bearing, length_m, kind, "
        "closed_reason, label, created_at, updated_at) VALUES (1, 1, 2, 87.25, 42.5, "
        "'stairs', '{}', '{\"en\": \"To the hall\"}', :changed, :changed)")
    run("INSERT INTO shop (id, slug, name, category_key, short_description, description, "
        "street, house_number, postal_code, locality, country, venue, level, unit, "
        "social_links, payment_methods, wheelchair, step_free_entrance, time_zone, "
        "opening_hours, status, search_text, version, created_at, updated_at) VALUES (1, "
        "'sun-bakery', '{\"en\": \"Sun Bakery\"}', 'bakery', '{}', '{}', 'Marktplatz', '3', "
        "'', 'Darmstadt', 'DE', '', '', '', '[]', '[\"cash\"]', 'yes', :step_free, "
        "'Europe/Berlin', '{}', 'published', 'sun bakery', 1, :changed, :changed)",
        step_free=True)
    run("INSERT INTO shop_owner (shop_id, user_id) VALUES (1, 2)")
    run("INSERT INTO hotspot (id, scene_id, yaw, pitch, kind, shop_id, text, label, "
        "image_alt, status, version, created_at, updated_at) VALUES (1, 1, -45, 5, 'shop', 1, "
        "'{}', '{}', '{}', 'approved', 1, :changed, :changed)")
    run("INSERT INTO tour (id, slug, title, intro, cover_scene_id, status, published, "
        "published_at, version, created_at, updated_at) VALUES (1, 'old-town', "
        "'{\"en\": \"Old town\"}', '{}', 2, 'published', :copy, :changed, 3, :changed, "
        ":changed)", copy='{"format": 1, "title": {"en": "Old town"}, "intro": {}, '
        '"cover_scene_id": 2, "stops": [{"position": 1, "scene_id": 1, "text": {}, '
        '"initial_view": null}]}')
    run("INSERT INTO stop (id, tour_id, position, scene_id, text, created_at, updated_at) "
        "VALUES (1, 1, 1, 1, '{}', :changed, :changed)")


def check_old_content(session: Session) -> None:
    """The content of :func:`insert_old_content`, read through today's models."""
    changed = CHANGED.replace(tzinfo=dt.UTC)
    market, hall = session.get(Scene, 1), session.get(Scene, 2)
    assert market is not None
    assert hall is not None
    assert (market.slug, market.title, market.north_offset, market.version) == (
        "market", {"en": "Market"}, 12.5, 2)
    assert market.updated_at == changed
    assert (hall.floor_plan_id, hall.floor_x) == (None, None)  # columns added later
    link = session.get(Link, 1)
    assert link is not None
    assert (link.from_scene_id, link.to_scene_id, link.bearing, link.kind.value,
            link.label, link.version) == (1, 2, 87.25, "stairs", {"en": "To the hall"}, 1)
    shop = session.get(Shop, 1)
    assert shop is not None
    assert (shop.name, shop.step_free_entrance, shop.payment_methods) == (
        {"en": "Sun Bakery"}, True, ["cash"])
    assert [owner.email for owner in shop.owners] == ["omer@bakery.test"]
    hotspot = session.get(Hotspot, 1)
    assert hotspot is not None
    assert hotspot.shop_id == 1
    assert hotspot.image is None
    tour = session.get(Tour, 1)
    assert tour is not None
    assert tour.published is not None
    assert tour.published["stops"][0]["scene_id"] == 1
    assert tour.published_at == changed
    assert [stop.scene_id for stop in session.scalars(sa.select(Stop))] == [1]
    assert session.get(User, 2).role.value == "shop_owner"
