"""Privacy in the panoramas: suggesting regions to blur (faces, licence plates) and blurring them.

Regions are rectangles in fractions of the full equirectangular image (``x``, ``y`` of the top
left corner, ``width``, ``height``); ``x + width`` may pass 1, in which case the region
continues at the left edge (the 360° seam). They are stored on the panorama and applied by the
tiler to the decoded image before anything public is rendered from it, so tiles, previews, the
SD copy, the thumbnail and share images are all blurred while the original stays as it was.

Detection uses OpenCV's bundled Haar cascades (``cv2.data.haarcascades``). An equirectangular
image is stretched away from the horizon, so the cascades run on rectilinear views around the
horizon rendered from a copy at most :data:`DETECTION_WIDTH` wide; each hit is mapped back to
the sphere and the duplicates of neighbouring views are merged. The suggestions are meant for
an editor to accept or dismiss, not as a guarantee that every face is found.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from media_tools.projection import PaddedEquirect, render_perspective, view_rotation

#: what a region hides; ``other`` is drawn by hand (a private window, a name on a door)
REGION_KINDS = ("face", "plate", "other")
#: the detector works on a copy at most this wide (a 16k panorama is scaled down first)
DETECTION_WIDTH = 4096
#: views around the horizon: yaw every 45°, 90° wide, so every direction is seen well inside
#: at least one view; only the band from :data:`LOWEST` to :data:`HIGHEST` degrees of pitch is
#: searched (people and cars in a street panorama taken at eye height)
VIEW_YAWS = tuple(range(0, 360, 45))
VIEW_FOV = 90.0
HIGHEST = 25.0
LOWEST = -40.0
#: the cascades' step between window sizes (OpenCV's default is 1.1; 1.15 is about a third
#: faster and still finds faces of every size in a street)
SCALE_FACTOR = 1.15
#: a detector box is widened by this share on every side: cascades frame the face tightly
MARGIN = 0.15
#: the most suggestions one panorama gets (the strongest are kept)
MAX_SUGGESTIONS = 100
#: regions of the same kind overlapping more than this (intersection over the smaller) merge
MERGE_OVERLAP = 0.3

#: cascade file, kind, smallest window (pixels of a view), neighbours a hit needs, and whether
#: it also runs on the mirrored view (the profile cascade knows faces turned one way only)
_CASCADES: tuple[tuple[str, str, tuple[int, int], int, bool], ...] = (
    ("haarcascade_frontalface_default.xml", "face", (20, 20), 4, False),
    ("haarcascade_profileface.xml", "face", (20, 20), 4, True),
    ("haarcascade_russian_plate_number.xml", "plate", (40, 13), 5, False),
)


class DetectorUnavailable(RuntimeError):
    """This OpenCV build has no cascade classifier or ships no cascade files (OpenCV 5.x
    moved both to its contrib package)."""


@dataclass(frozen=True)
class Region:
    """A rectangle to blur, in fractions of the equirectangular image (see module doc)."""

    x: float
    y: float
    width: float
    height: float
    kind: str = "other"
    #: the detector's confidence (the cascade's last-stage sum; higher is surer), None for
    #: regions drawn by hand
    score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"x": round(self.x, 6), "y": round(self.y, 6),
                                "width": round(self.width, 6),
                                "height": round(self.height, 6), "kind": self.kind}
        if self.score is not None:
            data["score"] = round(self.score, 3)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Region:
        """A region from its stored form (already validated by whoever stored it)."""
        score = data.get("score")
        return cls(float(data["x"]), float(data["y"]), float(data["width"]),
                   float(data["height"]), str(data.get("kind", "other")),
                   None if score is None else float(score))


# --- detection ---------------------------------------------------------------------------

_classifiers: dict[str, Any] = {}
_classifiers_lock = threading.Lock()


def _classifier(name: str) -> Any:
    """A loaded cascade (loaded once per process). OpenCV's classifiers are not documented as
    thread-safe, so each detection holds the lock while it uses them."""
    classifier = _classifiers.get(name)
    if classifier is None:
        folder = getattr(getattr(cv2, "data", None), "haarcascades", "")
        path = os.path.join(folder, name)
        if not hasattr(cv2, "CascadeClassifier") or not os.path.exists(path):
            raise DetectorUnavailable(f"OpenCV {cv2.__version__} has no {name}")
        classifier = cv2.CascadeClassifier(path)
        if classifier.empty():
            raise DetectorUnavailable(f"OpenCV could not load {name}")
        _classifiers[name] = classifier
    return classifier


def detect_regions(image: np.ndarray | PaddedEquirect, *,
                   max_width: int = DETECTION_WIDTH) -> list[Region]:
    """Suggested regions (faces, licence plates) of an equirectangular RGB image.

    Works on a copy at most ``max_width`` wide, so the time is bounded whatever the size of
    the panorama. Raises :class:`DetectorUnavailable` when OpenCV ships no cascades.
    """
    pixels = image.pixels if isinstance(image, PaddedEquirect) else image
    height, width = pixels.shape[:2]
    if width > max_width:
        scaled = cv2.resize(pixels, (max_width, max(2, round(height * max_width / width))),
                            interpolation=cv2.INTER_AREA)
    else:
        scaled = np.ascontiguousarray(pixels)
    source = PaddedEquirect.from_array(scaled)
    # a view as sharp as the copy: 90° of a W-wide panorama are W/4 pixels
    view_size = max(64, min(1024, source.width // 4))
    half = math.tan(math.radians(VIEW_FOV) / 2)
    first_row = round((1 - math.tan(math.radians(HIGHEST)) / half) * view_size / 2)
    last_row = round((1 + math.tan(math.radians(-LOWEST)) / half) * view_size / 2)
    found: list[Region] = []
    with _classifiers_lock:
        classifiers = [(_classifier(name), kind, size, neighbours, mirrored)
                       for name, kind, size, neighbours, mirrored in _CASCADES]
        for yaw in VIEW_YAWS:
            view = render_perspective(source, yaw, 0.0, VIEW_FOV, view_size, view_size,
                                      supersampling=1)[first_row:last_row]
            grey = cv2.equalizeHist(cv2.cvtColor(view, cv2.COLOR_RGB2GRAY))
            mirror = np.ascontiguousarray(grey[:, ::-1])
            for classifier, kind, size, neighbours, mirrored in classifiers:
                boxes = _hits(classifier, grey, size, neighbours)
                if mirrored:
                    boxes += [(view_size - x - w, y, w, h, score) for x, y, w, h, score
                              in _hits(classifier, mirror, size, neighbours)]
                found += [_to_region(box, yaw, first_row, view_size, kind) for box in boxes]
    merged = merge_regions(found)
    merged.sort(key=lambda region: -(region.score or 0.0))
    return merged[:MAX_SUGGESTIONS]


def _hits(classifier: Any, grey: np.ndarray, size: tuple[int, int], neighbours: int
          ) -> list[tuple[float, float, float, float, float]]:
    """``(x, y, w, h, score)`` boxes of one cascade in one view."""
    boxes, _levels, weights = classifier.detectMultiScale3(
        grey, scaleFactor=SCALE_FACTOR, minNeighbors=neighbours, minSize=size,
        outputRejectLevels=True)
    return [(float(x), float(y), float(w), float(h), float(weight))
            for (x, y, w, h), weight in zip(boxes, np.ravel(weights), strict=False)]


def _to_region(box: tuple[float, float, float, float, float], yaw: float, first_row: int,
               size: int, kind: str) -> Region:
    """The equirectangular rectangle around a box found in the rows from ``first_row`` on of
    the ``size``-pixel square view looking at ``yaw`` on the horizon."""
    x, y, w, h, score = box
    y += first_row
    x, y, w, h = x - MARGIN * w, y - MARGIN * h, w * (1 + 2 * MARGIN), h * (1 + 2 * MARGIN)
    steps = np.linspace(0.0, 1.0, 9)
    px = np.concatenate([x + w * steps, x + w * steps, np.full(9, x), np.full(9, x + w)])
    py = np.concatenate([np.full(9, y), np.full(9, y + h), y + h * steps, y + h * steps])
    half = math.tan(math.radians(VIEW_FOV) / 2)
    # the inverse of render_perspective: (forward, right, up) in the camera, then the world
    camera = np.stack([np.ones_like(px), (px / size * 2 - 1) * half,
                       -(py / size * 2 - 1) * half])
    world = view_rotation(yaw, 0.0) @ camera
    longitude = np.arctan2(world[1], world[0])
    latitude = np.arctan2(world[2], np.hypot(world[0], world[1]))
    fx = longitude / (2 * math.pi) + 0.5
    fy = 0.5 - latitude / math.pi
    centre = float(fx.mean())
    offsets = (fx - centre + 0.5) % 1.0 - 0.5
    left = (centre + float(offsets.min())) % 1.0
    top, bottom = float(fy.min()), float(fy.max())
    return Region(left, max(0.0, top), min(1.0, float(offsets.max() - offsets.min())),
                  min(1.0, bottom) - max(0.0, top), kind, score)


def _overlap(a: Region, b: Region) -> float:
    """Intersection over the smaller area, across the seam."""
    best = 0.0
    for shift in (-1.0, 0.0, 1.0):
        left = max(a.x, b.x + shift)
        right = min(a.x + a.width, b.x + shift + b.width)
        top, bottom = max(a.y, b.y), min(a.y + a.height, b.y + b.height)
        if right > left and bottom > top:
            smaller = min(a.width * a.height, b.width * b.height)
            best = max(best, (right - left) * (bottom - top) / smaller)
    return best


def _union(a: Region, b: Region) -> Region:
    shift = min((-1.0, 0.0, 1.0), key=lambda s: abs((b.x + s) - a.x))
    left = min(a.x, b.x + shift)
    right = max(a.x + a.width, b.x + shift + b.width)
    top, bottom = min(a.y, b.y), max(a.y + a.height, b.y + b.height)
    scores = [s for s in (a.score, b.score) if s is not None]
    return Region(left % 1.0, top, min(1.0, right - left), bottom - top, a.kind,
                  max(scores) if scores else None)


def merge_regions(regions: Iterable[Region]) -> list[Region]:
    """Regions of one kind that overlap (see :data:`MERGE_OVERLAP`) joined into their union."""
    merged: list[Region] = []
    for region in regions:
        current = region
        changed = True
        while changed:
            changed = False
            for other in merged:
                if other.kind == current.kind and _overlap(other, current) > MERGE_OVERLAP:
                    merged.remove(other)
                    current = _union(other, current)
                    changed = True
                    break
        merged.append(current)
    return merged


# --- blurring ----------------------------------------------------------------------------

#: points a side when a region is carried to another frame (its corners and inner points)
TURN_SAMPLES = 9


def turn_regions(regions: Sequence[Region], rotation: np.ndarray | None) -> list[Region]:
    """``regions`` carried into another frame of the same sphere: the box around where each
    region's points lie after ``rotation`` (3×3) turns their directions, so the result covers
    at least the region. With no rotation, the regions as they are.

    A levelled panorama (``DecodedPanorama.rotation``) shows at the levelled direction ``d``
    what its source shows at ``rotation @ d``: regions drawn on the levelled picture reach the
    source with ``rotation``, and regions found in the source reach the picture with its
    transpose. A region that would span more than half the width (around a pole) becomes a
    band of the whole width.
    """
    if rotation is None:
        return list(regions)
    matrix = np.asarray(rotation, np.float64)
    steps = np.linspace(0.0, 1.0, TURN_SAMPLES)
    turned = []
    for region in regions:
        fx = (region.x + region.width * steps)[None, :] % 1.0
        fy = np.clip(region.y + region.height * steps, 0.0, 1.0)[:, None]
        yaw = (2.0 * fx - 1.0) * math.pi
        pitch = (0.5 - fy) * math.pi
        forward, right, up = np.broadcast_arrays(np.cos(pitch) * np.cos(yaw),
                                                 np.cos(pitch) * np.sin(yaw), np.sin(pitch))
        direction = np.einsum("ij,j...->i...", matrix, np.stack([forward, right, up]))
        sx = np.arctan2(direction[1], direction[0]) / (2.0 * math.pi) + 0.5
        sy = 0.5 - np.arcsin(np.clip(direction[2], -1.0, 1.0)) / math.pi
        start = float(sx.flat[0])
        offsets = (sx - start + 0.5) % 1.0 - 0.5
        left, span = start + float(offsets.min()), float(offsets.max() - offsets.min())
        top, bottom = float(sy.min()), float(sy.max())
        if span > 0.5:
            left, span = 0.0, 1.0
        turned.append(Region(left % 1.0, top, max(span, 1e-6), max(bottom - top, 1e-6),
                             region.kind, region.score))
    return turned


def pixel_box(region: Region, width: int, height: int) -> tuple[int, int, int, int]:
    """``(left, top, columns, rows)`` of ``region`` in a ``width × height`` image; ``left +
    columns`` may pass ``width`` (the region wraps)."""
    left = math.floor(region.x * width) % width
    right = math.ceil((region.x + region.width) * width)
    right = min(right, math.floor(region.x * width) + width)
    columns = max(1, right - math.floor(region.x * width))
    top = max(0, min(height - 1, math.floor(region.y * height)))
    bottom = max(top + 1, min(height, math.ceil((region.y + region.height) * height)))
    return left, top, columns, bottom - top


def blur_regions(image: np.ndarray | PaddedEquirect, regions: Sequence[Region], *,
                 in_place: bool = False) -> np.ndarray:
    """``image`` (equirectangular RGB) with every region made unrecognisable.

    Each region is reduced to a coarse mosaic (blocks of a fifth of its shorter side,
    at least 4 pixels) and smoothed, so nothing of a face or a plate survives, whatever the
    region's size, in time proportional to its area. A region across the seam is blurred as
    one piece. Returns a copy unless ``in_place``; a ``PaddedEquirect`` is always changed in
    place (its pole padding too) and its pixels returned.
    """
    if isinstance(image, PaddedEquirect):
        pixels = image.pixels
        _blur_all(pixels, regions)
        image.fill_pole_padding()
        return pixels
    pixels = image if in_place else image.copy()
    _blur_all(pixels, regions)
    return pixels


def _blur_all(pixels: np.ndarray, regions: Sequence[Region]) -> None:
    height, width = pixels.shape[:2]
    for region in regions:
        left, top, columns, rows = pixel_box(region, width, height)
        first = min(columns, width - left)
        patch = pixels[top:top + rows, left:left + first]
        if first < columns:  # across the seam: the right edge, then the left one
            patch = np.concatenate([patch, pixels[top:top + rows, :columns - first]], axis=1)
        blurred = _obscure(np.ascontiguousarray(patch))
        pixels[top:top + rows, left:left + first] = blurred[:, :first]
        if first < columns:
            pixels[top:top + rows, :columns - first] = blurred[:, first:]


def _obscure(patch: np.ndarray) -> np.ndarray:
    """A coarse mosaic of ``patch``, smoothed at the mosaic's own scale (so the cost does not
    grow with the blur's strength), then interpolated back up and softened."""
    rows, columns = patch.shape[:2]
    block = max(4, min(rows, columns) // 5)
    small = cv2.resize(patch, (max(1, columns // block), max(1, rows // block)),
                       interpolation=cv2.INTER_AREA)
    if min(small.shape[:2]) > 2:
        small = cv2.GaussianBlur(small, (0, 0), sigmaX=0.8, borderType=cv2.BORDER_REPLICATE)
    coarse = cv2.resize(small, (columns, rows), interpolation=cv2.INTER_LINEAR)
    sigma = min(float(block) / 2, 8.0)
    return cv2.GaussianBlur(coarse, (0, 0), sigmaX=sigma, sigmaY=sigma,
                            borderType=cv2.BORDER_REPLICATE)
