"""Sphere geometry: equirectangular panoramas resampled into cube faces and perspective views.

Conventions (the tile contract in docs/architecture.md):

* Equirectangular pixel centre ``(x + 0.5, y + 0.5)`` of a ``W × H`` image looks at
  ``yaw = 2π (x + 0.5) / W − π`` (0 at the centre column, increasing to the right, i.e. east)
  and ``pitch = π/2 − π (y + 0.5) / H``.
* Directions are written ``(f, r, u)``: forward (yaw 0), right (yaw +90°), up.
* Faces ``f b l r u d`` are Photo Sphere Viewer's front, back, left, right, top and bottom in
  the orientation its cubemap adapters use without ``flipTopBottom`` (three.js ``BoxGeometry``
  scaled by ``(1, 1, −1)``): the side faces are upright; the top face's *top* edge meets the
  front face's top edge and the bottom face's *top* edge meets the back face's bottom edge.
  That is the usual "cross" layout (py360convert's ``e2c``) with top and bottom turned 180°.

Sampling is bilinear at exact directions, in horizontal strips so memory stays bounded. By
default (``supersampling=None``) a side face that is at least as fine as its source (its
pixels never cover more than a source pixel) takes one sample per pixel, a coarser one 2×2
samples averaged with ``cv2.INTER_AREA``. The top and bottom faces take one sample per pixel
from rows around the pole that were first blurred along the row over the width one face
pixel covers there (``polar_cap``): the equirectangular source is oversampled only along its
rows near the poles, so this filters exactly where a fixed supersampling would still alias.
With a ``rotation`` (levelling) every face is sampled 2×2 from the unfiltered source.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

FACES: tuple[str, ...] = ("f", "b", "l", "r", "u", "d")
FACE_NAMES: dict[str, str] = {
    "f": "front", "b": "back", "l": "left", "r": "right", "u": "top", "d": "bottom",
}

#: per face: centre, column axis and row axis as (f, r, u) vectors; pixel (a, b) in [-1, 1]²
#: (a to the right, b downwards) looks along centre + a·column + b·row
_FACE_BASIS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]] = {
    "f": ((1, 0, 0), (0, 1, 0), (0, 0, -1)),
    "r": ((0, 1, 0), (-1, 0, 0), (0, 0, -1)),
    "b": ((-1, 0, 0), (0, -1, 0), (0, 0, -1)),
    "l": ((0, -1, 0), (1, 0, 0), (0, 0, -1)),
    "u": ((0, 0, 1), (0, -1, 0), (-1, 0, 0)),
    "d": ((0, 0, -1), (0, -1, 0), (1, 0, 0)),
}
_SIDE_YAW = {"f": 0.0, "r": math.pi / 2, "b": math.pi, "l": -math.pi / 2}

#: rows added above and below the image (taken across the pole) so bilinear sampling at the
#: poles reads the right neighbours instead of the other pole or a clamped edge
POLE_PADDING = 2
#: sub-pixel samples per strip, to bound the memory of the coordinate maps (~2 × 2 MB);
#: sources too wide for OpenCV's fast path use taller strips, so each window copied for
#: them serves more samples
_SAMPLES_PER_STRIP = 1 << 19
_SAMPLES_PER_WIDE_STRIP = 1 << 21
#: OpenCV's vectorised remap needs a source row pitch below this many bytes
_FAST_REMAP_PITCH = 32768
_REMAP_BLOCK_COLUMNS = 512
#: a side face at least this fraction of width/π is as fine as its source (see module doc)
_FINE_ENOUGH = 0.95


@dataclass
class PaddedEquirect:
    """An equirectangular RGB image stored with ``POLE_PADDING`` rows across each pole."""

    padded: np.ndarray
    _caps: dict[tuple[str, int], np.ndarray] = field(default_factory=dict, repr=False)
    _cap_locks: dict[tuple[str, int], threading.Lock] = field(default_factory=dict, repr=False)
    _caps_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def allocate(cls, width: int, height: int) -> PaddedEquirect:
        """An uninitialised image; fill ``pixels`` then call ``fill_pole_padding``."""
        return cls(np.empty((height + 2 * POLE_PADDING, width, 3), np.uint8))

    @classmethod
    def from_array(cls, image: np.ndarray) -> PaddedEquirect:
        """Copy a plain ``H × W × 3`` uint8 image into a padded one."""
        height, width = image.shape[:2]
        result = cls.allocate(width, height)
        result.pixels[...] = image
        result.fill_pole_padding()
        return result

    @property
    def pixels(self) -> np.ndarray:
        return self.padded[POLE_PADDING:-POLE_PADDING]

    @property
    def width(self) -> int:
        return int(self.padded.shape[1])

    @property
    def height(self) -> int:
        return int(self.padded.shape[0]) - 2 * POLE_PADDING

    def polar_cap(self, face: str, face_size: int) -> np.ndarray:
        """The rows the top (``"u"``) or bottom (``"d"``) face reads, pre-filtered for it.

        Built once per face size and kept until ``drop_polar_caps``; thread-safe.
        """
        key = (face, face_size)
        with self._caps_lock:
            lock = self._cap_locks.setdefault(key, threading.Lock())
        with lock:  # one builder per cap; others wait for it
            cap = self._caps.get(key)
            if cap is None:
                cap = _prefiltered_cap(self.padded, face, face_size, self.height)
                self._caps[key] = cap
        return cap

    def drop_polar_caps(self) -> None:
        """Free the pre-filtered caps (the tiler calls this when its faces are done)."""
        with self._caps_lock:
            self._caps.clear()
            self._cap_locks.clear()

    def fill_pole_padding(self) -> None:
        """Row −k−1 is row k seen from across the pole: the same row shifted by half a turn."""
        half = self.width // 2
        height = self.height
        for k in range(POLE_PADDING):
            top = self.padded[POLE_PADDING + k]
            bottom = self.padded[POLE_PADDING + height - 1 - k]
            self.padded[POLE_PADDING - 1 - k] = np.roll(top, half, axis=0)
            self.padded[POLE_PADDING + height + k] = np.roll(bottom, half, axis=0)


def as_padded(image: np.ndarray | PaddedEquirect) -> PaddedEquirect:
    if isinstance(image, PaddedEquirect):
        return image
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError("expected an H × W × 3 uint8 RGB image")
    return PaddedEquirect.from_array(image)


#: the polar faces see pitches from 90° down to their corners' atan(1/√2) ≈ 35.26°
_POLAR_FACE_MIN_PITCH = math.degrees(math.atan(1 / math.sqrt(2)))


def _prefiltered_cap(padded: np.ndarray, face: str, face_size: int, height: int
                     ) -> np.ndarray:
    """Rows around one pole, each blurred horizontally over the width one face pixel covers.

    Towards a pole an equirectangular row packs more and more pixels into a shrinking circle:
    at pitch φ a ``face_size`` top/bottom face pixel spans ``W/(π·face_size)·tan φ`` source
    pixels along the row (and less than one across rows). A box of that width (odd, so it
    stays centred) followed by one bilinear sample per face pixel filters anisotropically,
    exactly along the direction the source is oversampled, where a fixed 2×2 supersampling
    would still alias near the pole.
    """
    width = padded.shape[1]
    rows = min(padded.shape[0],
               POLE_PADDING + math.ceil(height * (90 - _POLAR_FACE_MIN_PITCH) / 180) + 3)
    cap = (padded[:rows] if face == "u" else padded[-rows:]).copy()
    index = np.arange(rows, dtype=np.float64)
    if face != "u":
        index = rows - 1 - index
    from_pole = np.abs(index - POLE_PADDING + 0.5) * math.pi / height
    spans = width / (math.pi * face_size) * np.tan(np.pi / 2 - from_pole)
    boxes = (2 * np.floor(np.clip(spans, 1, width - 1) / 2) + 1).astype(int)
    start = 0
    while start < rows:
        box = int(boxes[start])
        stop = start + 1
        while stop < rows and boxes[stop] == box:
            stop += 1
        if box > 1:
            half = box // 2 + 1
            band = cap[start:stop]
            wrapped = np.concatenate([band[:, width - half:], band, band[:, :half]], axis=1)
            band[...] = cv2.blur(wrapped, (box, 1))[:, half:half + width]
        start = stop
    return cap


def _axis(count: int, start: int, stop: int, total: int) -> np.ndarray:
    """Coordinates in [-1, 1] of sub-pixel centres ``start..stop`` of ``total``."""
    return ((np.arange(start, stop, dtype=np.float64) + 0.5) * (2.0 / total) - 1.0).astype(
        np.float32
    )


def _source_coordinates(
    f: np.ndarray, r: np.ndarray, u: np.ndarray, width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    """Padded-source pixel coordinates (float32) of directions ``(f, r, u)``."""
    yaw = np.arctan2(r, f)
    pitch = np.arctan2(u, np.hypot(f, r))
    map_x = yaw
    map_x *= np.float32(width / (2 * math.pi))
    map_x += np.float32(width / 2 - 0.5)
    map_y = pitch
    map_y *= np.float32(-height / math.pi)
    map_y += np.float32(height / 2 - 0.5 + POLE_PADDING)
    return map_x, map_y


def _face_maps(
    face: str, size: int, row_start: int, row_stop: int, *, supersampling: int,
    width: int, height: int, rotation: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Source coordinates for sub-pixel rows ``row_start..row_stop`` of a face."""
    total = size * supersampling
    a = _axis(total, 0, total, total)
    b = _axis(total, row_start, row_stop, total)
    rows = row_stop - row_start
    scale_y = np.float32(height / math.pi)
    offset_y = np.float32(height / 2 - 0.5 + POLE_PADDING)
    if rotation is None and face in _SIDE_YAW:
        # Side faces: yaw depends on the column only, pitch = atan(-b / sqrt(1 + a²)),
        # which is symmetric in a: compute the left half, mirror it.
        yaw = np.arctan(a) + np.float32(_SIDE_YAW[face])
        column_x = yaw * np.float32(width / (2 * math.pi)) + np.float32(width / 2 - 0.5)
        map_x = np.empty((rows, total), np.float32)
        map_x[...] = column_x
        half = (total + 1) // 2
        left = np.divide(b[:, None], np.sqrt(1 + a[:half] * a[:half])[None, :])
        np.arctan(left, out=left)
        left *= scale_y
        left += offset_y
        return map_x, _mirrored(left, total, None)
    if rotation is None:
        # Top and bottom: yaw from the angle around the centre, pitch from the distance to it.
        # Mirroring a turns yaw into -yaw: compute the left half, mirror it.
        half = (total + 1) // 2
        a_left = a[:half][None, :]
        left_x = np.arctan2(-a_left, -b[:, None] if face == "u" else b[:, None])
        left_x *= np.float32(width / (2 * math.pi))
        left_x += np.float32(width / 2 - 0.5)
        left_y = np.hypot(a_left, b[:, None])
        np.arctan(left_y, out=left_y)
        left_y *= scale_y if face == "u" else -scale_y
        left_y += np.float32(POLE_PADDING - 0.5) if face == "u" else np.float32(
            height - 0.5 + POLE_PADDING)
        return _mirrored(left_x, total, float(width - 1)), _mirrored(left_y, total, None)
    centre, column, row = (np.asarray(v, np.float32) for v in _FACE_BASIS[face])
    direction = (centre[:, None, None] + column[:, None, None] * a[None, None, :]
                 + row[:, None, None] * b[None, :, None])
    return _rotated_coordinates(direction, rotation, width, height)


