"""Privacy in the panoramas: detecting faces (a real photograph) and blurring regions,
across the 360° seam too, and the tiler blurring every object of a revision."""

from __future__ import annotations

import io
import time

import cv2
import numpy as np
import pytest
from PIL import Image

from media_tools import TilingOptions, tile_panorama
from media_tools.privacy import (
    MAX_SUGGESTIONS,
    Region,
    blur_regions,
    detect_regions,
    merge_regions,
    pixel_box,
)
from tests.support.faces import face_panorama, plain_scene
from tests.support.panoramas import gpano_xmp, jpeg_bytes, textured_panorama


def covers(region: Region, box: tuple[int, int, int, int], width: int, height: int,
           share: float = 0.5) -> bool:
    """Whether ``region`` covers at least ``share`` of the pixel ``box`` (across the seam)."""
    left, top, w, h = box
    mask = np.zeros((height, width), bool)
    columns = (np.arange(w) + left) % width
    mask[top:top + h, columns] = True
    covered = np.zeros_like(mask)
    r_left, r_top, r_w, r_h = pixel_box(region, width, height)
    covered[r_top:r_top + r_h, (np.arange(r_w) + r_left) % width] = True
    return (mask & covered).sum() >= share * mask.sum()


def sharpness(pixels: np.ndarray) -> float:
    """The variance of the Laplacian: high for detail, low once blurred."""
    grey = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def test_a_real_face_is_suggested():
    image, box = face_panorama(4096, x=0.72, y=0.5, size=0.03)
    started = time.perf_counter()
    regions = detect_regions(image)
    elapsed = time.perf_counter() - started
    faces = [region for region in regions if region.kind == "face"]
    assert any(covers(region, box, 4096, 2048) for region in faces), (box, regions)
    assert all(region.score is not None for region in regions)
    assert elapsed < 60


def test_a_face_across_the_seam_gives_one_wrapping_region():
    image, box = face_panorama(4096, x=0.999, y=0.5, size=0.03)
    assert box[0] + box[2] > 4096, "the face crosses the right edge"
    regions = [region for region in detect_regions(image) if region.kind == "face"]
    hit = [region for region in regions if covers(region, box, 4096, 2048)]
    assert len(hit) == 1, regions
    assert hit[0].x + hit[0].width > 1, "one region continuing at the left edge"


def test_a_plain_street_gets_no_suggestion():
    assert detect_regions(plain_scene(4096)) == []


def test_a_busy_texture_gets_a_bounded_number_of_suggestions():
    assert len(detect_regions(textured_panorama(2048))) <= MAX_SUGGESTIONS


def test_a_large_panorama_is_searched_on_a_smaller_copy():
    image, box = face_panorama(8192, x=0.35, y=0.5, size=0.025)
    regions = detect_regions(image, max_width=4096)
    assert any(covers(region, box, 8192, 4096) for region in regions if region.kind == "face")


def test_overlapping_regions_of_one_kind_merge_even_across_the_seam():
    a = Region(0.98, 0.4, 0.03, 0.05, "face", 3.0)
    b = Region(0.995, 0.41, 0.02, 0.05, "face", 5.0)
    c = Region(0.99, 0.4, 0.02, 0.05, "plate", 1.0)
    merged = merge_regions([a, b, c])
    assert len(merged) == 2
    face = next(region for region in merged if region.kind == "face")
    assert face.x == pytest.approx(0.98)
    assert face.width == pytest.approx(0.035)
    assert face.score == 5.0


def test_blurring_changes_the_region_and_nothing_else():
    image, box = face_panorama(2048, x=0.5, y=0.5, size=0.06)
    left, top, w, h = box
    region = Region(left / 2048, top / 1024, w / 2048, h / 1024, "face")
    blurred = blur_regions(image, [region])
    assert blurred is not image
    inside = (slice(top, top + h), slice(left, left + w))
    assert sharpness(blurred[inside]) < 0.05 * sharpness(image[inside])
    outside = np.ones(image.shape[:2], bool)
    outside[inside] = False
    assert np.array_equal(blurred[outside], image[outside])
    # a face is no longer found where it was
    assert not any(covers(found, box, 2048, 1024, 0.3) for found in detect_regions(blurred))


def test_blurring_across_the_seam_blurs_both_edges():
    image = textured_panorama(1024)
    region = Region(0.95, 0.4, 0.1, 0.1, "other")
    blurred = blur_regions(image, [region])
    right, left = (slice(210, 250), slice(980, 1024)), (slice(210, 250), slice(0, 48))
    for part in (right, left):
        assert sharpness(blurred[part]) < 0.2 * sharpness(image[part])
    assert np.array_equal(blurred[:, 120:960], image[:, 120:960])
    # one piece: no seam between the two halves
    seam = np.abs(blurred[210:250, -1].astype(int) - blurred[210:250, 0].astype(int)).mean()
    assert seam < 12


def test_blurring_in_place_and_tiny_or_edge_regions():
    image = textured_panorama(512)
    copy = image.copy()
    blur_regions(image, [Region(0.0, 0.0, 0.001, 0.001), Region(0.5, 0.99, 0.2, 0.01)],
                 in_place=True)
    assert not np.array_equal(image, copy)
    assert np.array_equal(image[10:240], copy[10:240])


