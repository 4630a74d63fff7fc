"""Encoding of output images: JPEG through libjpeg-turbo (simplejpeg, releases the GIL), PNG
and WebP through Pillow.

Outputs carry no metadata at all (no EXIF, no GPS, no XMP, no ICC, no text chunks): they are
made from a bare pixel array, so nothing of the upload can ride along, and the pixels are
sRGB. The encoders are deterministic: the same pixels give the same bytes.
"""

from __future__ import annotations

import io

import numpy as np
import simplejpeg
from PIL import Image

JPEG_QUALITY = 85
JPEG_CONTENT_TYPE = "image/jpeg"
PNG_CONTENT_TYPE = "image/png"
WEBP_CONTENT_TYPE = "image/webp"


def encode_jpeg(pixels: np.ndarray, *, quality: int = JPEG_QUALITY) -> bytes:
    """A baseline JPEG of an ``H × W × 3`` uint8 RGB array, 4:2:0 chroma subsampling."""
    _check_quality(quality)
    return simplejpeg.encode_jpeg(np.ascontiguousarray(pixels), quality=quality,
                                  colorspace="RGB", colorsubsampling="420")


def encode_png(pixels: np.ndarray) -> bytes:
    """A PNG of an ``H × W × 3`` (RGB) or ``H × W × 4`` (RGBA, straight alpha) uint8 array,
    with no ancillary chunk; compressed as hard as zlib can (outputs are small and kept)."""
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(out, "PNG", optimize=True)
    return out.getvalue()


def encode_webp(pixels: np.ndarray, *, quality: int = JPEG_QUALITY) -> bytes:
    """A lossy WebP of an ``H × W × 3`` or ``H × W × 4`` uint8 array, alpha kept losslessly
    (a transparent photo is a tenth of its PNG's size)."""
    _check_quality(quality)
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(
        out, "WEBP", quality=quality, alpha_quality=100, method=4)
    return out.getvalue()


def _check_quality(quality: int) -> None:
    if not 1 <= quality <= 100:
        raise ValueError("quality must be in 1..100")
