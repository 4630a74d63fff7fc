"""A small city with one of everything a backup must carry, and a way to compare two
installations row by row and original by original.

The content goes through the real pipelines where an object is stored (panorama ingest, web
images, floor plan drawings) and through the services or plain rows elsewhere; it is made to
exercise every kind of value: aware timestamps, dates, booleans, JSON maps and lists, JSON
columns holding SQL NULL, floats, and a taken-down panorama whose original is gone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import FileStorage

from media_tools.web_images import prepare_web_image
from server import create_app
from server.extensions import db
from server.floor_plans_api import store_drawing
from server.image_uploads import store_image
from server.panorama_uploads import ingest_file
from server.security import password_hasher
from server.storage_setup import originals_storage, public_storage
from tests.content.test_floor_plans_api import drawing_png
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.apps import base_config, close_app
from tests.support.hotspot_images import picture_bytes
from tests.support.upload_files import panorama_file
from tours import accounts, audit, hotspots, links, scenes, shop_media, shops, tour_service
from tours.models import (
    AccountLink,
    ApiToken,
    Base,
    CitySettings,
    DailyCount,
    FloorPlan,
    HotspotKind,
    HotspotStatus,
    ImageReport,
    LegalPage,
    LegalPageKey,
    LinkCheck,
    LinkCheckOutcome,
    LinkKind,
    LinkPurpose,
    Panorama,
    PanoramaStatus,
    ReportReason,
    Role,
    Shop,
    ShopStatus,
)

OWNER_EMAIL = "owner@bakery.test"
EDITOR_EMAIL = "editor@city.test"
#: tables the comparison leaves out: queued work is not part of a backup
NOT_COMPARED = frozenset({"job"})


@dataclass
class Installation:
    """One Flaneur installation in a test: an app on its own database and storages."""

    app: Flask
    name: str

    def close(self) -> None:
        close_app(self.app)


def installation(folder: Path, name: str, *, database: str | None = None,
                 originals: str | None = None, public: str | None = None,
                 **config: Any) -> Installation:
    """An installation whose files live under ``folder/name``: a new SQLite file (no schema)
    unless ``database`` is given, local storages unless ``originals``/``public`` are."""
    home = folder / name
    home.mkdir(parents=True, exist_ok=True)
    settings = base_config(database or f"sqlite:///{home / 'flaneur.sqlite3'}", home)
    settings.update({
        "ORIGINALS_STORAGE_URL": originals or (home / "originals").as_uri(),
        "PUBLIC_STORAGE_URL": public or (home / "public").as_uri(),
        **config,
    })
    return Installation(create_app(settings), name)


def _store_web_image(data: bytes, purpose: str, area: str) -> Any:
    return store_image(prepare_web_image(data, purpose=purpose), data, area=area)


def build_city(app: Flask) -> dict[str, Any]:
    """Fill ``app``'s (migrated, empty) installation; returns a few ids and secrets."""
    now = dt.datetime(2026, 12, 7, 10, 15, 30, 123456, tzinfo=dt.UTC)
    with app.app_context():
        session = db.session
        hasher = password_hasher()
        editor = accounts.create_user(session, hasher, email=EDITOR_EMAIL, role=Role.EDITOR,
                                      password=DEFAULT_PASSWORD, display_name="Eda Editor")
        owner = accounts.create_user(session, hasher, email=OWNER_EMAIL, role=Role.SHOP_OWNER,
                                     password=DEFAULT_PASSWORD, display_name="Ömer Bäcker")
        owner.totp_last_step = 2**40  # a BigInteger beyond 32 bits
        owner.last_login_at = now
        _, token = accounts.issue_token(session, owner, "bakery laptop")
        session.add(AccountLink(user_id=editor.id, purpose=LinkPurpose.PASSWORD_RESET,
                                token_hash="f" * 64, expires_at=now + dt.timedelta(days=1)))
        session.commit()

        first = ingest_file(io.BytesIO(panorama_file(1)), filename="Markt.jpg",
                            author="Ana Ruiz", licence="CC-BY-SA-4.0", created_by_id=editor.id)
        second = ingest_file(io.BytesIO(panorama_file(2)), filename="Halle.jpg")
        market_pano, hall_pano = first.panorama, second.panorama
        market_pano.crop = None  # JSON null (the column's own None), not SQL NULL
        hall_pano.blur_regions = [{"x": 0.1, "y": 0.4, "width": 0.05, "height": 0.02,
                                   "kind": "face"}]
        # a panorama taken down after a report: its original is gone and stays gone
        session.add(Panorama(sha256="d" * 64, byte_size=10, original_key="panoramas/dd/gone.jpeg",
                             status=PanoramaStatus.TAKEN_DOWN, purged_at=now))
        session.commit()

        key, width, height = store_drawing(FileStorage(io.BytesIO(drawing_png()), "plan.png"))
        plan = FloorPlan(venue="Markthalle", level="0", title={"de": "Erdgeschoss"},
                         image_key=key, image_width=width, image_height=height)
        session.add(plan)
        session.flush()

        market = scenes.create_scene(session, {
            "slug": "market", "panorama": market_pano.public_id,
            "title": {"de": "Marktplatz", "en": "Market square"}, "latitude": 49.8728,
            "longitude": 8.6512, "north_offset": 12.5})
        hall = scenes.create_scene(session, {
            "slug": "covered-market", "panorama": hall_pano.public_id, "title": {"en": "Hall"},
            "description": {"en": "Under the roof"}})
        scenes.update_scene(session, hall.id, {"slug": "hall"})  # a former slug to back up
        hall.floor_plan_id, hall.floor_x, hall.floor_y, hall.level = plan.id, 0.25, 0.75, "0"
        session.flush()
        links.add_link(session, market.id, {
            "to_scene_id": hall.id, "bearing": 87.25, "kind": LinkKind.STAIRS, "length_m": 42.5,
            "closed_until": now + dt.timedelta(days=3), "closed_reason": {"en": "Works"},
            "label": {"en": "To the hall"}})

        shop = shops.create_shop(session, editor, {
            "slug": "sun-bakery", "name": {"de": "Bäckerei Sonne", "en": "Sun Bakery"},
            "category": "bakery", "street": "Marktplatz", "house_number": "3",
            "phone": "+4961511234567", "payment_methods": ["cash", "debit_card"],
            "social_links": ["https://example.org/sun"], "step_free_entrance": True,
            "opening_hours": {"weekly": [{"day": 1, "opens": "07:00", "closes": "18:30"}],
                              "special": []}},
            default_time_zone="Europe/Berlin")
        shop.status, shop.published_at = ShopStatus.PUBLISHED, now
        shop.owners.append(owner)
        session.flush()
        logo, _ = shop_media.add_image(session, editor, shop.id, "logo", _store_web_image(
            picture_bytes((400, 400), (200, 120, 20)), "logo", "shops"))
        photo, _ = shop_media.add_image(session, editor, shop.id, "photo", _store_web_image(
            picture_bytes((1200, 800), (20, 120, 200)), "photo", "shops"),
            alt_text={"en": "The counter"})
        shop_media.add_offer(session, editor, shop.id, {
            "kind": "offer", "title": {"en": "Two for one"}, "text": {"en": "Rolls"},
            "image_id": photo.id, "valid_from": now, "valid_until": now + dt.timedelta(days=7)})
        session.add(LinkCheck(shop_id=shop.id, field="website", url="https://example.org/",
                              outcome=LinkCheckOutcome.OK, status_code=200, checked_at=now))

        hotspots.add_hotspot(session, market.id, {"yaw": 10.0, "pitch": -2.5, "kind": "shop",
                                                  "shop_id": shop.id}, created_by=editor)
        info = hotspots.add_hotspot(session, market.id, {
            "yaw": -45.0, "pitch": 5.0, "kind": HotspotKind.INFO,
            "text": {"en": "The fountain"}, "label": {"en": "Fountain"}})
        hotspots.set_image(session, info.id, _store_web_image(picture_bytes(), "photo",
                                                              "hotspots"))
        hotspots.add_hotspot(session, hall.id, {
            "yaw": 90.0, "pitch": 0.0, "kind": "url", "url": "https://example.org/hall",
            "label": {"en": "Opening times"},
            "valid_from": now, "valid_until": None})
        hotspots.add_hotspot(session, hall.id, {"yaw": 0.0, "pitch": 0.0, "kind": "shop",
                                                "shop_id": shop.id}, created_by=owner,
                             status=HotspotStatus.REQUESTED)

        tour = tour_service.create_tour(session, {"slug": "old-town",
                                                  "title": {"en": "Old town"},
                                                  "intro": {"en": "Welcome"}})
        tour_service.add_stop(session, tour.id, {"scene_id": market.id,
                                                 "text": {"en": "Start here"}})
        tour_service.add_stop(session, tour.id, {"scene_id": hall.id, "initial_view": {
            "yaw": 30.0, "pitch": 2.0, "zoom": 40.0}})
        tour_service.publish_tour(session, tour.id)
        # renamed once: its former slug goes into the backup too
        draft = tour_service.create_tour(session, {"slug": "first-draft",
                                                   "title": {"de": "Entwurf"}})
        tour_service.update_tour(session, draft.id, {"slug": "draft-walk"})
        tour_service.add_stop(session, draft.id, {"scene_id": hall.id})

        logo_record = _store_web_image(picture_bytes((300, 300), (10, 80, 40)), "logo", "city")
        session.add(CitySettings(id=1, name="Darmstadt", header_colour="#004488",
                                 header_text="light", accent_colour="#cc3300",
                                 default_language="de", time_zone="Europe/Berlin",
                                 map_latitude=49.87, logo=logo_record.as_record()))
        session.add(LegalPage(key=LegalPageKey.IMPRINT, body={"de": "<p>Impressum</p>"}))
        session.add(DailyCount(day=dt.date(2026, 12, 6), event="scene_view",
                               subject_id=market.id, count=17))
        session.add(ImageReport(scene_id=market.id, panorama_id=market_pano.id,
                                revision=None, reason=ReportReason.PERSON, comment="a face",
                                view={"yaw": 1.0, "pitch": 0.0, "zoom": 50.0}))
        audit.record(session, editor, "shop.updated", target_type="shop",
                     target_id=str(shop.id), details={"fields": ["name"]})
        session.commit()
        return {"token": token, "shop_id": shop.id, "logo_id": logo.id, "market": market.id,
                "hall": hall.id, "plan": plan.id}


