"""The tile pyramid: level plan, keys, sizes, downsampling, manifest, sink and progress."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from media_tools import (
    FACES,
    TilingOptions,
    plan_levels,
    render_equirect,
    render_face,
    tile_panorama,
)
from media_tools.projection import view_rotation
from tests.support.panoramas import gpano_xmp, jpeg_bytes, textured_panorama

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("width", "tile", "faces"), [
    (16384, 652, [652, 1304, 2608, 5216]),
    (8192, 652, [652, 1304, 2608]),
    (6000, 954, [954, 1908]),
    (4096, 652, [652, 1304]),
    (2048, 652, [652]),
    (1024, 326, [326]),
])
def test_level_plan_follows_the_source_resolution(width: int, tile: int, faces: list[int]
                                                  ) -> None:
    plan = plan_levels(width)
    assert plan.tile_size == tile
    assert [level.face_size for level in plan.levels] == faces
    assert [level.z for level in plan.levels] == list(range(1, len(faces) + 1))


@pytest.mark.parametrize("width", range(1024, 16385, 371))
def test_level_plan_rules_hold_for_any_width(width: int) -> None:
    plan = plan_levels(width)
    top = plan.top
    assert top.face_size <= 1.05 * width / math.pi
    if width / math.pi >= 512:
        assert 512 <= plan.tile_size <= 1024
        assert abs(top.face_size - width / math.pi) <= 0.05 * width / math.pi
    for level in plan.levels:
        assert level.face_size == plan.tile_size * 2 ** (level.z - 1)
        assert level.nb_tiles == 2 ** (level.z - 1) <= 16
    assert plan.tile_size % 2 == 0


def test_explicit_tile_size_never_upscales() -> None:
    plan = plan_levels(16384, tile_size=512)
    assert [level.face_size for level in plan.levels] == [512, 1024, 2048, 4096]
    with pytest.raises(ValueError, match="tile_size"):
        plan_levels(4096, tile_size=400)


@pytest.fixture(scope="module")
def source() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 29.6), 3: "E", 4: (2.0, 17.0, 40.2)})
    exif[0x010F] = "SECRET-CAMERA-MAKER"
    # blurred so JPEG noise stays far below the differences a misplaced tile makes
    smooth = cv2.GaussianBlur(textured_panorama(4096), (0, 0), 3)
    return jpeg_bytes(smooth, exif=exif.tobytes(), quality=92)


@pytest.fixture(scope="module")
def tiled(source: bytes) -> tuple[list[tuple[str, bytes, str]], list[tuple[str, float]], dict]:
    written: list[tuple[str, bytes, str]] = []
    progress: list[tuple[str, float]] = []
    result = tile_panorama(
        io.BytesIO(source), sink=lambda key, data, kind: written.append((key, data, kind)),
        progress=lambda stage, fraction: progress.append((stage, fraction)))
    assert result.objects_written == len(written)
    assert result.bytes_written == sum(len(data) for _, data, _ in written)
    return written, progress, result.manifest


def _image(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        return np.asarray(image.convert("RGB"))


def test_every_key_is_written_once_and_the_manifest_last(tiled: tuple) -> None:
    written, _, manifest = tiled
    keys = [key for key, _, _ in written]
    assert len(keys) == len(set(keys))
    assert keys[-1] == "manifest.json"
    expected = {"sd.jpg", "thumb.jpg", "manifest.json"}
    expected |= {f"0/{face}/0/0.jpg" for face in FACES}
    for level in manifest["levels"]:
        n = level["nb_tiles"]
        expected |= {f"{level['z']}/{face}/{y}/{x}.jpg"
                     for face in FACES for y in range(n) for x in range(n)}
    assert set(keys) == expected
    kinds = {key: kind for key, _, kind in written}
    assert kinds["manifest.json"] == "application/json"
    assert {kinds[key] for key in keys if key.endswith(".jpg")} == {"image/jpeg"}


def test_manifest_describes_the_pyramid(tiled: tuple) -> None:
    written, _, manifest = tiled
    assert json.loads(written[-1][1]) == manifest
    assert manifest["tile_size"] == 652
    assert manifest["levels"] == [{"z": 1, "face_size": 652, "nb_tiles": 1},
                                  {"z": 2, "face_size": 1304, "nb_tiles": 2}]
    assert manifest["preview"]["face_size"] == 256
    assert manifest["faces"] == {"f": "front", "b": "back", "l": "left", "r": "right",
                                 "u": "top", "d": "bottom"}
    assert manifest["keys"]["tile"].format(z=2, face="u", y=1, x=0) == "2/u/1/0.jpg"
    assert manifest["sd"] == {"key": "sd.jpg", "width": 2048, "height": 1024,
                              "projection": "equirectangular"}
    assert (manifest["thumbnail"]["width"], manifest["thumbnail"]["height"]) == (512, 256)
    assert manifest["source"] == {"width": 4096, "height": 2048, "partial": False,
                                  "levelled": False}
    text = json.dumps(manifest).lower()
    assert "title" not in text
    assert "north" not in text


def test_tiles_have_their_sizes_and_no_metadata(tiled: tuple) -> None:
    written, _, manifest = tiled
    sizes = {"sd.jpg": (1024, 2048), "thumb.jpg": (256, 512)}
    for key, data, _ in written:
        if not key.endswith(".jpg"):
            continue
        assert b"Exif" not in data, key
        assert b"SECRET-CAMERA-MAKER" not in data, key
        assert b"http://ns.adobe.com/xap" not in data, key
        with Image.open(io.BytesIO(data)) as image:
            assert not image.getexif()
            assert image.info.get("progressive") is None
        shape = _image(data).shape[:2]
        if key.startswith("0/"):
            assert shape == (256, 256)
        elif key in sizes:
            assert shape == sizes[key]
        else:
            assert shape == (manifest["tile_size"], manifest["tile_size"]), key


def test_lower_levels_are_area_halvings_of_the_level_above(tiled: tuple) -> None:
    written, _, _ = tiled
    tiles = {key: _image(data).astype(np.float32) for key, data, _ in written
             if key.endswith(".jpg")}
    for face in FACES:
        level2 = np.concatenate([np.concatenate([tiles[f"2/{face}/{y}/{x}.jpg"]
                                                 for x in range(2)], axis=1)
                                 for y in range(2)])
        halved = cv2.resize(level2, (652, 652), interpolation=cv2.INTER_AREA)
        level1 = tiles[f"1/{face}/0/0.jpg"]
        # JPEG noise on this busy texture is a few levels; a misplaced tile is tens.
        assert np.abs(halved - level1).mean() < 2.5, face
        assert np.abs(halved[::-1] - level1).mean() > 8, face
        preview = cv2.resize(level1, (256, 256), interpolation=cv2.INTER_AREA)
        assert np.abs(preview - tiles[f"0/{face}/0/0.jpg"]).mean() < 6, face
        assert np.abs(preview[::-1] - tiles[f"0/{face}/0/0.jpg"]).mean() > 15, face


def test_top_level_tiles_are_the_rendered_faces(tiled: tuple, source: bytes) -> None:
    written, _, _ = tiled
    tiles = {key: data for key, data, _ in written}
    pixels = _image(source)
    for face in ("u", "r"):
        expected = render_face(pixels, face, 1304)[652:, :652].astype(float)
        assert np.abs(_image(tiles[f"2/{face}/1/0.jpg"]) - expected).mean() < 2.5


def test_progress_reports_named_stages_up_to_done(tiled: tuple) -> None:
    _, progress, _ = tiled
    stages = [stage for stage, _ in progress]
    assert stages[0] == "decoding"
    assert progress[-1] == ("done", 1.0)
    assert {"decoding", "projecting", "manifest", "done"} <= set(stages)
    projecting = [fraction for stage, fraction in progress if stage == "projecting"]
    assert projecting == sorted(projecting)
    assert projecting[-1] == 1.0
    assert all(0.0 <= fraction <= 1.0 for _, fraction in progress)


def test_a_failing_sink_stops_the_work_and_raises(source: bytes) -> None:
    calls = []

    def sink(key: str, data: bytes, kind: str) -> None:
        calls.append(key)
        if len(calls) == 5:
            raise OSError("storage is down")

    with pytest.raises(OSError, match="storage is down"):
        tile_panorama(source, sink=sink, options=TilingOptions(workers=2))
    assert "manifest.json" not in calls


def test_single_worker_gives_the_same_tiles(source: bytes) -> None:
    small = jpeg_bytes(textured_panorama(2048))
    outputs = []
    for workers in (1, 2):
        written: dict[str, bytes] = {}
        tile_panorama(small, sink=lambda key, data, _kind, out=written: out.__setitem__(key, data),
                      options=TilingOptions(workers=workers))
        outputs.append(written)
    assert outputs[0] == outputs[1]


def test_command_line_writes_a_folder_and_inspects(tmp_path: Path, source: bytes) -> None:
    image = tmp_path / "pano.jpg"
    image.write_bytes(source)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "media_tools", "tile", str(image), str(out),
                           "--tile-size", "512", "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    summary = json.loads(done.stdout)
    assert summary["manifest"]["levels"][-1] == {"z": 2, "face_size": 1024, "nb_tiles": 2}
    assert (out / "manifest.json").is_file()
    assert (out / "2/d/1/1.jpg").is_file()
    assert len([p for p in out.rglob("*") if p.is_file()]) == summary["objects"] == 6 * 5 + 6 + 3
    inspected = subprocess.run([sys.executable, "-m", "media_tools", "inspect", str(image)],
                               cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    report = json.loads(inspected.stdout)
    assert report["size"] == [4096, 2048]
    assert report["gps"]["latitude"] == pytest.approx(48.858, abs=1e-3)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"<html></html>")
    refused = subprocess.run([sys.executable, "-m", "media_tools", "inspect", str(bad)],
                             cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode == 2
    assert json.loads(refused.stderr)["code"] == "unsupported_format"


def test_tiles_of_a_pitched_shot_are_levelled() -> None:
    width = 2048
    level = cv2.GaussianBlur(textured_panorama(width), (0, 0), 2)
    shot = render_equirect(level, width, width // 2, rotation=view_rotation(0, 12.0, -6.0))
    data = jpeg_bytes(shot, quality=95, xmp=gpano_xmp(PosePitchDegrees=12, PoseRollDegrees=-6))
    written: dict[str, bytes] = {}
    result = tile_panorama(data, sink=lambda key, body, _kind: written.__setitem__(key, body))
    assert result.manifest["source"]["levelled"] is True
    size = result.manifest["tile_size"]
    for face in ("f", "u", "l"):
        tile = _image(written[f"1/{face}/0/0.jpg"]).astype(float)
        assert np.abs(tile - render_face(level, face, size)).mean() < 4, face
        assert np.abs(tile - render_face(shot, face, size)).mean() > 10, face
