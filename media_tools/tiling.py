"""The cube-face tile pyramid, SD copy, thumbnail and manifest of one panorama revision.

Everything is streamed to a caller's ``sink(key, data, content_type)``: each face is rendered
one tile row at a time, its tiles encoded at once, and the row area-halved into the next
level's pending rows, so besides the decoded source only a few tile rows per worker are held.
The sink is only ever called from the calling thread; ``manifest.json`` is written last.
"""

from __future__ import annotations

import json
import math
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from media_tools.decoding import DecodedPanorama, decode_panorama
from media_tools.encoding import JPEG_CONTENT_TYPE, JPEG_QUALITY, encode_jpeg
from media_tools.formats import Limits, Source
from media_tools.inspection import PanoramaInfo
from media_tools.privacy import Region, blur_regions, turn_regions
from media_tools.projection import FACE_NAMES, FACES, iter_face_group_rows, render_equirect

Sink = Callable[[str, bytes, str], None]
Progress = Callable[[str, float], None]

MANIFEST_FORMAT = "flaneur.cubemap-tiles"
MANIFEST_VERSION = 1
MIN_TILE_SIZE = 512
MAX_TILE_SIZE = 1024
#: nbTiles per face side is a power of two up to Photo Sphere Viewer's limit of 16
MAX_TILES_PER_SIDE = 16
#: the top level may exceed width/π by this factor, never more (no pointless upscaling)
MAX_UPSCALE = 1.05
TILE_KEY = "{z}/{face}/{y}/{x}.jpg"
PREVIEW_KEY = "0/{face}/0/0.jpg"
SD_KEY = "sd.jpg"
THUMBNAIL_KEY = "thumb.jpg"
MANIFEST_KEY = "manifest.json"
#: faces rendered together, sharing their sampling coordinates (the polar pair costs most,
#: so it starts first)
_FACE_GROUPS: tuple[tuple[str, ...], ...] = (("u", "d"), ("f", "r", "b", "l"))
_QUEUE_SIZE = 32


@dataclass(frozen=True)
class Level:
    z: int
    face_size: int
    nb_tiles: int


@dataclass(frozen=True)
class TilePlan:
    tile_size: int
    #: levels z ≥ 1, smallest first; the last one is the full-resolution level
    levels: tuple[Level, ...]
    preview_size: int

    @property
    def top(self) -> Level:
        return self.levels[-1]


@dataclass(frozen=True)
class TilingOptions:
    #: None chooses the size (512–1024) whose top level is closest to width/π
    tile_size: int | None = None
    jpeg_quality: int = JPEG_QUALITY
    preview_size: int = 256
    sd_width: int = 2048
    thumbnail_width: int = 512
    #: sub-pixel samples per axis; None lets each face choose (see media_tools.projection)
    supersampling: int | None = None
    workers: int = 2
    limits: Limits = field(default_factory=Limits)
    #: regions blurred in the decoded image before anything is rendered from it (faces,
    #: licence plates; see media_tools.privacy), so every object of the revision is blurred
    blur: tuple[Region, ...] = ()


@dataclass
class TilingResult:
    manifest: dict[str, Any]
    info: PanoramaInfo
    objects_written: int
    bytes_written: int


def plan_levels(width: int, *, tile_size: int | None = None, preview_size: int = 256
                ) -> TilePlan:
    """Tile size and levels for an equirectangular panorama ``width`` pixels wide.

    The top level's face is ``tile × 2^k`` (``2^k ≤ 16``) as close as possible to
    ``width/π`` without exceeding it by more than 5 %; tile sizes are even so every level
    halves exactly. A panorama too small for one 512 px tile gets a single one-tile level.
    """
    target = width / math.pi
    limit = MAX_UPSCALE * target
    max_power = int(math.log2(MAX_TILES_PER_SIDE))
    if tile_size is not None:
        if not MIN_TILE_SIZE <= tile_size <= MAX_TILE_SIZE or tile_size % 2:
            raise ValueError(f"tile_size must be even and in {MIN_TILE_SIZE}..{MAX_TILE_SIZE}")
        fitting = [k for k in range(max_power + 1) if tile_size * 2**k <= limit]
        chosen = (tile_size, fitting[-1]) if fitting else None
    else:
        candidates = []
        for k in range(max_power + 1):
            tile = min(MAX_TILE_SIZE, 2 * round(target / 2**k / 2))
            while tile * 2**k > limit:
                tile -= 2
            if tile >= MIN_TILE_SIZE:
                candidates.append((abs(tile * 2**k - target), -k, tile, k))
        chosen = min(candidates)[2:] if candidates else None
    if chosen is None:
        face = max(2, 2 * round(target / 2))
        if face > limit:
            face -= 2
        return TilePlan(face, (Level(1, face, 1),), min(preview_size, face))
    tile, power = chosen
    levels = tuple(Level(z, tile * 2 ** (z - 1), 2 ** (z - 1)) for z in range(1, power + 2))
    return TilePlan(tile, levels, min(preview_size, tile))


