"""A small deterministic ray-caster: 360° equirectangular images of a world made of axis-aligned
boxes standing on a ground plane under a sky.

Conventions are the tile contract's (docs/architecture.md, ``media_tools.projection``): the pixel
centre ``(x + 0.5, y + 0.5)`` of a ``W × H`` image looks at ``yaw = 2π (x + 0.5) / W − π`` and
``pitch = π/2 − π (y + 0.5) / H``; yaw 0 is the centre column and grows to the right. The world is
in metres, ``x`` east, ``y`` north, ``z`` up. A camera's ``heading`` is the compass bearing its
yaw 0 looks at, so ``yaw = bearing − heading``: rendered with heading 0, north is at yaw 0 (a
scene's north offset 0) and east at yaw +90°, exactly what the viewer shows there.

How it works: every box is intersected with all rays at once by the slab method, split into a
horizontal part (per image column) and a vertical part (per image row), so each box costs only
the image area it can cover. Boxes are drawn nearest first with a depth test, so far boxes are
rarely shaded; what no box hides is ground (rows below the horizon) or sky. Surfaces are shaded
flat by their orientation (a soft sky, no sun), darkened towards the ground, and fade into the
horizon's colour with distance. ``supersampling`` renders ``s × s`` rays per pixel and averages
them (edges and lettering without stair-steps). Memory stays bounded: the image is rendered in
bands of rows.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np

Colour = tuple[int, int, int]
Point = tuple[float, float, float]

#: rays per band (before supersampling is averaged away): bounds the memory of a render
BAND_RAYS = 1 << 20
#: a run of columns hit by one box is cut into pieces of this width, so each piece's rows can
#: be bounded tightly (a long facade is seen high up close by and low far away)
RUN_COLUMNS = 192
#: bands rendered at once (the development machine has two cores)
RENDER_THREADS = 2


class Face(enum.IntEnum):
    """The six faces of a box, named by where their outside normal points."""

    WEST = 0
    EAST = 1
    SOUTH = 2
    NORTH = 3
    BOTTOM = 4
    TOP = 5


#: how bright each face is under a soft, sun-less sky (south-facing walls get the most light)
FACE_LIGHT = np.array([0.86, 0.9, 0.97, 0.8, 0.62, 1.0], np.float32)


@dataclass(frozen=True)
class Surface:
    """The hit points a material colours, in the face's own coordinates.

    ``u`` runs along the face from its left edge as seen from outside, ``v`` up from its bottom
    edge (metres). On the top and bottom faces ``u`` runs east and ``v`` north from the box's
    south-west corner. ``distance`` is the horizontal distance from the camera, for detail that
    should fade out far away rather than shimmer.
    """

    face: Face
    u: np.ndarray
    v: np.ndarray
    width: float
    height: float
    distance: np.ndarray


class Material(Protocol):
    """Colours hit points (``Surface``) as an ``n × 3`` float array in 0..255."""

    #: self-lit surfaces (sign boards) are only half as dependent on their orientation
    @property
    def lit(self) -> bool: ...

    def colour(self, surface: Surface) -> np.ndarray: ...


@dataclass(frozen=True)
class Plain:
    """One colour everywhere."""

    rgb: Colour
    lit: bool = False

    def colour(self, surface: Surface) -> np.ndarray:
        return np.broadcast_to(np.array(self.rgb, np.float32), (surface.u.size, 3))


@dataclass(frozen=True, eq=False)
class Picture:
    """An image stretched over one face (``face``); the other faces are ``edge``-coloured."""

    image: np.ndarray
    face: Face
    edge: Colour
    lit: bool = True

    def colour(self, surface: Surface) -> np.ndarray:
        result = np.empty((surface.u.size, 3), np.float32)
        result[:] = self.edge
        if surface.face is self.face:
            result[:] = sample_bilinear(self.image, surface.u / surface.width,
                                        1.0 - surface.v / surface.height)
        return result


@dataclass(frozen=True)
class Box:
    """An axis-aligned box from ``low`` to ``high`` (x, y, z in metres)."""

    low: Point
    high: Point
    material: Material
    name: str = ""

    def __post_init__(self) -> None:
        if not all(a < b for a, b in zip(self.low, self.high, strict=True)):
            raise ValueError(f"box {self.name!r}: low must be below high on every axis")

    def face_size(self, face: Face) -> tuple[float, float]:
        """Width and height of ``face`` in metres (``u`` and ``v`` ranges)."""
        (x0, y0, z0), (x1, y1, z1) = self.low, self.high
        if face in (Face.WEST, Face.EAST):
            return y1 - y0, z1 - z0
        if face in (Face.SOUTH, Face.NORTH):
            return x1 - x0, z1 - z0
        return x1 - x0, y1 - y0


@dataclass(frozen=True)
class Sky:
    """A gradient from the horizon up to the zenith, with soft clouds on a layer high above."""

    horizon: Colour
    zenith: Colour
    cloud: Colour
    #: 0 = clear; about 0.5 = a few soft clouds
    cloudiness: float = 0.45
    cloud_height: float = 900.0


@dataclass(frozen=True)
class World:
    """Boxes on a ground plane at ``z = 0`` under a sky.

    ``ground(x, y, distance)`` colours ground hit points (``n × 3`` floats); ``fog_distance`` is
    the distance over which colours fade about two thirds of the way to the horizon's colour.
    """

    boxes: tuple[Box, ...]
    ground: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    sky: Sky
    fog_distance: float = 700.0


@dataclass(frozen=True)
class Camera:
    """Where a panorama is taken: position in metres, ``heading`` = compass bearing of yaw 0."""

    x: float
    y: float
    z: float = 1.8
    heading: float = 0.0


# --- geometry shared by the renderer, the hotspots and the tests ------------------------------


def direction_to(camera: Camera, point: Point) -> tuple[float, float]:
    """Yaw and pitch (degrees) at which ``camera``'s panorama shows ``point``."""
    dx, dy, dz = point[0] - camera.x, point[1] - camera.y, point[2] - camera.z
    bearing = math.degrees(math.atan2(dx, dy))
    yaw = (bearing - camera.heading + 180.0) % 360.0 - 180.0
    pitch = math.degrees(math.atan2(dz, math.hypot(dx, dy)))
    return yaw, pitch


