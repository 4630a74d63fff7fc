"""JPEG encoding of output images: libjpeg-turbo through simplejpeg (releases the GIL).

Outputs carry no metadata at all (no EXIF, no GPS, no XMP, no ICC): the pixels are sRGB.
"""

from __future__ import annotations

import numpy as np
import simplejpeg

JPEG_QUALITY = 85
JPEG_CONTENT_TYPE = "image/jpeg"


def encode_jpeg(pixels: np.ndarray, *, quality: int = JPEG_QUALITY) -> bytes:
    """A baseline JPEG of an ``H × W × 3`` uint8 RGB array, 4:2:0 chroma subsampling."""
    if not 1 <= quality <= 100:
        raise ValueError("quality must be in 1..100")
    return simplejpeg.encode_jpeg(np.ascontiguousarray(pixels), quality=quality,
                                  colorspace="RGB", colorsubsampling="420")