def build_manifest(plan: TilePlan, info: PanoramaInfo, *, sd_size: tuple[int, int],
                   thumbnail_size: tuple[int, int], jpeg_quality: int) -> dict[str, Any]:
    """The revision's ``manifest.json`` content (JSON-serialisable, nothing editable)."""
    placement = info.placement
    return {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "projection": "cubemap",
        "faces": dict(FACE_NAMES),
        "face_orientation": "photo-sphere-viewer (flipTopBottom: false)",
        "tile_size": plan.tile_size,
        "levels": [{"z": level.z, "face_size": level.face_size, "nb_tiles": level.nb_tiles}
                   for level in plan.levels],
        "preview": {"z": 0, "face_size": plan.preview_size, "nb_tiles": 1,
                    "key": PREVIEW_KEY},
        "keys": {"tile": TILE_KEY, "preview": PREVIEW_KEY, "sd": SD_KEY,
                 "thumbnail": THUMBNAIL_KEY},
        "sd": {"key": SD_KEY, "width": sd_size[0], "height": sd_size[1],
               "projection": "equirectangular"},
        "thumbnail": {"key": THUMBNAIL_KEY, "width": thumbnail_size[0],
                      "height": thumbnail_size[1], "projection": "equirectangular"},
        "source": {"width": placement.full_width, "height": placement.full_height,
                   "partial": placement.is_partial, "levelled": info.needs_levelling},
        "content_type": JPEG_CONTENT_TYPE,
        "jpeg_quality": jpeg_quality,
    }


def tile_panorama(
    source: Source,
    *,
    sink: Sink,
    options: TilingOptions | None = None,
    progress: Progress | None = None,
    info: PanoramaInfo | None = None,
) -> TilingResult:
    """Decode ``source`` and stream its whole revision (tiles, SD, thumbnail, manifest) to ``sink``.

    Raises ``PanoramaRejected`` for an image that cannot be a panorama; errors raised by
    ``sink`` or ``progress`` stop the work and propagate.
    """
    options = options or TilingOptions()
    report = progress or _no_progress
    report("decoding", 0.0)
    panorama = decode_panorama(source, limits=options.limits, info=info)
    report("decoding", 1.0)
    return tile_decoded(panorama, sink=sink, options=options, progress=progress)


def _no_progress(stage: str, fraction: float) -> None:
    del stage, fraction


class _Cancelled(Exception):
    pass


class _Outbox:
    """Encoded objects from the workers to the calling thread, with backpressure."""

    def __init__(self, cancel: threading.Event) -> None:
        self.items: queue.Queue[tuple[str, bytes]] = queue.Queue(maxsize=_QUEUE_SIZE)
        self.cancel = cancel
        self.rows_done = 0
        self._lock = threading.Lock()

    def put(self, key: str, data: bytes) -> None:
        while True:
            if self.cancel.is_set():
                raise _Cancelled
            try:
                self.items.put((key, data), timeout=0.1)
                return
            except queue.Full:
                continue

    def count_rows(self, rows: int) -> None:
        with self._lock:
            self.rows_done += rows


