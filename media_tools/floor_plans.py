"""Floor plans of venues for the web: an uploaded drawing checked and rendered as one image.

A floor plan is a drawing (a mall's level, a market hall), usually exported from a CAD or
drawing program, sometimes a scan or a photo of the sign at the entrance. It is trusted no more
than a shop photo: the type comes from the content (magic bytes), only JPEG, PNG and WebP are
decoded, sizes are checked from the header before decoding (so a decompression bomb is refused
in microseconds) and vector files (SVG, PDF, PostScript) are refused unparsed: rasterising
them would mean an XML parser, scripts and external references. The pixels are turned upright
and into 8-bit sRGB and encoded afresh, so no metadata of the upload survives.

The result is one image at most :data:`MAX_SIDE` pixels on its long side (never upscaled),
which is what the viewer's plan panel and the editor draw scenes on: lossless PNG, which keeps
lines and lettering crisp, unless that PNG is heavier than :data:`PNG_BUDGET` (a scan or a
photograph), then lossy WebP at high quality. The same upload always gives the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from PIL import Image

from media_tools.decoding import apply_orientation, decode_pixels
from media_tools.encoding import PNG_CONTENT_TYPE, WEBP_CONTENT_TYPE, encode_png, encode_webp
from media_tools.errors import ImageRejected, RejectionCode
from media_tools.formats import MIB, Limits, Source, detect_format, read_container, read_source
from media_tools.metadata import read_exif

#: caps checked from the header before decoding: large enough for a detailed A0 scan
FLOOR_PLAN_LIMITS = Limits(max_width=12000, max_height=12000, pixel_cap=40_000_000,
                           min_side=64, max_file_bytes=20 * MIB)
#: the longest side of the rendered drawing (pixels)
MAX_SIDE = 4096
#: a PNG above this many bytes is a picture rather than a drawing: it becomes WebP
PNG_BUDGET = 2 * MIB
#: quality of the lossy WebP (high: plans carry small lettering)
WEBP_QUALITY = 90
#: formats refused with ``vector_image`` rather than ``unsupported_format``
VECTOR_FORMATS = ("SVG", "PDF", "PostScript")


@dataclass(frozen=True)
class FloorPlanImage:
    """A checked upload rendered for the web."""

    data: bytes
    content_type: str
    extension: str  #: without the dot: "png" or "webp"
    width: int
    height: int
    #: SHA-256 (hex) of the uploaded bytes
    source_sha256: str
    #: what was noticed and ignored (unreadable EXIF, unusable colour profile…), for logs
    warnings: tuple[str, ...] = ()


def prepare_floor_plan(source: Source, *, limits: Limits | None = None,
                       max_side: int = MAX_SIDE) -> FloorPlanImage:
    """Check an uploaded floor plan and render it; raise ``ImageRejected`` if it is refused.

    ``source`` is bytes or a binary stream (read to at most ``limits.max_file_bytes`` + 1).
    """
    limits = limits or FLOOR_PLAN_LIMITS
    data = read_source(source, limits)
    detected = detect_format(data)
    if detected in VECTOR_FORMATS:
        raise ImageRejected(RejectionCode.VECTOR_IMAGE, "{detected} files are not accepted; "
                            "export the floor plan as a PNG image.", detected=detected)
    container = read_container(data, limits)
    if container.animated:
        raise ImageRejected(RejectionCode.ANIMATED, "Animated images are not accepted.")
    notes = list(container.warnings)
    orientation = read_exif(container.exif, notes).orientation
    pixels = decode_pixels(data, container, limits, notes, keep_alpha=True)
    if pixels.shape[2] == 4 and bool((pixels[..., 3] == 255).all()):
        pixels = pixels[..., :3]
    pixels = apply_orientation(_fitted(pixels, max_side), orientation)
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape[:2]
    encoded, content_type, extension = encode_png(pixels), PNG_CONTENT_TYPE, "png"
    if len(encoded) > PNG_BUDGET:
        encoded = encode_webp(pixels, quality=WEBP_QUALITY)
        content_type, extension = WEBP_CONTENT_TYPE, "webp"
    return FloorPlanImage(data=encoded, content_type=content_type, extension=extension,
                          width=width, height=height,
                          source_sha256=hashlib.sha256(data).hexdigest(),
                          warnings=tuple(dict.fromkeys(notes)))


def _fitted(pixels: np.ndarray, max_side: int) -> np.ndarray:
    """``pixels`` scaled down to at most ``max_side`` on the long side (never enlarged);
    turning upright afterwards does not change the long side."""
    height, width = pixels.shape[:2]
    scale = max_side / max(width, height)
    if scale >= 1:
        return pixels
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = Image.fromarray(np.ascontiguousarray(pixels))
    # RGBA is resized premultiplied by Pillow, so transparent pixels do not bleed colour
    return np.asarray(image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0))
