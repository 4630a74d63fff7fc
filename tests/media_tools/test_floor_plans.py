"""``media_tools.floor_plans``: an uploaded floor plan checked and rendered as one web image."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from media_tools.errors import ImageRejected, RejectionCode
from media_tools.floor_plans import MAX_SIDE, prepare_floor_plan
from tests.support import hostile_images


def encoded(pixels: np.ndarray, image_format: str, **options: object) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, image_format, **options)
    return out.getvalue()


def marked_drawing(width: int, height: int) -> np.ndarray:
    """White, with a red block in the top left quarter: shows orientation and scaling."""
    pixels = np.full((height, width, 3), 255, np.uint8)
    pixels[: height // 2, : width // 2] = (220, 20, 20)
    return pixels


def test_a_drawing_is_fitted_and_stays_upright():
    rendered = prepare_floor_plan(encoded(marked_drawing(6000, 3000), "PNG"))
    assert (rendered.width, rendered.height) == (MAX_SIDE, MAX_SIDE // 2)
    assert (rendered.content_type, rendered.extension) == ("image/png", "png")
    image = Image.open(io.BytesIO(rendered.data))
    assert image.format == "PNG"
    assert image.size == (4096, 2048)
    assert image.getpixel((100, 100)) == (220, 20, 20)
    assert image.getpixel((4000, 2000)) == (255, 255, 255)
    # the same upload always gives the same bytes
    assert prepare_floor_plan(encoded(marked_drawing(6000, 3000), "PNG")).data == rendered.data


def test_an_exif_turned_photo_of_a_plan_is_turned_upright():
    stored = np.ascontiguousarray(np.rot90(marked_drawing(800, 400), 1))  # 400 wide, 800 high
    exif = Image.Exif()
    exif[0x0112] = 6  # turn 90° clockwise to show
    rendered = prepare_floor_plan(encoded(stored, "JPEG", exif=exif.tobytes(), quality=95))
    image = Image.open(io.BytesIO(rendered.data)).convert("RGB")
    assert image.size == (800, 400)
    red, _green, blue = image.getpixel((100, 100))
    assert red > 180
    assert blue < 80
    assert b"Exif" not in rendered.data


def test_transparency_is_kept_and_small_drawings_are_not_enlarged():
    pixels = np.zeros((300, 200, 4), np.uint8)
    pixels[50:100, 50:100] = (0, 0, 0, 255)
    rendered = prepare_floor_plan(encoded(pixels, "PNG"))
    image = Image.open(io.BytesIO(rendered.data))
    assert image.size == (200, 300)
    assert image.mode == "RGBA"
    assert image.getpixel((10, 10))[3] == 0


@pytest.mark.parametrize(("data", "code"), [
    (hostile_images.svg_with_script(), RejectionCode.VECTOR_IMAGE),
    (hostile_images.svg_entity_bomb(), RejectionCode.VECTOR_IMAGE),
    (hostile_images.eps(), RejectionCode.VECTOR_IMAGE),
    (hostile_images.png_bomb(), RejectionCode.TOO_LARGE),
    (hostile_images.webp_bomb(), RejectionCode.TOO_LARGE),
    (hostile_images.tiny_png(), RejectionCode.TOO_SMALL),
    (hostile_images.bmp(), RejectionCode.UNSUPPORTED_FORMAT),
    (hostile_images.animated_webp(), RejectionCode.ANIMATED),
])
def test_refusals(data, code):
    with pytest.raises(ImageRejected) as refused:
        prepare_floor_plan(data)
    assert refused.value.code is code