def pixel_at(yaw: float, pitch: float, width: int, height: int) -> tuple[float, float]:
    """Continuous pixel coordinates (column, row) of a direction in a ``width × height``
    equirectangular image; pixel ``i`` covers ``[i, i + 1)``."""
    column = ((yaw + 180.0) / 360.0 * width) % width
    row = (90.0 - pitch) / 180.0 * height
    return column, row


def segment_hits(box: Box, start: Point, end: Point) -> bool:
    """True when the straight segment from ``start`` to ``end`` passes through ``box``."""
    t_near, t_far = 0.0, 1.0
    for axis in range(3):
        delta = end[axis] - start[axis]
        low, high = box.low[axis], box.high[axis]
        if abs(delta) < 1e-12:
            if not low <= start[axis] <= high:
                return False
            continue
        t0, t1 = (low - start[axis]) / delta, (high - start[axis]) / delta
        t_near, t_far = max(t_near, min(t0, t1)), min(t_far, max(t0, t1))
        if t_near > t_far:
            return False
    return True


def sample_bilinear(image: np.ndarray, s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``image`` (``h × w × 3`` uint8) sampled at texture coordinates ``s`` (0 left … 1 right),
    ``t`` (0 top … 1 bottom), bilinearly, clamped at the edges; ``n × 3`` floats."""
    height, width = image.shape[:2]
    x = np.clip(s * width - 0.5, 0, width - 1)
    y = np.clip(t * height - 0.5, 0, height - 1)
    x0 = np.minimum(x.astype(np.int32), width - 2 if width > 1 else 0)
    y0 = np.minimum(y.astype(np.int32), height - 2 if height > 1 else 0)
    fx = (x - x0)[:, None].astype(np.float32)
    fy = (y - y0)[:, None].astype(np.float32)
    x1 = np.minimum(x0 + 1, width - 1)
    y1 = np.minimum(y0 + 1, height - 1)
    top = image[y0, x0] * (1 - fx) + image[y0, x1] * fx
    bottom = image[y1, x0] * (1 - fx) + image[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


# --- rendering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rays:
    """The rays of a render: a horizontal direction per column, a slope per row."""

    dx: np.ndarray
    dy: np.ndarray
    #: tan(pitch) per row; the height gained per metre walked horizontally
    slope: np.ndarray
    yaw: np.ndarray


@dataclass(frozen=True)
class _Footprint:
    """Where each column's ray crosses a box's footprint: entry/exit distance, entry face."""

    box: Box
    near: np.ndarray
    far: np.ndarray
    face: np.ndarray
    runs: tuple[tuple[int, int], ...]
    #: horizontal distance from the camera to the footprint (drawing order)
    distance: float


def _rays(camera: Camera, width: int, height: int) -> _Rays:
    yaw = (np.arange(width) + 0.5) / width * 2 * math.pi - math.pi
    bearing = yaw + math.radians(camera.heading)
    pitch = math.pi / 2 - (np.arange(height) + 0.5) / height * math.pi
    slope = np.tan(pitch)
    slope[np.abs(slope) < 1e-9] = 1e-9  # the horizon row of an odd height: never exactly level
    return _Rays(np.sin(bearing).astype(np.float32), np.cos(bearing).astype(np.float32),
                 slope.astype(np.float32), yaw.astype(np.float32))


def _footprint(box: Box, camera: Camera, rays: _Rays) -> _Footprint:
    near = np.full(rays.dx.shape, -np.inf)
    far = np.full(rays.dx.shape, np.inf)
    face = np.zeros(rays.dx.shape, np.int8)
    for axis, direction, low_face, high_face in ((0, rays.dx, Face.WEST, Face.EAST),
                                                 (1, rays.dy, Face.SOUTH, Face.NORTH)):
        origin = (camera.x, camera.y)[axis]
        low, high = box.low[axis], box.high[axis]
        with np.errstate(divide="ignore", invalid="ignore"):
            t_low = (low - origin) / direction
            t_high = (high - origin) / direction
        parallel = np.abs(direction) < 1e-12
        inside = low <= origin <= high
        t_low[parallel] = -np.inf if inside else np.inf
        t_high[parallel] = np.inf if inside else -np.inf
        entry = np.minimum(t_low, t_high)
        exit_ = np.maximum(t_low, t_high)
        entry_face = np.where(direction > 0, low_face, high_face)
        wins = entry > near
        face = np.where(wins, entry_face, face)
        near = np.maximum(near, entry)
        far = np.minimum(far, exit_)
    valid = (near < far) & (far > 0)
    edges = np.flatnonzero(np.diff(valid.astype(np.int8), prepend=0, append=0))
    runs = []
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        runs.extend((first, min(stop, first + RUN_COLUMNS))
                    for first in range(int(start), int(stop), RUN_COLUMNS))
    nearest_x = min(max(camera.x, box.low[0]), box.high[0])
    nearest_y = min(max(camera.y, box.low[1]), box.high[1])
    distance = math.hypot(nearest_x - camera.x, nearest_y - camera.y)
    return _Footprint(box, near.astype(np.float32), far.astype(np.float32), face, tuple(runs),
                      distance)


def _row_range(footprint: _Footprint, run: tuple[int, int], camera: Camera,
               slopes: np.ndarray) -> tuple[int, int]:
    """The rows of a band whose rays can meet the box within the run of columns."""
    near = np.maximum(footprint.near[run[0]:run[1]], 1e-6)
    far = footprint.far[run[0]:run[1]]
    below = footprint.box.low[2] - camera.z
    above = footprint.box.high[2] - camera.z
    lowest = float(np.min(below / (near if below < 0 else far)))
    highest = float(np.max(above / (near if above > 0 else far)))
    descending = -slopes
    first = int(np.searchsorted(descending, -highest, "left"))
    last = int(np.searchsorted(descending, -lowest, "right"))
    return max(0, first - 1), min(slopes.size, last + 1)


def _fog(rgb: np.ndarray, distance: np.ndarray, fog: tuple[np.ndarray, float]) -> np.ndarray:
    """``rgb`` seen through ``distance`` metres of haze: faded towards the horizon's colour."""
    horizon, fog_distance = fog
    fade = 1.0 - np.exp(distance * np.float32(-1.0 / fog_distance))
    return rgb + (horizon - rgb) * fade[:, None]


def _draw_box(footprint: _Footprint, camera: Camera, rays: _Rays, rows: slice, *,
              depth: np.ndarray, colour: np.ndarray, fog: tuple[np.ndarray, float]) -> None:
    """Draw the box's visible points of the band into ``depth`` and ``colour``."""
    box = footprint.box
    slopes = rays.slope[rows]
    low_z, high_z = box.low[2] - camera.z, box.high[2] - camera.z
    for run in footprint.runs:
        first, last = _row_range(footprint, run, camera, slopes)
        if first >= last:
            continue
        c0, c1 = run
        band_slopes = slopes[first:last]
        t_a, t_b = low_z / band_slopes, high_z / band_slopes
        z_near = np.minimum(t_a, t_b)
        z_far = np.maximum(t_a, t_b)
        near = np.maximum(footprint.near[None, c0:c1], z_near[:, None])
        far = np.minimum(footprint.far[None, c0:c1], z_far[:, None])
        block_depth = depth[first:last, c0:c1]
        hit = (near < far) & (near > 0) & (near < block_depth)
        if not hit.any():
            continue
        row_index, column_index = np.nonzero(hit)
        distance = near[row_index, column_index]
        side = footprint.near[c0 + column_index] >= z_near[row_index]
        z_face = np.where(band_slopes[row_index] > 0, Face.BOTTOM, Face.TOP)
        faces = np.where(side, footprint.face[c0 + column_index], z_face)
        x = camera.x + distance * rays.dx[c0 + column_index]
        y = camera.y + distance * rays.dy[c0 + column_index]
        z = camera.z + distance * band_slopes[row_index]
        block_depth[hit] = distance
        rgb = _shade(box, faces, (x, y, z), distance)
        secant = np.sqrt(1 + band_slopes[row_index] ** 2)
        colour[first:last, c0:c1][hit] = _fog(rgb, distance * secant, fog)


def _face_coordinates(box: Box, face: Face, x: np.ndarray, y: np.ndarray, z: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    (x0, y0, z0), (x1, y1, _z1) = box.low, box.high
    if face is Face.WEST:
        return y1 - y, z - z0
    if face is Face.EAST:
        return y - y0, z - z0
    if face is Face.SOUTH:
        return x - x0, z - z0
    if face is Face.NORTH:
        return x1 - x, z - z0
    return x - x0, y - y0


def _shade(box: Box, faces: np.ndarray, hits: tuple[np.ndarray, np.ndarray, np.ndarray],
           distance: np.ndarray) -> np.ndarray:
    x, y, z = hits
    result = np.empty((faces.size, 3), np.float32)
    for face in Face:
        mask = faces == face
        if not mask.any():
            continue
        u, v = _face_coordinates(box, face, x[mask], y[mask], z[mask])
        width, height = box.face_size(face)
        rgb = box.material.colour(Surface(face, u, v, width, height, distance[mask]))
        light = FACE_LIGHT[face]
        if box.material.lit:
            light = 0.5 + 0.5 * light
        if face < Face.BOTTOM and box.low[2] <= 0:
            # walls standing on the ground are a little darker at their foot (ambient occlusion)
            shade = light * (1.0 - 0.28 * np.exp(-z[mask] / 0.45))[:, None]
        else:
            shade = light
        result[mask] = rgb * shade
    return result


def _sky_colour(sky: Sky, camera: Camera, rays: _Rays, rows: np.ndarray, columns: np.ndarray
                ) -> np.ndarray:
    slope = rays.slope[rows]
    elevation = np.clip(slope / np.sqrt(1 + slope * slope), 0, 1)
    horizon = np.array(sky.horizon, np.float32)
    zenith = np.array(sky.zenith, np.float32)
    rgb = horizon + (zenith - horizon) * (elevation ** 0.55)[:, None]
    if sky.cloudiness <= 0:
        return rgb
    # soft clouds: smooth waves on a flat layer high above, thinning towards the horizon
    reach = sky.cloud_height / np.maximum(slope, np.float32(1e-3))
    cx = camera.x + reach * rays.dx[columns]
    cy = camera.y + reach * rays.dy[columns]
    waves = (np.sin(cx / 310.0 + 1.3) * np.sin(cy / 270.0 + 0.4)
             + 0.6 * np.sin((cx + cy) / 150.0 + 2.1) * np.sin((cx - cy) / 190.0)
             + 0.35 * np.sin(cx / 61.0 + np.sin(cy / 83.0)) * np.sin(cy / 57.0 + 0.7))
    density = np.clip((waves - (1.0 - 2.0 * sky.cloudiness)) / 0.9, 0, 1) ** 1.5
    density *= np.clip(elevation / 0.15, 0, 1) * 0.85
    cloud = np.array(sky.cloud, np.float32)
    return rgb + (cloud - rgb) * density[:, None]


def _pixel_sums(values: np.ndarray, sub: int) -> np.ndarray:
    """Sums of ``sub × sub`` blocks of the first two axes (faster than a reshaped mean)."""
    if sub == 1:
        return values.astype(np.float32)
    total = values[0::sub, 0::sub].astype(np.float32)
    for row in range(sub):
        for column in range(sub):
            if row or column:
                total += values[row::sub, column::sub]
    return total


def _ground_colour(world: World, camera: Camera, pixels: _Rays, rows: np.ndarray,
                   columns: np.ndarray) -> np.ndarray:
    distance = -camera.z / pixels.slope[rows]
    x = camera.x + distance * pixels.dx[columns]
    y = camera.y + distance * pixels.dy[columns]
    secant = np.sqrt(1 + pixels.slope[rows] ** 2)
    return _fog(world.ground(x, y, distance), distance * secant,
                (np.array(world.sky.horizon, np.float32), world.fog_distance))


def _render_band(world: World, camera: Camera, rays: _Rays, pixels: _Rays, *,
                 footprints: Sequence[_Footprint], rows: slice, sub: int) -> np.ndarray:
    """One band of rows (of ``rays``, ``sub × sub`` per pixel), averaged into pixels.

    Boxes are drawn per ray, so their edges are smooth; the ground and the sky behind them
    are coloured once per pixel, through its centre (``pixels``), weighted by the share of
    the pixel's rays no box stopped: the sky is smooth, and the ground's patterns are fine
    enough close by and fade out far away.
    """
    count = rows.stop - rows.start
    columns = rays.dx.size
    depth = np.full((count, columns), np.inf, np.float32)
    colour = np.zeros((count, columns, 3), np.float32)
    fog = (np.array(world.sky.horizon, np.float32), world.fog_distance)
    for footprint in footprints:
        _draw_box(footprint, camera, rays, rows, depth=depth, colour=colour, fog=fog)
    boxes = np.isfinite(depth)
    image = _pixel_sums(colour, sub) / np.float32(sub * sub)
    open_share = 1.0 - _pixel_sums(boxes, sub) / np.float32(sub * sub)
    seen = open_share > 0
    if seen.any():
        row_index, column_index = np.nonzero(seen)
        pixel_rows = rows.start // sub + row_index
        below = pixels.slope[pixel_rows] < 0
        rgb = np.empty((row_index.size, 3), np.float32)
        if below.any():
            rgb[below] = _ground_colour(world, camera, pixels, pixel_rows[below],
                                        column_index[below])
        if not below.all():
            rgb[~below] = _sky_colour(world.sky, camera, pixels, pixel_rows[~below],
                                      column_index[~below])
        image[seen] += rgb * open_share[seen][:, None]
    return image


def _bands(total_rows: int, step: int) -> Iterator[slice]:
    for first in range(0, total_rows, step):
        yield slice(first, min(total_rows, first + step))


def render_panorama(world: World, camera: Camera, *, width: int = 4096,
                    supersampling: int = 2) -> np.ndarray:
    """The ``width × width/2`` equirectangular RGB image (uint8) ``camera`` sees of ``world``.

    Deterministic: the same world, camera and size give the same pixels.
    """
    if width < 16 or width % 2:
        raise ValueError("width must be an even number of pixels, at least 16")
    if not 1 <= supersampling <= 4:
        raise ValueError("supersampling must be 1 to 4")
    height = width // 2
    sub = supersampling
    rays = _rays(camera, width * sub, height * sub)
    pixels = rays if sub == 1 else _rays(camera, width, height)
    footprints = sorted((_footprint(box, camera, rays) for box in world.boxes),
                        key=lambda footprint: footprint.distance)
    footprints = [footprint for footprint in footprints if footprint.runs]
    image = np.empty((height, width, 3), np.uint8)
    step = max(sub, BAND_RAYS // (width * sub) // sub * sub)

    def render(rows: slice) -> None:
        band = _render_band(world, camera, rays, pixels, footprints=footprints, rows=rows,
                            sub=sub)
        image[rows.start // sub:rows.stop // sub] = np.clip(np.rint(band), 0, 255)

    bands = list(_bands(height * sub, step))
    if RENDER_THREADS <= 1:
        for rows in bands:
            render(rows)
        return image
    # numpy releases the GIL in its loops: bands render in parallel, each into its own rows
    with ThreadPoolExecutor(max_workers=RENDER_THREADS) as pool:
        for _done in pool.map(render, bands):
            pass
    return image
