"""Hostile and awkward uploads (tests/support/hostile_images.py): refused with a stable code,
or accepted and cleaned by re-encoding."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image, ImageCms

from media_tools import (
    Limits,
    PanoramaRejected,
    decode_panorama,
    inspect_panorama,
    tile_panorama,
)
from media_tools.errors import RejectionCode
from tests.support import hostile_images
from tests.support.hostile_images import CASES, encoded
from tests.support.panoramas import textured_panorama

REFUSED = {name: code for name, (_, code) in CASES.items() if code is not None}
ACCEPTED = [name for name, (_, code) in CASES.items() if code is None]


def test_every_expected_code_is_a_known_rejection_code() -> None:
    assert set(REFUSED.values()) <= {str(code) for code in RejectionCode}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_upload_is_refused_with_its_code(name: str) -> None:
    data = CASES[name][0]()
    with pytest.raises(PanoramaRejected) as refused:
        decode_panorama(data)
    assert refused.value.code == REFUSED[name]
    assert str(refused.value)  # an English message for logs, whatever the code
    assert refused.value.as_dict()["code"] == REFUSED[name]


@pytest.mark.parametrize("name", ["png_bomb", "jpeg_bomb", "over_cap"])
def test_bombs_are_refused_from_the_header_at_once(name: str) -> None:
    data = CASES[name][0]()
    started = time.perf_counter()
    with pytest.raises(PanoramaRejected) as refused:
        inspect_panorama(data)
    elapsed = time.perf_counter() - started
    print(f"{name}: {len(data)} bytes refused as {refused.value.code} in {elapsed * 1e3:.3f} ms")
    assert elapsed < 0.05


def test_a_refused_stream_is_read_no_further_than_the_cap() -> None:
    stream = io.BytesIO(hostile_images.panorama_jpeg())
    with pytest.raises(PanoramaRejected) as refused:
        inspect_panorama(stream, limits=Limits(max_file_bytes=1000))
    assert refused.value.code == "too_large"
    assert stream.tell() == 1001


def _tile(data: bytes) -> dict[str, bytes]:
    written: dict[str, bytes] = {}
    tile_panorama(data, sink=lambda key, body, _type: written.__setitem__(key, body))
    return written


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_awkward_upload_tiles_to_clean_jpegs(name: str) -> None:
    data = CASES[name][0]()
    decoded = decode_panorama(data)
    reference = textured_panorama(1024, seed=3).astype(int)
    difference = np.abs(decoded.pixels.astype(int) - reference).mean(axis=2)
    if name == "png_16_bit":
        difference = np.abs(decoded.pixels[..., 0].astype(int) - reference[..., 0])
        assert (decoded.pixels[..., 0] == decoded.pixels[..., 2]).all()
    assert difference.mean() < 8, name
    outputs = _tile(data)
    for key, body in outputs.items():
        assert b"POLYGLOT-MARKER" not in body, key
        assert b"PK\x03\x04" not in body, key
        if key.endswith(".jpg"):
            assert body.endswith(b"\xff\xd9"), key
            with Image.open(io.BytesIO(body)) as image:
                assert not image.getexif(), key
                assert "xmp" not in image.info, key


@pytest.mark.parametrize("case", ["grey_jpeg", "grey_png", "palette_png_transparent",
                                  "rgba_webp", "lossless_webp", "rgb_png"])
def test_valid_colour_modes_decode_to_rgb(case: str) -> None:
    pixels = textured_panorama(1024, seed=3)
    image = Image.fromarray(pixels)
    data = {
        "grey_jpeg": lambda: encoded(image.convert("L"), "JPEG", quality=95),
        "grey_png": lambda: encoded(image.convert("L"), "PNG"),
        "palette_png_transparent": lambda: encoded(image.quantize(64), "PNG", transparency=0),
        "rgba_webp": lambda: encoded(image.convert("RGBA"), "WEBP", quality=95),
        "lossless_webp": lambda: encoded(image, "WEBP", lossless=True),
        "rgb_png": lambda: encoded(image, "PNG"),
    }[case]()
    decoded = decode_panorama(data).pixels
    assert decoded.shape == (512, 1024, 3)
    expected = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)
    if case == "palette_png_transparent":
        transparent = np.asarray(Image.open(io.BytesIO(data))) == 0
        assert (decoded[transparent] == 128).all()  # composited over the neutral grey
        expected[transparent] = 128
    assert np.abs(decoded.astype(int) - expected).mean() < 1


def test_embedded_colour_profiles_are_converted_to_srgb(
        monkeypatch: pytest.MonkeyPatch, colour_transforms: list[str]) -> None:
    pixels = textured_panorama(1024, seed=3)
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encoded(Image.fromarray(pixels), "JPEG", quality=95, icc_profile=profile)
    decode_panorama(data)
    assert colour_transforms == []  # an sRGB profile is left alone
    monkeypatch.setattr(ImageCms, "getProfileDescription", lambda _profile: "Display P3")
    decoded = decode_panorama(data).pixels
    assert colour_transforms  # a non-sRGB profile goes through LittleCMS, strip by strip
    plain = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)
    assert np.abs(decoded.astype(int) - plain).mean() < 2  # sRGB → sRGB changes ~nothing
