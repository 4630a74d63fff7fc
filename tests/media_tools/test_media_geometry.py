"""Cube faces against Photo Sphere Viewer's own geometry (tests/support/panoramas.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from media_tools import FACES, face_pixel, projection, render_face, render_perspective
from media_tools.projection import iter_face_group_rows
from tests.support.browser import ARTIFACTS
from tests.support.panoramas import (
    CORNER_COLOURS,
    FACE_COLOURS,
    add_markers,
    direction_panorama,
    label_image,
    labelled_panorama,
    psv_direction,
    psv_texture_coords,
    textured_panorama,
)


def test_support_geometry_round_trips() -> None:
    """The two transcribed PSV functions agree with each other (so the tests below mean it)."""
    size = 64
    centres = np.arange(size) + 0.5
    tx, ty = np.meshgrid(centres, centres)
    for index, face in enumerate("fblrud"):
        yaw, pitch = psv_direction(face, tx, ty, size)
        back_face, back_x, back_y = psv_texture_coords(yaw, pitch, size)
        assert (back_face == index).all(), face
        np.testing.assert_allclose(back_x, tx, atol=1e-6)
        np.testing.assert_allclose(back_y, ty, atol=1e-6)


@pytest.mark.parametrize("size", [128, 652])
@pytest.mark.parametrize("face", FACES)
def test_every_face_pixel_looks_where_psv_shows_it(face: str, size: int) -> None:
    """A panorama coloured by direction: each face pixel's colour must decode to the
    direction PSV maps onto that very pixel (652 ≈ width/π: the tiler's own sampling)."""
    faces = render_face(direction_panorama(2048), face, size)
    inner = slice(3, size - 3)
    colours = faces[inner, inner].reshape(-1, 3).astype(float)
    x, y, z = ((colours - 128) / 120).T
    yaw = np.arctan2(-x, z)
    pitch = np.arctan2(y, np.hypot(x, z))
    shown_face, shown_x, shown_y = psv_texture_coords(yaw, pitch, size)
    rows, columns = np.mgrid[inner, inner]
    same = shown_face == "fblrud".index(face)
    assert same.mean() > 0.995
    # Colours carry 8 bits per axis: about 1/240 of the face's half-width of error.
    tolerance = max(1.5, size / 120)
    assert np.abs(shown_x[same] - (columns.ravel()[same] + 0.5)).max() < tolerance
    assert np.abs(shown_y[same] - (rows.ravel()[same] + 0.5)).max() < tolerance


def _dihedral(image: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "upright": image, "rotated 90": np.rot90(image, 1), "rotated 180": np.rot90(image, 2),
        "rotated 270": np.rot90(image, 3), "mirrored": image[:, ::-1],
        "flipped": image[::-1], "transposed": image.transpose(1, 0, 2),
        "anti-transposed": np.rot90(image, 2).transpose(1, 0, 2),
    }


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(float).ravel() - a.mean()
    b = b.astype(float).ravel() - b.mean()
    return float(a @ b / math.sqrt((a @ a) * (b @ b)))


def test_labelled_faces_are_upright_and_in_place() -> None:
    """Every face shows its own letter the right way up (best of the 8 rotations/flips)."""
    size = 256
    panorama = labelled_panorama(2048, size)
    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(panorama).save(ARTIFACTS / "labelled-panorama.jpg", quality=92)
    rendered = {face: render_face(panorama, face, size) for face in FACES}
    Image.fromarray(np.concatenate([rendered[f] for f in FACES], axis=1)).save(
        ARTIFACTS / "labelled-faces-fblrud.jpg", quality=92)
    for face in FACES:
        scores = {name: _correlation(variant, label_image(face, size))
                  for name, variant in _dihedral(rendered[face]).items()}
        assert max(scores, key=scores.__getitem__) == "upright", (face, scores)
        assert scores["upright"] > 0.9, (face, scores)
        assert np.abs(rendered[face][size // 2 + 60, 30].astype(int)
                      - FACE_COLOURS[face]).max() < 40, face
        quadrant = size // 12 + size // 12
        for (row, column), colour in zip(
                [(quadrant, quadrant), (quadrant, size - quadrant),
                 (size - quadrant, quadrant), (size - quadrant, size - quadrant)],
                CORNER_COLOURS, strict=True):
            assert np.abs(rendered[face][row, column].astype(int) - colour).max() < 40


MARKERS = [(20.0, 5.0), (100.0, -10.0), (-170.0, 20.0), (-80.0, 0.0), (30.0, 70.0),
           (-120.0, 55.0), (-60.0, -65.0), (150.0, -80.0)]


@pytest.mark.parametrize(("yaw", "pitch"), MARKERS)
def test_marker_lands_on_the_predicted_face_pixel(yaw: float, pitch: float) -> None:
    size = 512
    panorama = add_markers(np.zeros((1024, 2048, 3), np.uint8), [(yaw, pitch)])
    face_index, expected_x, expected_y = psv_texture_coords(
        np.radians(yaw), np.radians(pitch), size)
    face = "fblrud"[int(face_index)]
    assert face_pixel(yaw, pitch, size)[0] == face
    np.testing.assert_allclose(face_pixel(yaw, pitch, size)[1:],
                               (float(expected_x), float(expected_y)), atol=1e-6)
    rendered = render_face(panorama, face, size)[..., 0].astype(float)
    assert rendered.max() > 200
    rows, columns = np.mgrid[0:size, 0:size]
    weight = np.where(rendered > 64, rendered, 0)
    found_x = (weight * (columns + 0.5)).sum() / weight.sum()
    found_y = (weight * (rows + 0.5)).sum() / weight.sum()
    assert abs(found_x - float(expected_x)) <= 1.0
    assert abs(found_y - float(expected_y)) <= 1.0
    for other in FACES:
        if other != face:
            assert render_face(panorama, other, 64).max() < 200, other


@pytest.mark.parametrize("size", [256, 652])
def test_neighbouring_pixels_across_cube_edges_are_continuous(size: int) -> None:
    """Seam ratio: mean difference across an edge ≤ 1.2 × the difference next to it inside
    (at 652 ≈ width/π the side faces are sampled once per pixel, top and bottom 2×2)."""
    panorama = textured_panorama(2048)
    rendered = {face: render_face(panorama, face, size).astype(float) for face in FACES}
    across, inside = [], []
    index = np.arange(size)
    edges = {  # (edge pixels, one step outwards, one step inwards) as (columns, rows)
        "top": ((index, 0), (index + 0.5, -0.5), (index, 1)),
        "bottom": ((index, size - 1), (index + 0.5, size + 0.5), (index, size - 2)),
        "left": ((0, index), (-0.5, index + 0.5), (1, index)),
        "right": ((size - 1, index), (size + 0.5, index + 0.5), (size - 2, index)),
    }
    for face in FACES:
        for (edge_x, edge_y), (out_x, out_y), (in_x, in_y) in edges.values():
            yaw, pitch = psv_direction(face, np.broadcast_to(out_x, (size,)),
                                       np.broadcast_to(out_y, (size,)), size)
            other, other_x, other_y = psv_texture_coords(yaw, pitch, size)
            assert (other != "fblrud".index(face)).all()
            neighbour = np.stack([
                rendered["fblrud"[o]][min(int(y), size - 1), min(int(x), size - 1)]
                for o, x, y in zip(other, other_x, other_y, strict=True)])
            edge = rendered[face][edge_y, edge_x]
            across.append(np.abs(edge - neighbour).mean())
            inside.append(np.abs(edge - rendered[face][in_y, in_x]).mean())
    ratio = float(np.mean(across) / np.mean(inside))
    assert ratio <= 1.2, ratio


def test_perspective_view_centre_and_orientation() -> None:
    """A share image looks where it is told, upright, with yaw increasing to the right."""
    panorama = add_markers(np.zeros((1024, 2048, 3), np.uint8), [(40.0, 10.0)], radius_deg=1.0)
    panorama[:, :, 1] = np.linspace(0, 255, 2048, dtype=np.uint8)[None, :]  # green grows east
    view = render_perspective(panorama, 40.0, 10.0, 60.0, 320, 168)
    red = view[..., 0].astype(float)
    rows, columns = np.nonzero(red > 128)
    assert abs(columns.mean() + 0.5 - 160) < 1.5
    assert abs(rows.mean() + 0.5 - 84) < 1.5
    assert view[84, 300, 1] > view[84, 20, 1]
    tilted = render_perspective(panorama, 40.0, 0.0, 60.0, 320, 168)
    marker_rows = np.nonzero(tilted[..., 0] > 128)[0]
    assert marker_rows.mean() < 84  # 10° up appears above the centre when looking level


def test_faces_rendered_together_match_faces_rendered_alone() -> None:
    """Shared sampling coordinates (sides by yaw offset, bottom mirrored from top)."""
    panorama = textured_panorama(2048)
    for group in (("u", "d"), ("f", "r", "b", "l")):
        together = {face: [] for face in group}
        for _, rows in iter_face_group_rows(panorama, group, 652):
            for face in group:
                together[face].append(rows[face])
        for face in group:
            # the same up to the rounding of derived coordinates to 1/32 pixel
            difference = np.abs(np.concatenate(together[face]) - render_face(
                panorama, face, 652).astype(int))
            assert difference.max() <= 8, face
            assert difference.mean() < 0.05, face


def test_wide_sources_sample_through_windows_identically(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """Sources too wide for OpenCV's fast remap are sampled through compact windows (with
    wrap-around and a fallback near the poles' date line): same pixels either way."""
    panorama = textured_panorama(2048)
    direct = {face: render_face(panorama, face, 400) for face in FACES}
    monkeypatch.setattr(projection, "_FAST_REMAP_PITCH", 1200)
    monkeypatch.setattr(projection, "_REMAP_BLOCK_COLUMNS", 64)
    for face in FACES:
        np.testing.assert_array_equal(render_face(panorama, face, 400), direct[face])
