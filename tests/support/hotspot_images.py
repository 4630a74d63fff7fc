"""Pictures for info hotspots in tests: a generated photo, and a way to show it on a hotspot
through the real pipeline (re-encoding, storage, service) without an HTTP request."""

from __future__ import annotations

import io
from collections.abc import Mapping

from flask import Flask
from PIL import Image, ImageDraw

from media_tools.web_images import prepare_web_image
from server.extensions import db
from server.hotspots_api import HOTSPOT_IMAGE_AREA
from server.image_uploads import store_image
from tours import hotspots

#: the EXIF "Make" every test picture carries; it must never reach the public storage
CAMERA_MAKE = "PhoneMaker"


def picture_bytes(size: tuple[int, int] = (1200, 800),
                  colour: tuple[int, int, int] = (30, 110, 170)) -> bytes:
    """A JPEG photo: a sky-to-ground gradient of ``colour`` with a pale basin and a column (a
    fountain, recognisable in screenshots), carrying EXIF with the camera and a GPS position."""
    width, height = size
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for row in range(height):
        shade = 0.6 + 0.4 * row / max(1, height - 1)
        draw.line([(0, row), (width, row)], fill=tuple(int(value * shade) for value in colour))
    draw.ellipse([width * 0.2, height * 0.62, width * 0.8, height * 0.86], fill=(225, 220, 205))
    draw.rectangle([width * 0.46, height * 0.25, width * 0.54, height * 0.72],
                   fill=(235, 230, 215))
    exif = Image.Exif()
    exif[0x010F] = CAMERA_MAKE
    exif[0x8825] = {1: "N", 2: (49.0, 52.0, 20.0), 3: "E", 4: (8.0, 39.0, 5.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def show_picture(app: Flask, hotspot_id: int, data: bytes | None = None, *,
                 alt: Mapping[str, str] | None = None) -> dict[str, object]:
    """Store ``data`` (a generated picture by default) like an upload and show it on the info
    hotspot, with ``alt`` as its description; returns the stored record."""
    data = data if data is not None else picture_bytes()
    with app.app_context():
        stored = store_image(prepare_web_image(data, purpose="photo"), data,
                             area=HOTSPOT_IMAGE_AREA)
        hotspot, _freed = hotspots.set_image(db.session, hotspot_id, stored)
        if alt is not None:
            hotspots.update_hotspot(db.session, hotspot_id, {"image_alt": alt})
        db.session.commit()
        return dict(hotspot.image or {})