def test_the_tiler_blurs_every_object_of_the_revision():
    image, box = face_panorama(2048, x=0.5, y=0.5, size=0.06)
    left, top, w, h = box
    region = Region(left / 2048, top / 1024, w / 2048, h / 1024, "face")
    plain_objects: dict[str, bytes] = {}
    blurred_objects: dict[str, bytes] = {}
    source = jpeg_bytes(image, quality=95)
    tile_panorama(io.BytesIO(source), sink=lambda k, d, t: plain_objects.__setitem__(k, d),
                  options=TilingOptions(workers=1))
    tile_panorama(io.BytesIO(source), sink=lambda k, d, t: blurred_objects.__setitem__(k, d),
                  options=TilingOptions(workers=1, blur=(region,)))
    assert plain_objects.keys() == blurred_objects.keys()

    def decoded(objects: dict[str, bytes], key: str) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(objects[key])).convert("RGB"))

    # the face looks almost straight ahead: near the middle of the front face (a quarter of
    # the panorama's width spans the face), and in the SD copy
    size = decoded(plain_objects, "1/f/0/0.jpg").shape[0]
    scale = size / (2048 / 4)
    centre_x = size / 2 + (left + w / 2 - 1024) * scale
    centre_y = size / 2 + (top + h / 2 - 512) * scale
    half = 0.3 * w * scale
    in_tile = (slice(round(centre_y - half), round(centre_y + half)),
               slice(round(centre_x - half), round(centre_x + half)))
    for key, area in (("1/f/0/0.jpg", in_tile),
                      ("sd.jpg", (slice(top, top + h), slice(left, left + w)))):
        before, after = decoded(plain_objects, key), decoded(blurred_objects, key)
        assert sharpness(after[area]) < 0.2 * sharpness(before[area]), key
    # away from the face the tiles are the same (within JPEG noise)
    back_before = decoded(plain_objects, "1/b/0/0.jpg").astype(int)
    back_after = decoded(blurred_objects, "1/b/0/0.jpg").astype(int)
    assert np.abs(back_before - back_after).mean() < 1


def test_a_huge_region_costs_no_more_than_its_area():
    image = textured_panorama(4096)
    started = time.perf_counter()
    blurred = blur_regions(image, [Region(0.8, 0.2, 0.5, 0.6, "other")])
    assert time.perf_counter() - started < 5
    middle = (slice(700, 1100), slice(3500, 4000))
    assert sharpness(blurred[middle]) < 0.05 * sharpness(image[middle])


def test_a_region_drawn_on_a_levelled_picture_blurs_that_spot_in_every_object():
    """A tilted camera's panorama is levelled by the tiler; editors draw on the levelled SD
    picture, so the region must reach the unlevelled source where that spot really is."""
    from media_tools.projection import render_equirect, view_rotation

    width = 2048
    level = np.full((width // 2, width, 3), 90, np.uint8)
    # a bright, sharp square at yaw 90°, a little below the horizon of the level world
    cx, cy, half = int(width * 0.75), int(width * 0.27), 12
    level[cy - half:cy + half, cx - half:cx + half] = 255
    level[cy - half:cy + half:4, cx - half:cx + half] = 0
    shot = render_equirect(level, width, width // 2, rotation=view_rotation(0, 0.0, 15.0))
    data = jpeg_bytes(shot, quality=95, xmp=gpano_xmp(PoseRollDegrees=15))
    # the editor's region, around the square as the levelled picture shows it
    region = Region((cx - 2 * half) / width, (cy - 2 * half) / (width / 2), 4 * half / width,
                    4 * half / (width / 2), "other")

    def sd_of(options: TilingOptions) -> np.ndarray:
        written: dict[str, bytes] = {}
        result = tile_panorama(data, sink=lambda key, body, _kind: written.__setitem__(key, body),
                               options=options)
        assert result.manifest["source"]["levelled"] is True
        return np.asarray(Image.open(io.BytesIO(written["sd.jpg"])).convert("RGB"))

    plain = sd_of(TilingOptions(workers=1))
    blurred = sd_of(TilingOptions(workers=1, blur=(region,)))
    scale = plain.shape[1] / width
    area = (slice(round((cy - half) * scale), round((cy + half) * scale)),
            slice(round((cx - half) * scale), round((cx + half) * scale)))
    assert sharpness(plain[area]) > 50, "the square is where the levelled picture shows it"
    assert sharpness(blurred[area]) < 0.2 * sharpness(plain[area])


def test_regions_turn_into_another_frame_and_back():
    from media_tools.privacy import turn_regions
    from media_tools.projection import view_rotation

    region = Region(0.70, 0.40, 0.04, 0.06, "face", 3.0)
    assert turn_regions([region], None) == [region]
    rotation = view_rotation(0, 8.0, -12.0)
    [there] = turn_regions([region], rotation)
    [back] = turn_regions([there], rotation.T)
    # boxes around turned boxes grow a little, never shrink, and keep kind and score
    assert back.x <= region.x + 1e-6
    assert back.x + back.width >= region.x + region.width - 1e-6
    assert back.y <= region.y + 1e-6
    assert back.y + back.height >= region.y + region.height - 1e-6
    assert back.width < 2 * region.width
    assert (back.kind, back.score) == ("face", 3.0)
