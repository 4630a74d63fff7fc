"""Fixtures of the walk tests: a manifest written by the real tiler, and a small public walk.

The walk (``walk`` fixture), all on one panorama tiled by ``media_tools``::

    tour "old-town" (published): market, [unready], hall
    market <-> hall <-> lane <-> far          (far is two links away from any stop)
    market  -> unready                        (its panorama is still being tiled)
    hidden: a stop of the draft tour "secret" only
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from flask import Flask
from PIL import Image
from sqlalchemy.orm import Session

from media_tools import TilingOptions, tile_panorama
from server.extensions import db
from tours import links, tour_service
from tours.models import Panorama, PanoramaStatus, Scene, TourStatus


@dataclass(frozen=True)
class TiledRevision:
    """What the tiler wrote for one revision: its manifest and every key (below the
    revision's prefix)."""

    manifest: dict[str, Any]
    keys: frozenset[str]


@pytest.fixture(scope="session")
def tiled_revision() -> TiledRevision:
    """A 3400 × 1700 panorama tiled by the real pipeline: two levels, the top one with 2 × 2
    tiles a face."""
    rows, columns = np.mgrid[0:1700, 0:3400]
    pixels = np.stack([columns % 256, rows % 256, (rows + columns) % 256], axis=-1)
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, "JPEG")
    written: set[str] = set()
    result = tile_panorama(out.getvalue(), sink=lambda key, data, content_type: written.add(key),
                           options=TilingOptions(workers=1))
    return TiledRevision(result.manifest, frozenset(written))


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The app's database session, inside an app context, for calling services directly."""
    with app.app_context():
        yield db.session


@pytest.fixture
def tiled_panorama(make_panorama: Callable[..., Panorama],
                   tiled_revision: TiledRevision) -> Callable[..., Panorama]:
    """``tiled_panorama(**columns)``: a ready panorama carrying the real tiler's manifest."""

    def make(**columns: Any) -> Panorama:
        values = {"manifest": tiled_revision.manifest, "author": "Ana Ruiz",
                  "licence": "CC-BY-SA-4.0", "gps_latitude": 48.1, "gps_longitude": 11.5,
                  **columns}
        return make_panorama(**values)

    return make


@dataclass(frozen=True)
class Walk:
    panorama: Panorama
    scenes: dict[str, Scene]
    tour_id: int
    secret_tour_id: int


def link(session: Session, from_scene: Scene, to_scene: Scene, bearing: float,
         **fields: Any) -> None:
    """Both directions, like an editor's default."""
    links.add_link(session, from_scene.id, {"to_scene_id": to_scene.id, "bearing": bearing,
                                            **fields})


def tour_of(session: Session, slug: str, scenes: list[Scene], **fields: Any) -> int:
    """A tour stopping at ``scenes``; with ``status=published`` it is published once its
    stops are in (visitors see the copy taken then)."""
    publish = fields.pop("status", None) in (TourStatus.PUBLISHED, "published")
    tour = tour_service.create_tour(session, {"slug": slug, "title": {"en": slug}, **fields})
    for scene in scenes:
        tour_service.add_stop(session, tour.id, {"scene_id": scene.id})
    if publish:
        tour_service.publish_tour(session, tour.id)
    return tour.id


@pytest.fixture
def walk(app: Flask, tiled_panorama: Callable[..., Panorama],
         make_panorama: Callable[..., Panorama], make_scene: Callable[..., Scene]) -> Walk:
    panorama = tiled_panorama()
    unready_panorama = make_panorama(status=PanoramaStatus.TILING, current_revision=None)
    scenes = {
        "market": make_scene(panorama, slug="market", north_offset=30.0,
                             latitude=48.1374, longitude=11.5755,
                             title={"de": "Marktplatz", "en": "Market square",
                                    "fr": "Place du marché"},
                             description={"de": "Der Markt seit 1158."}),
        "hall": make_scene(panorama, slug="hall", north_offset=-100.0,
                           latitude=48.1351, longitude=11.5762, title={"de": "Markthalle"}),
        "lane": make_scene(panorama, slug="lane", title={"en": "Lane"}),
        "far": make_scene(panorama, slug="far", title={"en": "Far end"}),
        "hidden": make_scene(panorama, slug="hidden", title={"en": "Not yet"}),
        "unready": make_scene(unready_panorama, slug="unready", title={"en": "Soon"}),
    }
    with app.app_context():
        session = db.session
        link(session, scenes["market"], scenes["hall"], 90.0)
        link(session, scenes["hall"], scenes["lane"], 200.0)
        link(session, scenes["lane"], scenes["far"], 10.0)
        link(session, scenes["market"], scenes["unready"], 300.0)
        tour_id = tour_of(session, "old-town",
                          [scenes["market"], scenes["unready"], scenes["hall"]],
                          status=TourStatus.PUBLISHED,
                          title={"de": "Altstadt", "en": "Old town", "es": "Casco antiguo"})
        secret_id = tour_of(session, "secret", [scenes["hidden"]])
        session.commit()
    return Walk(panorama, scenes, tour_id, secret_id)
