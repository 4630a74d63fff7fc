"""One of everything, for tests that try every endpoint with every kind of caller.

:func:`build_world` fills an app's database and storages with two shops (A owned by Anna, B by
Bert) and their images, offers and change requests, two linked scenes, a hotspot, a published
tour, a floor plan, an image report and an account link, and gives every caller of :class:`Who`
bearer-token headers. The permission matrix (``tests/security``) and the API fuzzer
(``tests/fuzz``) both run in it.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
from typing import Any

from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.storage_setup import originals_storage, public_storage
from tests.support.accounts import bearer_headers
from tests.support.content import create_panorama
from tests.support.walk_world import Tiles, stored_panorama, tiled_texture
from tours import (
    account_links,
    floor_plans,
    hotspots,
    image_reports,
    links,
    scenes,
    shop_media,
    shops,
    tour_service,
)
from tours.models import (
    ApiToken,
    ChangeRequest,
    ImageKind,
    Job,
    LinkPurpose,
    Role,
    ShopStatus,
    User,
)


class Who(enum.Enum):
    ANONYMOUS = "anonymous"
    #: owns shop B only
    OTHER_OWNER = "owner of shop B"
    #: owns shop A, the object every URL names
    OWNER = "owner of shop A"
    EDITOR = "editor"
    ADMIN = "admin"


NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
OFFER = {"kind": "offer", "title": {"de": "Angebot"}, "valid_from": NOW.isoformat(),
         "valid_until": (NOW + dt.timedelta(days=7)).isoformat()}


PEOPLE = {
    Who.ADMIN: ("admin@city.example", Role.ADMIN),
    Who.EDITOR: ("editor@city.example", Role.EDITOR),
    Who.OWNER: ("anna@shop-a.example", Role.SHOP_OWNER),
    Who.OTHER_OWNER: ("bert@shop-b.example", Role.SHOP_OWNER),
}


def build_world(app: Flask) -> dict[str, Any]:
    """One of everything; returns the URL parameter values (all naming Anna's or shared
    objects) and each caller's headers."""
    users = {who: quick_account(app, email, role) for who, (email, role) in PEOPLE.items()}
    headers = {who: bearer_headers(app, user) for who, user in users.items()}
    headers[Who.ANONYMOUS] = {}
    # tiled for real (a small one), so the walk and the exports show it
    panorama = stored_panorama(app, small_tiles(), functools.partial(create_panorama, app))
    with app.app_context():
        session = db.session
        editor = session.get(User, users[Who.EDITOR].id)
        anna = session.get(User, users[Who.OWNER].id)
        bert = session.get(User, users[Who.OTHER_OWNER].id)
        shop_a = shops.create_shop(session, editor, {
            "slug": "shop-a", "name": {"de": "Laden A"}, "category": "bakery",
            "status": ShopStatus.PUBLISHED, "website": "https://a.example"},
            default_time_zone="Europe/Berlin")
        shop_a.owners.append(anna)
        shop_b = shops.create_shop(session, editor, {
            "slug": "shop-b", "name": {"de": "Laden B"}, "category": "books"},
            default_time_zone="Europe/Berlin")
        shop_b.owners.append(bert)
        session.flush()
        shops.update_shop(session, anna, shop_a.id, {"website": "https://new-a.example"})
        change = session.scalar(select(ChangeRequest).where(ChangeRequest.shop_id == shop_a.id))
        stored = _stored_image(app, "a")
        image, _freed = shop_media.add_image(session, anna, shop_a.id, ImageKind.PHOTO, stored)
        offer = shop_media.add_offer(session, anna, shop_a.id, {**OFFER, "valid_from": NOW,
                                                                "valid_until": NOW +
                                                                dt.timedelta(days=7)})
        market = scenes.create_scene(session, {"slug": "market", "panorama": panorama.public_id,
                                               "title": {"en": "Market"}})
        hall = scenes.create_scene(session, {"slug": "hall", "panorama": panorama.public_id,
                                             "title": {"en": "Hall"}})
        link, _back = links.add_link(session, market.id, {"to_scene_id": hall.id, "bearing": 90})
        floor_plan = floor_plans.create_floor_plan(session, {"venue": "Markthalle", "level": "0"})
        hotspot = hotspots.add_hotspot(session, market.id, {"yaw": 0, "pitch": 0, "kind": "shop",
                                                            "shop_id": shop_a.id})
        # published, so the visitors' walk answers it (and the scenes linked from its stop)
        tour = tour_service.create_tour(session, {"slug": "old-town", "title": {"en": "Old"}})
        stop = tour_service.add_stop(session, tour.id, {"scene_id": hall.id})
        tour_service.publish_tour(session, tour.id)
        report = image_reports.create_report(session, market, {"reason": "person"})
        job = session.scalar(select(Job).limit(1))
        anna_token = session.scalar(select(ApiToken).where(ApiToken.user_id == anna.id))
        _link, secret = account_links.issue_link(session, anna, LinkPurpose.PASSWORD_RESET,
                                                 created_by=editor, ttl=dt.timedelta(days=1))
        session.commit()
        values = {
            "shop_id": shop_a.id, "slug": "shop-a", "image_id": image.id, "offer_id": offer.id,
            "change_id": change.id if change else 0, "scene_id": market.id,
            "other_scene_id": hall.id, "link_id": link.id, "hotspot_id": hotspot.id,
            "tour_id": tour.id, "stop_id": stop.id, "stop_ids": [stop.id],
            "image_ids": [image.id], "panorama_id": panorama.public_id,
            "job_id": job.id if job else 1, "token_id": anna_token.id,
            "user_id": anna.id, "key": image.variants["large"]["key"],
            "filename": "site.css", "shop_b_id": shop_b.id, "secret": secret,
            "tour_slug": tour.slug, "scene_slug": market.slug, "scene": market.slug,
            "report_id": report.id, "floor_plan_id": floor_plan.id,
        }
    return {"values": values, "headers": headers}


@functools.cache
def small_tiles() -> Tiles:
    return tiled_texture(1024)


@functools.cache
def _password_hash() -> str:
    from server.passwords import Argon2PasswordHasher
    from tests.support.accounts import DEFAULT_PASSWORD

    return Argon2PasswordHasher().hash(DEFAULT_PASSWORD)


def quick_account(app: Flask, email: str, role: Role) -> User:
    """An account signing in with the tests' default password, without hashing it again."""
    with app.app_context():
        user = User(email=email, role=role, password_hash=_password_hash())
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def _stored_image(app: Flask, name: str) -> shop_media.StoredImage:
    digest = hashlib.sha256(name.encode()).hexdigest()
    with app.app_context():
        originals_storage().put(f"shops/originals/{digest}.jpg", b"original",
                                content_type="image/jpeg")
        variants = {}
        for variant in ("large", "thumb"):
            key = f"shops/images/{digest}-{variant}.jpg"
            public_storage().put(key, b"web", content_type="image/jpeg")
            variants[variant] = {"key": key, "content_type": "image/jpeg", "width": 64,
                                 "height": 48}
    return shop_media.StoredImage(sha256=digest, original_key=f"shops/originals/{digest}.jpg",
                                  source_type="image/jpeg", width=64, height=48,
                                  variants=variants)
