"""Rebuilding the public storage from the originals (``flask media retile``).

What is public and how each kind comes back:

- **tiles, previews, SD copies, thumbnails, manifests**: a tiling job per panorama writes a new
  revision from its original and switches the panorama to it (a taken-down one is never tiled
  again; its original is gone on purpose);
- **share images**: the tiling job queues a share image job for every scene showing the
  panorama (the key names the revision, so every scene gets a new one);
- **web images** (shop logos and photos, info hotspots' pictures, the city's logo): re-encoded
  from their originals, which are kept, under keys made from the new bytes' hash (the same
  keys when the encoder gives the same bytes); a row whose keys change is updated without a
  version bump, since nothing an editor wrote changed;
- **floor plan drawings** have no original (the drawing is the only copy, kept in backups):
  nothing can rebuild them, so missing ones are only reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from media_tools.errors import ImageRejected
from media_tools.web_images import WebImagePurpose, prepare_web_image
from server.image_uploads import store_image
from server.jobs import HandlerRegistry, handler_registry
from server.jobs.worker import Worker
from server.storage import ObjectNotFound, StorageError
from server.storage_setup import originals_storage, public_storage
from tours import upload_scenes
from tours.errors import DomainError
from tours.ingest import PURGE_UNBLURRED_JOB, SHARE_IMAGE_JOB, TILE_JOB
from tours.models import CitySettings, FloorPlan, Hotspot, Panorama, PanoramaStatus, ShopImage

#: the job kinds a retiling sets off; ``run_retiling_jobs`` runs only these
RETILING_JOBS = (TILE_JOB, SHARE_IMAGE_JOB, PURGE_UNBLURRED_JOB)


@dataclass
class Regeneration:
    """What a retile queued, rebuilt, skipped and could not do."""

    jobs: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    images: int = 0
    problems: list[str] = field(default_factory=list)


def panoramas_to_retile(session: Session) -> list[Panorama]:
    """Every panorama that has an original to tile (taken-down ones have none)."""
    return list(session.scalars(select(Panorama).where(
        Panorama.status != PanoramaStatus.TAKEN_DOWN).order_by(Panorama.id)))


def queue_retiling(session: Session, panoramas: Iterable[Panorama], result: Regeneration
                   ) -> None:
    """Queue a tiling job per panorama; one already queued or running is left to it."""
    for panorama in panoramas:
        try:
            result.jobs.append(upload_scenes.retile(session, panorama))
        except DomainError as refusal:
            result.skipped.append(f"{panorama.public_id}: {refusal}")


def _rebuilt_variants(record: Mapping[str, Any], purpose: WebImagePurpose
                      ) -> dict[str, dict[str, Any]]:
    original_key = str(record["original_key"])
    data = originals_storage().get(original_key)
    stored = store_image(prepare_web_image(data, purpose=purpose), data,
                         area=original_key.split("/", 1)[0])
    return {name: dict(variant) for name, variant in stored.variants.items()}


def rebuild_web_images(session: Session, result: Regeneration) -> None:
    """Re-encode every web image from its original into the public storage."""
    for image in session.scalars(select(ShopImage).order_by(ShopImage.id)):
        try:
            variants = _rebuilt_variants({"original_key": image.original_key},
                                         WebImagePurpose(image.kind.value))
        except (ObjectNotFound, ImageRejected, StorageError) as error:
            result.problems.append(f"shop image {image.id}: {error}")
            continue
        if variants != image.variants:
            session.execute(update(ShopImage).where(ShopImage.id == image.id)
                            .values(variants=variants))
        result.images += 1
    for hotspot in session.scalars(select(Hotspot).where(Hotspot.image.is_not(None))
                                   .order_by(Hotspot.id)):
        record = dict(hotspot.image or {})
        try:
            variants = _rebuilt_variants(record, WebImagePurpose.PHOTO)
        except (ObjectNotFound, ImageRejected, StorageError) as error:
            result.problems.append(f"hotspot {hotspot.id}'s picture: {error}")
            continue
        if variants != record.get("variants"):
            session.execute(update(Hotspot).where(Hotspot.id == hotspot.id)
                            .values(image={**record, "variants": variants}))
        result.images += 1
    for settings in session.scalars(select(CitySettings).where(CitySettings.logo.is_not(None))):
        record = dict(settings.logo or {})
        if not record.get("original_key"):
            continue
        try:
            variants = _rebuilt_variants(record, WebImagePurpose.LOGO)
        except (ObjectNotFound, ImageRejected, StorageError) as error:
            result.problems.append(f"the city's logo: {error}")
            continue
        if variants != record.get("variants"):
            session.execute(update(CitySettings).where(CitySettings.id == settings.id)
                            .values(logo={**record, "variants": variants}))
        result.images += 1
    session.flush()


def check_floor_plans(session: Session, result: Regeneration) -> None:
    """Report floor plans whose drawing is missing: there is nothing to rebuild them from."""
    storage = public_storage()
    for plan in session.scalars(select(FloorPlan).where(FloorPlan.image_key.is_not(None))
                                .order_by(FloorPlan.id)):
        if not storage.exists(str(plan.image_key)):
            result.problems.append(
                f"floor plan {plan.id} ({plan.venue}, level {plan.level}): its drawing "
                f"{plan.image_key} is missing and has no original; restore it from a backup "
                "or upload the drawing again")


def retiling_worker(app: Flask) -> Worker:
    """A worker that runs only the jobs a retiling sets off (never link checks or sweeps)."""
    everything = handler_registry(app)
    registry = HandlerRegistry()
    for kind in RETILING_JOBS:
        if kind in everything:
            registry.register(kind, everything.get(kind))
    return Worker.from_config(app, registry, "retile")
