"""Share images: what a scene looks like when its link is shared (``og:image``, 1200×630).

Rendered from the panorama's SD copy, looking where the scene's initial view looks. The key
names the revision and the view it shows, so it is immutable, and a changed view or a re-tiled
panorama gives a new key; the job is queued whenever either changes.
"""

from __future__ import annotations

import hashlib
import io
import math

import numpy as np
from flask import Flask
from PIL import Image
from sqlalchemy import update

from media_tools.encoding import encode_jpeg
from media_tools.projection import render_perspective
from server.jobs import JobContext, handler_registry
from server.storage import IMMUTABLE_CACHE_CONTROL, ObjectNotFound
from server.storage_setup import public_storage
from tours.ingest import SHARE_IMAGE_JOB, revision_prefix
from tours.models import Panorama, PanoramaStatus, Scene

SHARE_WIDTH, SHARE_HEIGHT = 1200, 630
#: Photo Sphere Viewer's default vertical field of view at zoom 0 and at zoom 100, degrees
MAX_FOV, MIN_FOV = 90.0, 30.0


def horizontal_fov(zoom: float, width: int = SHARE_WIDTH, height: int = SHARE_HEIGHT) -> float:
    """The horizontal field of view of a ``width × height`` image at the viewer's ``zoom``."""
    vertical = MAX_FOV + (MIN_FOV - MAX_FOV) * max(0.0, min(100.0, zoom)) / 100.0
    half = math.atan(math.tan(math.radians(vertical) / 2) * width / height)
    return min(170.0, math.degrees(2 * half))


def share_image_key(scene: Scene, panorama: Panorama) -> str:
    """Where the share image of ``scene`` as it is now lives (revision and view in the name)."""
    view = scene.initial_view
    fingerprint = f"{panorama.current_revision}:{view.yaw:.3f}:{view.pitch:.3f}:{view.zoom:.3f}"
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    return f"scenes/{scene.id}/share-{digest}.jpg"


def render_share_image(sd_jpeg: bytes, yaw: float, pitch: float, zoom: float) -> bytes:
    """The JPEG share image of the view (``yaw``, ``pitch``, ``zoom``) of an SD copy."""
    with Image.open(io.BytesIO(sd_jpeg), formats=["JPEG"]) as image:
        pixels = np.asarray(image.convert("RGB"))
    view = render_perspective(pixels, yaw, pitch, horizontal_fov(zoom), SHARE_WIDTH, SHARE_HEIGHT)
    return encode_jpeg(view, quality=82)


def run_share_image(ctx: JobContext) -> None:
    """Job ``render_share_image``: (re-)render a scene's share image if it is not current."""
    scene = ctx.session.get(Scene, ctx.payload["scene_id"])
    if scene is None:
        return  # deleted meanwhile: nothing to show
    panorama = scene.panorama
    if panorama.status is not PanoramaStatus.READY or panorama.current_revision is None:
        return  # the tiling job queues this again when the panorama is ready
    key = share_image_key(scene, panorama)
    if scene.share_image_key == key:
        return
    storage = public_storage()
    try:
        sd = storage.get(f"{revision_prefix(panorama, panorama.current_revision)}/"
                         f"{panorama.manifest['sd']['key']}")
    except ObjectNotFound:
        return  # the revision was swept meanwhile; its successor's job renders the image
    view = scene.initial_view
    storage.put(key, render_share_image(sd, view.yaw, view.pitch, view.zoom),
                content_type="image/jpeg", cache_control=IMMUTABLE_CACHE_CONTROL)
    # a Core update: the share image is derived, so it must not bump the scene's version (an
    # editor's next save would be refused as a conflict with nobody). The image it replaces
    # stays until the sweep, so pages and caches that still point at it never meet a 404.
    ctx.session.execute(update(Scene).where(Scene.id == scene.id).values(
        share_image_key=key, share_image_view=view.as_dict()))


def init_app(app: Flask) -> None:
    handler_registry(app).register(SHARE_IMAGE_JOB, run_share_image)
