"""Revision c3a8e1f09b27 gives tours published before it their published copy, so visitors of
an upgraded installation see no change."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from server.extensions import db
from tours import walk
from tours.models import Tour, utcnow
from tours.tour_publishing import has_unpublished_changes, tour_copy

PREVIOUS = "750bc75e61a7"


def test_published_tours_get_their_copy_and_drafts_none(app_context):
    downgrade(revision=PREVIOUS)
    changed = dt.datetime(2026, 11, 30, 9, 0)
    stamps = {"changed": changed}
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO panorama (id, public_id, sha256, byte_size, original_filename, "
            "original_key, author, licence, status, error_code, error_message, "
            "current_revision, created_at, updated_at) VALUES (1, 'pano00000001', :sha, 1, "
            "'a.jpg', 'panoramas/aa/a.jpeg', '', '', 'ready', '', '', 'r1', :changed, "
            ":changed)"), {**stamps, "sha": "a" * 64})
        for scene_id, slug in ((1, "market"), (2, "hall")):
            connection.execute(sa.text(
                "INSERT INTO scene (id, slug, panorama_id, title, description, north_offset, "
                "initial_yaw, initial_pitch, initial_zoom, version, created_at, updated_at) "
                "VALUES (:id, :slug, 1, '{}', '{}', 0, 0, 0, 50, 1, :changed, :changed)"),
                {**stamps, "id": scene_id, "slug": slug})
        for tour_id, slug, status in ((1, "old-town", "published"), (2, "secret", "draft")):
            connection.execute(sa.text(
                "INSERT INTO tour (id, slug, title, intro, cover_scene_id, status, version, "
                "created_at, updated_at) VALUES (:id, :slug, :title, :intro, 2, :status, "
                "3, :changed, :changed)"), {
                    **stamps, "id": tour_id, "slug": slug, "title": '{"en": "Old town"}',
                    "intro": '{"en": "Hello"}', "status": status})
        for position, scene_id, text, view in ((1, 1, '{"en": "Start"}', (10.0, 5.0, 40.0)),
                                               (2, 2, "{}", (None, None, None))):
            connection.execute(sa.text(
                "INSERT INTO stop (tour_id, position, scene_id, text, initial_yaw, "
                "initial_pitch, initial_zoom, created_at, updated_at) VALUES (1, :position, "
                ":scene, :text, :yaw, :pitch, :zoom, :changed, :changed)"), {
                    **stamps, "position": position, "scene": scene_id, "text": text,
                    "yaw": view[0], "pitch": view[1], "zoom": view[2]})
    upgrade()
    db.session.remove()
    published = db.session.get(Tour, 1)
    assert published is not None
    assert published.published == tour_copy(published)
    assert published.published["stops"][0] == {
        "position": 1, "scene_id": 1, "text": {"en": "Start"},
        "initial_view": {"yaw": 10.0, "pitch": 5.0, "zoom": 40.0}}
    assert published.published["cover_scene_id"] == 2
    assert published.published_at == changed.replace(tzinfo=dt.UTC)
    assert not has_unpublished_changes(published)
    secret = db.session.get(Tour, 2)
    assert secret is not None
    assert (secret.published, secret.published_at) == (None, None)
    shown = walk.public_tour(db.session, "old-town", utcnow())
    assert [stop.scene_id for stop in shown.stops] == [1, 2]
    assert shown.title == {"en": "Old town"}
