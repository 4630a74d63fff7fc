"""Inspection (EXIF, GPS, time, GPano), partial placement, levelling and EXIF orientation."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from PIL import Image, ImageOps
from PIL.TiffImagePlugin import IFDRational

from media_tools import (
    PanoramaRejected,
    apply_orientation,
    decode_panorama,
    inspect_panorama,
    render_equirect,
)
from media_tools.decoding import NEUTRAL_GREY
from media_tools.projection import view_rotation
from tests.support.panoramas import add_markers, gpano_xmp, jpeg_bytes, psnr, textured_panorama


def _exif(**tags: object) -> Image.Exif:
    exif = Image.Exif()
    for key, value in tags.items():
        exif[int(key.removeprefix("tag_"), 16)] = value
    return exif


def test_gps_altitude_and_capture_time_are_read() -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({
        1: "S", 2: (IFDRational(48), IFDRational(51), IFDRational(296, 10)),
        3: "W", 4: (IFDRational(2), IFDRational(17), IFDRational(402, 10)),
        5: b"\x01", 6: IFDRational(355, 10),
    })
    exif.get_ifd(0x8769).update({0x9003: "2024:05:17 14:03:22", 0x9011: "+02:00"})
    info = inspect_panorama(jpeg_bytes(textured_panorama(1024), exif=exif.tobytes()))
    assert info.gps is not None
    assert info.gps.latitude == pytest.approx(-(48 + 51 / 60 + 29.6 / 3600))
    assert info.gps.longitude == pytest.approx(-(2 + 17 / 60 + 40.2 / 3600))
    assert info.gps.altitude == pytest.approx(-35.5)
    assert info.capture_time == datetime(2024, 5, 17, 14, 3, 22,
                                         tzinfo=timezone(timedelta(hours=2)))
    assert info.as_dict()["capture_time"] == "2024-05-17T14:03:22+02:00"


def test_impossible_gps_and_dates_are_left_out_with_a_warning() -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (IFDRational(123), IFDRational(0), IFDRational(0)),
                                 3: "E", 4: (IFDRational(2), IFDRational(0), IFDRational(0))})
    exif.get_ifd(0x8769)[0x9003] = "not a date"
    info = inspect_panorama(jpeg_bytes(textured_panorama(1024), exif=exif.tobytes()))
    assert info.gps is None
    assert info.capture_time is None
    assert {"gps_invalid", "capture_time_invalid"} <= set(info.warnings)


@pytest.mark.parametrize("as_elements", [False, True])
def test_gpano_pose_is_read_from_attributes_or_elements(as_elements: bool) -> None:
    xmp = gpano_xmp(as_elements=as_elements, ProjectionType="equirectangular",
                    PoseHeadingDegrees="271.5", PosePitchDegrees="-3.25", PoseRollDegrees="1.5")
    info = inspect_panorama(jpeg_bytes(textured_panorama(1024), xmp=xmp))
    assert info.gpano is not None
    assert (info.pose_heading, info.pose_pitch, info.pose_roll) == (271.5, -3.25, 1.5)
    assert info.needs_levelling


def test_entity_expansion_in_xmp_is_never_expanded() -> None:
    entities = ['<!ENTITY a0 "aaaaaaaaaa">'] + [
        f'<!ENTITY a{level} "{f"&a{level - 1};" * 10}">' for level in range(1, 12)]
    packet = ('<?xml version="1.0"?><!DOCTYPE x [' + "".join(entities) + "]>"
              '<x:xmpmeta xmlns:x="adobe:ns:meta/" xmlns:GPano="http://ns.google.com/photos/'
              '1.0/panorama/"><GPano:ProjectionType>&a11;</GPano:ProjectionType>'
              "</x:xmpmeta>").encode()
    info = inspect_panorama(jpeg_bytes(textured_panorama(1024), xmp=packet))
    assert info.gpano is None
    assert "xmp_unreadable" in info.warnings


def _decoded_by_pillow(data: bytes) -> np.ndarray:
    return np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))


def _partial(left: int, top: int, full: int = 2048, crop: tuple[int, int] = (1024, 256),
             scale: float = 1.0) -> tuple[bytes, np.ndarray]:
    pixels = textured_panorama(2048)[:crop[1], :crop[0]] // 2  # dim, so the marker stands out
    pixels[crop[1] // 2 - 3:crop[1] // 2 + 3, crop[0] // 2 - 3:crop[0] // 2 + 3] = (255, 0, 0)
    xmp = gpano_xmp(
        FullPanoWidthPixels=round(full * scale), FullPanoHeightPixels=round(full / 2 * scale),
        CroppedAreaLeftPixels=round(left * scale), CroppedAreaTopPixels=round(top * scale),
        CroppedAreaImageWidthPixels=round(crop[0] * scale),
        CroppedAreaImageHeightPixels=round(crop[1] * scale))
    data = jpeg_bytes(pixels, xmp=xmp, quality=95)
    return data, _decoded_by_pillow(data).astype(int)


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_partial_panorama_is_placed_at_its_gpano_position(scale: float) -> None:
    data, pixels = _partial(left=700, top=300, scale=scale)
    decoded = decode_panorama(data)
    assert decoded.info.placement.is_partial
    canvas = decoded.pixels
    assert canvas.shape == (1024, 2048, 3)
    placed = canvas[300:556, 700:1724].astype(int)
    assert np.abs(placed - pixels).mean() < 1
    assert (canvas[:290] == NEUTRAL_GREY).all()
    assert (canvas[566:] == NEUTRAL_GREY).all()
    assert (canvas[:, :690] == NEUTRAL_GREY).all()
    # The red centre lies at yaw = (700 + 512) / 2048 · 360° − 180° ≈ 33°, pitch ≈ −4.2°.
    rows, columns = np.nonzero((canvas[..., 0] > 200) & (canvas[..., 1] < 80))
    assert abs(columns.mean() + 0.5 - 1212) < 1
    assert abs(rows.mean() + 0.5 - 428) < 1


def test_partial_panorama_wraps_around_the_seam() -> None:
    data, pixels = _partial(left=1600, top=384)
    canvas = decode_panorama(data).pixels.astype(int)
    assert np.abs(canvas[384:640, 1600:] - pixels[:, :448]).mean() < 1
    assert np.abs(canvas[384:640, :576] - pixels[:, 448:]).mean() < 1
    assert (canvas[384:640, 600:1590] == NEUTRAL_GREY).all()


@pytest.mark.parametrize(("fields", "code"), [
    ({"FullPanoWidthPixels": 3000, "FullPanoHeightPixels": 1000}, "not_equirectangular"),
    ({"CroppedAreaTopPixels": 900}, "bad_crop"),
    ({"CroppedAreaImageHeightPixels": 400}, "bad_crop"),
    ({"ProjectionType": "cylindrical"}, "not_equirectangular"),
    ({"FullPanoWidthPixels": 40000, "FullPanoHeightPixels": 20000}, "too_large"),
])
def test_inconsistent_gpano_is_refused(fields: dict[str, object], code: str) -> None:
    values: dict[str, object] = {
        "FullPanoWidthPixels": 2048, "FullPanoHeightPixels": 1024,
        "CroppedAreaLeftPixels": 0, "CroppedAreaTopPixels": 300,
        "CroppedAreaImageWidthPixels": 1024, "CroppedAreaImageHeightPixels": 256,
    }
    values.update(fields)
    data = jpeg_bytes(textured_panorama(2048)[:256, :1024].copy(), xmp=gpano_xmp(**values))
    with pytest.raises(PanoramaRejected) as refused:
        inspect_panorama(data)
    assert refused.value.code == code


def _horizon_row(image: np.ndarray, column: int) -> float:
    """Row where the sky (blue) turns into ground (red) in one column."""
    column_values = image[:, column].astype(int)
    sky = column_values[:, 2] > column_values[:, 0]
    return float(np.argmin(sky)) if not sky.all() else float(len(sky))


def test_pose_pitch_and_roll_level_the_horizon() -> None:
    width = 2048
    level = textured_panorama(width) // 4
    level[: width // 4, :, 2] += 150  # sky above the horizon
    level[width // 4:, :, 0] += 150  # ground below
    pitch, roll = 8.0, -5.0
    # What a camera pitched up by 8° and rolled by −5° records (GPano's sign conventions):
    shot = render_equirect(level, width, width // 2, rotation=view_rotation(0, pitch, roll))
    centre = width // 2
    assert _horizon_row(shot, centre) > width // 4 + 20  # pitched up: horizon below centre
    right, left = _horizon_row(shot, centre + width // 8), _horizon_row(shot, centre - width // 8)
    assert right > left  # negative roll turns the horizon clockwise: its right end drops
    xmp = gpano_xmp(PosePitchDegrees=pitch, PoseRollDegrees=roll)
    decoded = decode_panorama(jpeg_bytes(shot, xmp=xmp, quality=95))
    levelled = render_equirect(decoded.image, width, width // 2, rotation=decoded.rotation)
    margin = slice(width // 16, -width // 16)  # rows near the poles lost detail when tilting
    assert psnr(level[margin], levelled[margin]) > 28
    assert psnr(level[margin], shot[margin]) < 20
    for column in (centre - width // 8, centre, centre + width // 8):
        assert abs(_horizon_row(levelled, column) - width // 4) <= 1


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pillow(orientation: int) -> None:
    pixels = np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3)
    image = Image.fromarray(pixels)
    image.getexif()[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "PNG", exif=image.getexif())
    expected = np.asarray(ImageOps.exif_transpose(Image.open(buffer)))
    np.testing.assert_array_equal(apply_orientation(pixels, orientation), expected)


def test_exif_rotated_panorama_is_turned_upright_before_the_2_to_1_check() -> None:
    upright = add_markers(textured_panorama(1024) // 2, [(60.0, 30.0)], radius_deg=3)
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # what a camera held sideways writes
    data = jpeg_bytes(stored, exif=exif.tobytes(), quality=95)
    decoded = decode_panorama(data)
    assert (decoded.info.stored_width, decoded.info.stored_height) == (512, 1024)
    assert (decoded.info.width, decoded.info.height) == (1024, 512)
    assert np.abs(decoded.pixels.astype(int) - _decoded_by_pillow(data)).mean() < 1
    rows, columns = np.nonzero(decoded.pixels.min(axis=2) > 200)
    assert abs(columns.mean() - (60 + 180) / 360 * 1024) < 2  # the marker is where it was
    assert abs(rows.mean() - (90 - 30) / 180 * 512) < 2