def table_rows(app: Flask) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but the job queue, read through the models' own types
    (aware UTC timestamps, parsed JSON, booleans), in primary key order."""
    with app.app_context():
        rows: dict[str, list[dict[str, Any]]] = {}
        for table in Base.metadata.sorted_tables:
            if table.name in NOT_COMPARED:
                continue
            order = list(table.primary_key.columns)
            result = db.session.execute(sa.select(table).order_by(*order)).mappings()
            rows[table.name] = [dict(row) for row in result]
        # SQL NULL and JSON null read the same through the models: count them apart
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, sa.JSON) and table.name not in NOT_COMPARED:
                    nulls = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                              .where(column.is_(None)))
                    rows[f"{table.name}.{column.name} IS NULL"] = [{"count": nulls}]
        db.session.remove()
        return rows


def object_checksums(app: Flask, role: str) -> dict[str, str]:
    """SHA-256 of every object in one of ``app``'s storages, by key."""
    with app.app_context():
        storage = originals_storage() if role == "originals" else public_storage()
        return {key: hashlib.sha256(storage.get(key)).hexdigest()
                for key in storage.list_keys()}


def assert_same_city(source: Flask, target: Flask) -> None:
    """Every table's rows and every original are the same in both installations."""
    expected, restored = table_rows(source), table_rows(target)
    assert expected.keys() == restored.keys()
    for table, rows in expected.items():
        assert restored[table] == rows, f"{table} differs after the restore"
    assert expected["scene"]
    assert expected["hotspot"]
    assert expected["shop"]
    assert expected["tour"]
    assert expected["former_tour_slug"]
    assert expected["former_scene_slug"]
    assert object_checksums(target, "originals") == object_checksums(source, "originals")


def shop_relations(app: Flask, shop_id: int) -> dict[str, Any]:
    """What a shop's page shows of its relations: owners, images with variants, offers."""
    with app.app_context():
        shop = db.session.get(Shop, shop_id)
        assert shop is not None
        seen = {"owners": [owner.email for owner in shop.owners],
                "images": [(image.kind.value, image.sha256, image.variants, image.alt_text)
                           for image in shop.images],
                "offers": [(offer.title, offer.image.sha256 if offer.image else None,
                            offer.valid_until) for offer in shop.offers]}
        db.session.remove()
        return seen


def token_user(app: Flask, token: str) -> str | None:
    """The email of the account a bearer token belongs to, through the real lookup."""
    with app.app_context():
        digest = hashlib.sha256(token.encode()).hexdigest()
        found = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest))
        email = found.user.email if found is not None else None
        db.session.remove()
        return email

