"""Content in tests: panoramas inserted as if tiled, scenes made through the real service.

The ``make_panorama`` and ``make_scene`` fixtures in ``tests/conftest.py`` wrap these for every
test area.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask import Flask
from sqlalchemy import select

from server.extensions import db
from tours import scenes, shops
from tours.models import (
    Panorama,
    PanoramaRevision,
    PanoramaStatus,
    RevisionState,
    Role,
    Scene,
    Shop,
    User,
)

#: the revision every test panorama is tiled at
TEST_REVISION = "20260101T000000-000000"


def fake_manifest(panorama: Panorama) -> dict[str, Any]:
    """A manifest shaped like the tiler's, for a panorama that has no real tiles."""
    prefix = f"panoramas/{panorama.public_id}/{TEST_REVISION}"
    return {
        "panorama": panorama.public_id,
        "revision": TEST_REVISION,
        "face_size": 2048,
        "tile_size": 512,
        "levels": [{"z": 0, "face_size": 256, "tiles": 1}, {"z": 1, "face_size": 2048,
                                                            "tiles": 4}],
        "key_template": prefix + "/{z}/{f}/{y}/{x}.jpg",
    }


def create_panorama(app: Flask, **fields: Any) -> Panorama:
    """Insert a ready panorama (a unique SHA-256, one ready revision, a fake manifest) with
    ``fields`` overriding any column; returned detached, fields loaded."""
    sha256 = fields.pop("sha256", None) or secrets.token_hex(32)
    with app.app_context():
        panorama = Panorama(
            sha256=sha256, byte_size=4_200_000, width=8192, height=4096, format="jpeg",
            original_filename="IMG_0001.jpg",
            original_key=f"panoramas/{sha256[:2]}/{sha256}.jpeg",
            captured_at=dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC),
            status=PanoramaStatus.READY, current_revision=TEST_REVISION,
        )
        for name, value in fields.items():
            if not hasattr(Panorama, name):
                raise TypeError(f"Panorama has no field {name}")
            setattr(panorama, name, value)
        db.session.add(panorama)
        db.session.flush()
        if panorama.manifest is None and panorama.current_revision == TEST_REVISION:
            panorama.manifest = fake_manifest(panorama)
            db.session.add(PanoramaRevision(panorama=panorama, revision=TEST_REVISION,
                                            state=RevisionState.READY))
        db.session.commit()
        db.session.refresh(panorama)
        db.session.expunge(panorama)
        return panorama


def create_scene(app: Flask, panorama: Panorama | None = None, **fields: Any) -> Scene:
    """Create a scene through ``tours.scenes.create_scene`` (on a new panorama unless one is
    given); ``fields`` override the defaults. Returned detached, fields loaded."""
    panorama = panorama or create_panorama(app)
    values: dict[str, Any] = {
        "slug": f"scene-{secrets.token_hex(4)}",
        "panorama": panorama.public_id,
        "title": {"de": "Marktplatz", "en": "Market square"},
    }
    values.update(fields)
    with app.app_context():
        scene = scenes.create_scene(db.session, values)  # type: ignore[arg-type]
        db.session.commit()
        db.session.refresh(scene)
        db.session.expunge(scene)
        return scene


def create_shop(app: Flask, owners: tuple[User, ...] = (), **fields: Any) -> Shop:
    """Create a shop through ``tours.shops.create_shop`` as an editor (``status`` and any other
    field may be given), owned by ``owners``. Returned detached, fields loaded."""
    values: dict[str, Any] = {
        "slug": f"shop-{secrets.token_hex(4)}",
        "name": {"de": "Bäckerei Sonne", "en": "Sun Bakery"},
        "category": "bakery",
    }
    values.update(fields)
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.email == SHOP_EDITOR_EMAIL))
        if editor is None:
            editor = User(email=SHOP_EDITOR_EMAIL, role=Role.EDITOR)
            db.session.add(editor)
            db.session.flush()
        shop = shops.create_shop(db.session, editor, values,  # type: ignore[arg-type]
                                 default_time_zone="Europe/Berlin")
        for owner in owners:
            shop.owners.append(db.session.get(User, owner.id))
        db.session.commit()
        shop = db.session.get(Shop, shop.id)
        _ = shop.owners, shop.images, shop.offers, shop.category
        db.session.expunge_all()
        return shop


#: the account test shops are created by
SHOP_EDITOR_EMAIL = "shop-maker@flaneur.test"