def _mirrored(left: np.ndarray, total: int, reflect: float | None) -> np.ndarray:
    """Columns ``0..total`` from their left half: the right half is the left one reversed,
    and with ``reflect`` also mapped ``v → reflect − v``."""
    result = np.empty((left.shape[0], total), np.float32)
    half = left.shape[1]
    result[:, :half] = left
    mirror = left[:, : total - half][:, ::-1]
    if reflect is None:
        result[:, half:] = mirror
    else:
        np.subtract(np.float32(reflect), mirror, out=result[:, half:])
    return result


def _rotated_coordinates(
    direction: np.ndarray, rotation: np.ndarray | None, width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    if rotation is not None:
        matrix = np.asarray(rotation, np.float32)
        direction = np.einsum("ij,j...->i...", matrix, direction, optimize=False)
    f, r, u = (np.ascontiguousarray(direction[i], np.float32) for i in range(3))
    return _source_coordinates(f, r, u, width, height)


def _remap_area(
    source: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, supersampling: int
) -> np.ndarray:
    """Bilinear samples at the maps, averaged over ``supersampling²`` blocks."""
    sampled = _remap(source, map_x, map_y)
    if supersampling == 1:
        return sampled
    rows, cols = map_x.shape
    return cv2.resize(sampled, (cols // supersampling, rows // supersampling),
                      interpolation=cv2.INTER_AREA)


def _remap(padded: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """``cv2.remap`` with horizontal wrap-around, fast whatever the source's width.

    OpenCV's vectorised bilinear remap needs a source row pitch under 32 KiB (10922 RGB
    pixels); wider sources silently take a scalar path about 2.5× slower. For those, each
    block of columns is sampled from a compact copy of the source window it reads, unless
    that window is too wide or too large to pay off (around the poles' date line).
    """
    if padded.strides[0] < _FAST_REMAP_PITCH:
        return _remap_fixed(padded, map_x, map_y, cv2.BORDER_WRAP)
    rows, cols = map_x.shape
    height = padded.shape[0]
    result = np.empty((rows, cols, 3), np.uint8)
    for first in range(0, cols, _REMAP_BLOCK_COLUMNS):
        last = min(cols, first + _REMAP_BLOCK_COLUMNS)
        block_x, block_y = map_x[:, first:last], map_y[:, first:last]
        x_min, x_max = cv2.minMaxLoc(block_x)[:2]
        y_min, y_max = cv2.minMaxLoc(block_y)[:2]
        left, right = math.floor(x_min) - 1, math.floor(x_max) + 3
        top, bottom = max(0, math.floor(y_min) - 1), min(height, math.floor(y_max) + 3)
        window = (right - left) * 3
        if window >= _FAST_REMAP_PITCH or window * (bottom - top) > 8 * rows * (last - first):
            result[:, first:last] = _remap_fixed(padded, block_x, block_y, cv2.BORDER_WRAP)
        else:
            result[:, first:last] = _remap_fixed(
                _window(padded, top, bottom, left, right), block_x - np.float32(left),
                block_y - np.float32(top), cv2.BORDER_REPLICATE)
    return result


def _remap_fixed(source: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, border: int
                 ) -> np.ndarray:
    # Fixed-point maps (what remap would convert float maps to anyway) sample faster.
    fixed, fractions = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)
    return cv2.remap(source, fixed, fractions, cv2.INTER_LINEAR, borderMode=border)


def _window(padded: np.ndarray, top: int, bottom: int, left: int, right: int) -> np.ndarray:
    """A contiguous copy of rows ``top..bottom``, columns ``left..right`` (wrapping around)."""
    width = padded.shape[1]
    # Copy whole pixel runs as bytes: numpy copies 3-byte pixels one by one otherwise.
    flat = padded.reshape(padded.shape[0], width * 3)
    start = left % width
    count = right - left
    window = np.empty((bottom - top, count * 3), np.uint8)
    first = min(count, width - start)
    window[:, :first * 3] = flat[top:bottom, start * 3:(start + first) * 3]
    if first < count:
        window[:, first * 3:] = flat[top:bottom, :(count - first) * 3]
    return window.reshape(bottom - top, count, 3)


def face_supersampling(face: str, size: int, source_width: int,
                       rotation: np.ndarray | None = None) -> int:
    """Sub-pixel samples per axis the default filtering uses for a face sampled from the
    unfiltered source (top and bottom use pre-filtered caps instead, see ``polar_cap``)."""
    if rotation is None and face in _SIDE_YAW and size >= _FINE_ENOUGH * source_width / math.pi:
        return 1
    return 2


def _derived_maps(base: str, face: str, maps: tuple[np.ndarray, np.ndarray], width: int,
                  height: int) -> tuple[np.ndarray, np.ndarray] | None:
    """A face's unrotated maps from another face's at the same pixels, when symmetry allows.

    Side faces differ by a yaw offset only; the bottom face at (a, b) looks at the mirror
    image (yaw → π − yaw, pitch → −pitch) of what the top face sees at (a, b).
    """
    map_x, map_y = maps
    if face == base:
        return map_x, map_y
    if base in _SIDE_YAW and face in _SIDE_YAW:
        shift = (_SIDE_YAW[face] - _SIDE_YAW[base]) % (2 * math.pi) * width / (2 * math.pi)
        return map_x + np.float32(shift), map_y
    if (base, face) == ("u", "d"):
        return (np.float32(1.5 * width - 1) - map_x,
                np.float32(height - 1 + 2 * POLE_PADDING) - map_y)
    return None


def iter_face_group_rows(
    source: np.ndarray | PaddedEquirect,
    faces: tuple[str, ...],
    size: int,
    *,
    row_start: int = 0,
    row_stop: int | None = None,
    supersampling: int | None = None,
    rotation: np.ndarray | None = None,
) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
    """Yield ``(first_row, {face: rows})`` for several faces at once, top to bottom.

    Faces related by symmetry (the four sides; top and bottom) share one computation of
    their sampling coordinates per strip. ``rotation`` (3×3, optional) turns a viewer
    direction into the source image's frame, e.g. to level a panorama shot with the camera
    pitched or rolled.
    """
    if not faces or any(face not in _FACE_BASIS for face in faces):
        raise ValueError(f"unknown faces {faces!r}")
    padded = as_padded(source)
    # Top and bottom sample pre-filtered polar rows once per pixel unless told otherwise.
    polar = supersampling is None and rotation is None and set(faces) <= {"u", "d"}
    if polar:
        supersampling = 1
    elif supersampling is None:
        supersampling = max(face_supersampling(face, size, padded.width, rotation)
                            for face in faces)
    stop = size if row_stop is None else row_stop
    samples = (_SAMPLES_PER_STRIP if padded.padded.strides[0] < _FAST_REMAP_PITCH
               else _SAMPLES_PER_WIDE_STRIP)
    step = max(1, samples // (size * supersampling * supersampling))
    for first in range(row_start, stop, step):
        last = min(stop, first + step)
        rows: dict[str, np.ndarray] = {}
        shared: tuple[str, tuple[np.ndarray, np.ndarray]] | None = None
        for face in faces:
            maps = None
            if rotation is None and shared is not None:
                maps = _derived_maps(shared[0], face, shared[1], padded.width, padded.height)
            if maps is None:
                maps = _face_maps(face, size, first * supersampling, last * supersampling,
                                  supersampling=supersampling, width=padded.width,
                                  height=padded.height, rotation=rotation)
                shared = (face, maps)
            if polar:
                cap = padded.polar_cap(face, size)
                map_y = maps[1] if face == "u" else maps[1] - np.float32(
                    padded.padded.shape[0] - cap.shape[0])
                rows[face] = _remap_area(cap, maps[0], map_y, 1)
            else:
                rows[face] = _remap_area(padded.padded, maps[0], maps[1], supersampling)
        yield first, rows


def iter_face_rows(
    source: np.ndarray | PaddedEquirect,
    face: str,
    size: int,
    *,
    row_start: int = 0,
    row_stop: int | None = None,
    supersampling: int | None = None,
    rotation: np.ndarray | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first_row, rows)`` pieces of one face's rows ``row_start..row_stop``."""
    for first, rows in iter_face_group_rows(source, (face,), size, row_start=row_start,
                                            row_stop=row_stop, supersampling=supersampling,
                                            rotation=rotation):
        yield first, rows[face]


def render_face(
    source: np.ndarray | PaddedEquirect,
    face: str,
    size: int,
    *,
    supersampling: int | None = None,
    rotation: np.ndarray | None = None,
) -> np.ndarray:
    """One whole ``size × size`` cube face (see the module doc for the orientation)."""
    result = np.empty((size, size, 3), np.uint8)
    for first, rows in iter_face_rows(source, face, size, supersampling=supersampling,
                                      rotation=rotation):
        result[first:first + rows.shape[0]] = rows
    return result


def render_equirect(
    source: np.ndarray | PaddedEquirect,
    width: int,
    height: int,
    *,
    rotation: np.ndarray | None = None,
    supersampling: int = 2,
) -> np.ndarray:
    """A resized (and, with ``rotation``, re-levelled) equirectangular copy."""
    padded = as_padded(source)
    if rotation is None:
        return cv2.resize(padded.pixels, (width, height), interpolation=cv2.INTER_AREA)
    result = np.empty((height, width, 3), np.uint8)
    total_w, total_h = width * supersampling, height * supersampling
    step = max(1, _SAMPLES_PER_STRIP // (total_w * supersampling))
    yaw = (_axis(total_w, 0, total_w, total_w) * np.float32(math.pi))[None, :]
    for first in range(0, height, step):
        last = min(height, first + step)
        pitch = (-_axis(total_h, first * supersampling, last * supersampling, total_h)
                 * np.float32(math.pi / 2))[:, None]
        direction = np.stack(np.broadcast_arrays(
            np.cos(pitch) * np.cos(yaw), np.cos(pitch) * np.sin(yaw), np.sin(pitch) + 0 * yaw,
        ))
        map_x, map_y = _rotated_coordinates(direction, rotation, padded.width, padded.height)
        result[first:last] = _remap_area(padded.padded, map_x, map_y, supersampling)
    return result


def view_rotation(yaw_deg: float, pitch_deg: float, roll_deg: float = 0.0) -> np.ndarray:
    """The 3×3 matrix turning a camera's (forward, right, up) frame into the world frame.

    The camera looks at ``yaw_deg``/``pitch_deg`` and is rolled by ``roll_deg``; positive roll
    turns the camera's up vector to the right, so the horizon turns counterclockwise in its
    picture (the sign of GPano's ``PoseRollDegrees``).
    """
    yaw, pitch, roll = (math.radians(v) for v in (yaw_deg, pitch_deg, roll_deg))
    cy, sy, cp, sp, cr, sr = (math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch),
                              math.cos(roll), math.sin(roll))
    turn = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])  # about up: forward → right
    tilt = np.array([[cp, 0, -sp], [0, 1, 0], [sp, 0, cp]])  # about right: forward → up
    lean = np.array([[1, 0, 0], [0, cr, sr], [0, -sr, cr]])  # about forward: up → right
    return turn @ tilt @ lean


def render_perspective(  # noqa: PLR0917 - the positional signature share images use
    equirect: np.ndarray | PaddedEquirect,
    yaw_deg: float,
    pitch_deg: float,
    hfov_deg: float,
    width: int,
    height: int,
    *,
    supersampling: int = 2,
) -> np.ndarray:
    """A rectilinear ``width × height`` view looking at ``yaw_deg``/``pitch_deg``.

    For share images (og:image, 1200×630), rendered from the SD copy.
    """
    if not 1 <= hfov_deg < 180:
        raise ValueError("hfov_deg must be in [1, 180)")
    padded = as_padded(equirect)
    half_w = math.tan(math.radians(hfov_deg) / 2)
    half_h = half_w * height / width
    camera = view_rotation(yaw_deg, pitch_deg)
    result = np.empty((height, width, 3), np.uint8)
    total_w, total_h = width * supersampling, height * supersampling
    columns = _axis(total_w, 0, total_w, total_w) * np.float32(half_w)
    step = max(1, _SAMPLES_PER_STRIP // (total_w * supersampling))
    for first in range(0, height, step):
        last = min(height, first + step)
        rows = _axis(total_h, first * supersampling, last * supersampling, total_h)
        rows = -rows * np.float32(half_h)
        direction = np.stack(np.broadcast_arrays(
            np.ones((rows.size, columns.size), np.float32), columns[None, :], rows[:, None]
        ))
        map_x, map_y = _rotated_coordinates(direction, camera, padded.width, padded.height)
        result[first:last] = _remap_area(padded.padded, map_x, map_y, supersampling)
    return result


def face_pixel(yaw_deg: float, pitch_deg: float, size: int) -> tuple[str, float, float]:
    """Where a direction lands on the cube: ``(face, x, y)`` in pixels of a ``size`` face."""
    yaw, pitch = math.radians(yaw_deg), math.radians(pitch_deg)
    direction = np.array([math.cos(pitch) * math.cos(yaw), math.cos(pitch) * math.sin(yaw),
                          math.sin(pitch)])
    best = max(_FACE_BASIS, key=lambda name: float(np.dot(_FACE_BASIS[name][0], direction)))
    centre, column, row = (np.asarray(v, float) for v in _FACE_BASIS[best])
    scaled = direction / float(np.dot(centre, direction))
    a, b = float(np.dot(scaled, column)), float(np.dot(scaled, row))
    return best, (a + 1) / 2 * size, (b + 1) / 2 * size