def tile_decoded(
    panorama: DecodedPanorama,
    *,
    sink: Sink,
    options: TilingOptions | None = None,
    progress: Progress | None = None,
) -> TilingResult:
    """Like ``tile_panorama`` for an already decoded panorama (blurred in place when
    ``options.blur`` names regions)."""
    options = options or TilingOptions()
    report = progress or _no_progress
    info = panorama.info
    if options.blur:
        report("blurring", 0.0)
        # regions are drawn on the levelled picture; the canvas is the unlevelled source
        blur_regions(panorama.image, turn_regions(options.blur, panorama.rotation))
    plan = plan_levels(info.placement.full_width, tile_size=options.tile_size,
                       preview_size=options.preview_size)
    sd_width = min(options.sd_width, info.placement.full_width) // 2 * 2
    sd_size = (sd_width, sd_width // 2)
    thumbnail_width = min(options.thumbnail_width, sd_width) // 2 * 2
    thumbnail_size = (thumbnail_width, thumbnail_width // 2)
    cancel = threading.Event()
    outbox = _Outbox(cancel)
    written = [0, 0]

    def write(key: str, data: bytes, content_type: str) -> None:
        sink(key, data, content_type)
        written[0] += 1
        written[1] += len(data)

    top = plan.top
    # Each face group is rendered in two halves (top and bottom rows) so both workers stay
    # busy; the halves meet again only in the one-tile level 1, joined at the end.
    halves = [(0, top.face_size)] if top.nb_tiles == 1 else [
        (0, top.face_size // 2), (top.face_size // 2, top.face_size)]
    total_rows = len(FACES) * top.face_size
    report("projecting", 0.0)
    with ThreadPoolExecutor(max(1, options.workers), thread_name_prefix="tiling") as pool:
        others: list[Future[Any]] = []
        if panorama.rotation is None and options.supersampling is None:
            # the pre-filtered polar rows, one per worker, before the polar faces need them
            others += [pool.submit(panorama.image.polar_cap, face, top.face_size)
                       for face in ("u", "d")]
        face_tasks = [
            pool.submit(_tile_rows, group, rows, panorama=panorama, plan=plan, options=options,
                        outbox=outbox)
            for group in _FACE_GROUPS for rows in halves]
        others.append(pool.submit(_render_extras, panorama, sd_size, thumbnail_size,
                                  options, outbox))
        try:
            _drain([*others, *face_tasks], outbox, write, lambda: report(
                "projecting", min(1.0, outbox.rows_done / total_rows)))
        except BaseException:
            cancel.set()
            raise
        finally:
            panorama.image.drop_polar_caps()
    halves_of_level_one: dict[str, list[tuple[int, np.ndarray]]] = {}
    for task in face_tasks:
        for face, part in task.result().items():
            halves_of_level_one.setdefault(face, []).append(part)
    for face, parts in halves_of_level_one.items():
        rows = np.concatenate([part for _, part in sorted(parts, key=lambda item: item[0])])
        for key, data in _level_one(face, rows, plan, options):
            write(key, data, JPEG_CONTENT_TYPE)
    report("projecting", 1.0)
    manifest = build_manifest(plan, info, sd_size=sd_size, thumbnail_size=thumbnail_size,
                              jpeg_quality=options.jpeg_quality)
    report("manifest", 0.0)
    write(MANIFEST_KEY, json.dumps(manifest, indent=2, sort_keys=True).encode(),
          "application/json")
    report("done", 1.0)
    return TilingResult(manifest, info, written[0], written[1])


def _drain(futures: list[Future[Any]], outbox: _Outbox,
           write: Callable[[str, bytes, str], None], report: Callable[[], None]) -> None:
    """Hand the workers' objects to ``write`` until every worker is done; re-raise failures."""
    last_reported = -1
    while True:
        try:
            key, data = outbox.items.get(timeout=0.05)
        except queue.Empty:
            failed = next((f for f in futures if f.done() and f.exception()), None)
            if failed is not None:
                failed.result()
            if all(f.done() for f in futures) and outbox.items.empty():
                break
            continue
        write(key, data, JPEG_CONTENT_TYPE)
        if outbox.rows_done != last_reported:
            last_reported = outbox.rows_done
            report()
    for future in futures:
        future.result()


def _render_extras(panorama: DecodedPanorama, sd_size: tuple[int, int],
                   thumbnail_size: tuple[int, int], options: TilingOptions,
                   outbox: _Outbox) -> None:
    sd = render_equirect(panorama.image, *sd_size, rotation=panorama.rotation)
    outbox.put(SD_KEY, encode_jpeg(sd, quality=options.jpeg_quality))
    thumbnail = cv2.resize(sd, thumbnail_size, interpolation=cv2.INTER_AREA)
    outbox.put(THUMBNAIL_KEY, encode_jpeg(thumbnail, quality=options.jpeg_quality))


def _level_one(face: str, rows: np.ndarray, plan: TilePlan, options: TilingOptions
               ) -> list[tuple[str, bytes]]:
    """The one-tile level 1 of a face and its preview (level 0)."""
    preview = cv2.resize(rows, (plan.preview_size, plan.preview_size),
                         interpolation=cv2.INTER_AREA)
    return [(TILE_KEY.format(z=1, face=face, y=0, x=0),
             encode_jpeg(rows, quality=options.jpeg_quality)),
            (PREVIEW_KEY.format(face=face), encode_jpeg(preview, quality=options.jpeg_quality))]


class _FacePyramid:
    """Turns one face's top-level rows, a tile row at a time, into tiles of every level.

    Each finished tile row is encoded, then area-halved into the next level's pending rows.
    When the pyramid covers only part of the face, its level-1 rows stay in ``pending[1]``.
    """

    def __init__(self, face: str, plan: TilePlan, first_row: int, options: TilingOptions,
                 outbox: _Outbox) -> None:
        self.face = face
        self.plan = plan
        self.options = options
        self.outbox = outbox
        self.pending: dict[int, list[np.ndarray]] = {level.z: [] for level in plan.levels}
        top = plan.top.z
        self.next_row = {level.z: (first_row >> (top - level.z)) // plan.tile_size
                         for level in plan.levels}

    def add(self, z: int, rows: np.ndarray) -> None:
        tile = self.plan.tile_size
        if z == 1:
            for key, data in _level_one(self.face, rows, self.plan, self.options):
                self.outbox.put(key, data)
            return
        y = self.next_row[z]
        self.next_row[z] += 1
        for x in range(rows.shape[1] // tile):
            key = TILE_KEY.format(z=z, face=self.face, y=y, x=x)
            self.outbox.put(key, encode_jpeg(rows[:, x * tile:(x + 1) * tile],
                                             quality=self.options.jpeg_quality))
        half = cv2.resize(rows, (rows.shape[1] // 2, rows.shape[0] // 2),
                          interpolation=cv2.INTER_AREA)
        waiting = self.pending[z - 1]
        waiting.append(half)
        if sum(part.shape[0] for part in waiting) == tile:
            joined = np.concatenate(waiting) if len(waiting) > 1 else waiting[0]
            waiting.clear()
            self.add(z - 1, joined)


def _tile_rows(faces: tuple[str, ...], rows: tuple[int, int], *, panorama: DecodedPanorama,
               plan: TilePlan, options: TilingOptions, outbox: _Outbox
               ) -> dict[str, tuple[int, np.ndarray]]:
    """Render top-level ``rows`` (start, stop) of a face group, one tile row at a time.

    Returns ``{face: (start, level-1 rows)}`` when it covered the faces only in part, for
    the caller to join into the one-tile level 1.
    """
    start, stop = rows
    tile = plan.tile_size
    top = plan.top
    pyramids = {face: _FacePyramid(face, plan, start, options, outbox) for face in faces}
    strips = {face: np.empty((tile, top.face_size, 3), np.uint8) for face in faces}
    for tile_row in range(start // tile, stop // tile):
        first_row = tile_row * tile
        for first, parts in iter_face_group_rows(
                panorama.image, faces, top.face_size, row_start=first_row,
                row_stop=first_row + tile, supersampling=options.supersampling,
                rotation=panorama.rotation):
            if outbox.cancel.is_set():
                raise _Cancelled
            for face, part in parts.items():
                strips[face][first - first_row:first - first_row + part.shape[0]] = part
        outbox.count_rows(tile * len(faces))
        for face in faces:
            pyramids[face].add(top.z, strips[face])
    return {face: (start, np.concatenate(pyramid.pending[1]))
            for face, pyramid in pyramids.items() if pyramid.pending[1]}
