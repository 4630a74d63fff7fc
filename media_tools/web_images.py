"""Shop logos and photos for the web: an upload checked, cleaned and resized into web versions.

``prepare_web_image`` trusts nothing of the upload but its pixels. The type comes from the
content (magic bytes), never from a name or a declared MIME type; only JPEG, PNG and WebP are
decoded. SVG, PDF and PostScript are refused before anything parses them (a logo must be sent
as PNG: rasterising untrusted vector files means an XML parser, scripts and external
references). Sizes are checked from the header before decoding, so a decompression bomb is
refused in microseconds. The pixels are turned upright (EXIF orientation) and into 8-bit sRGB,
then every version is encoded afresh from a bare array: no EXIF/GPS, XMP, ICC profile,
comment or appended byte of the upload survives. The same upload always gives the same bytes.

Outputs: a logo becomes PNG (lossless, so flat colours and lettering stay crisp; transparency
kept; read by every browser, mail client and social preview); a photo becomes JPEG, or lossy
WebP with alpha when it really has transparency (a PNG of a 1600 px photo would weigh
megabytes). An alpha channel that is opaque everywhere is dropped. Versions are fitted inside
a square of their size (never upscaled, never cropped: a page crops with CSS
``object-fit: cover`` if its layout wants a fixed shape, and nothing the owner framed is lost).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from PIL import Image

from media_tools.decoding import apply_orientation, decode_pixels
from media_tools.encoding import (
    JPEG_CONTENT_TYPE,
    PNG_CONTENT_TYPE,
    WEBP_CONTENT_TYPE,
    encode_jpeg,
    encode_png,
    encode_webp,
)
from media_tools.errors import ImageRejected, RejectionCode
from media_tools.formats import MIB, Limits, Source, detect_format, read_container, read_source
from media_tools.metadata import read_exif


class WebImagePurpose(StrEnum):
    """What the image is for; the values match the shop image kinds."""

    LOGO = "logo"
    PHOTO = "photo"


#: caps for web images, checked from the header before decoding
WEB_IMAGE_LIMITS = Limits(max_width=12000, max_height=12000, pixel_cap=40_000_000, min_side=16,
                          max_file_bytes=20 * MIB)

#: the longest side of each version, per purpose (fitted, never upscaled)
VARIANT_SIZES: dict[WebImagePurpose, dict[str, int]] = {
    WebImagePurpose.LOGO: {"large": 512, "thumb": 128},
    WebImagePurpose.PHOTO: {"large": 1600, "thumb": 400},
}

#: formats refused with ``vector_image`` (send a PNG) rather than ``unsupported_format``
VECTOR_FORMATS = ("SVG", "PDF", "PostScript")

_VECTOR_ADVICE = {
    WebImagePurpose.LOGO: "upload the logo as a PNG image.",
    WebImagePurpose.PHOTO: "upload the photo as a JPEG image.",
}
#: per format (Pillow's names): its encoder, content type and file extension
_OUTPUTS: dict[str, tuple[Callable[[np.ndarray], bytes], str, str]] = {
    "JPEG": (encode_jpeg, JPEG_CONTENT_TYPE, "jpg"),
    "PNG": (encode_png, PNG_CONTENT_TYPE, "png"),
    "WEBP": (encode_webp, WEBP_CONTENT_TYPE, "webp"),
}
#: large downsizing first reduces by whole factors (box filter) to 3× the target, then Lanczos
_REDUCING_GAP = 3.0


@dataclass(frozen=True)
class WebImageVariant:
    """One web version: bytes ready to store with their content type."""

    name: str  #: "large" or "thumb"
    data: bytes
    content_type: str
    extension: str  #: without the dot: "jpg", "png" or "webp"
    width: int
    height: int


@dataclass(frozen=True)
class WebImage:
    """A checked upload and its web versions."""

    purpose: WebImagePurpose
    #: the upload's format sniffed from its content ("JPEG", "PNG" or "WEBP"), its MIME type
    #: and the extension to store the original under
    source_format: str
    source_type: str
    source_extension: str
    #: SHA-256 (hex) and length of the uploaded bytes, for a content-addressed original
    source_sha256: str
    source_bytes: int
    #: the upload's size once upright (EXIF orientation applied)
    width: int
    height: int
    #: whether the versions keep an alpha channel
    has_alpha: bool
    large: WebImageVariant
    thumb: WebImageVariant
    #: what was noticed and ignored (unreadable EXIF, unusable colour profile…), for logs
    warnings: tuple[str, ...] = ()

    @property
    def variants(self) -> dict[str, WebImageVariant]:
        return {"large": self.large, "thumb": self.thumb}


def prepare_web_image(source: Source, *, purpose: WebImagePurpose | str,
                      limits: Limits | None = None) -> WebImage:
    """Check an upload and make its web versions; raise ``ImageRejected`` if it is refused.

    ``source`` is bytes or a binary stream (read to at most ``limits.max_file_bytes`` + 1).
    """
    purpose = WebImagePurpose(purpose)
    limits = limits or WEB_IMAGE_LIMITS
    data = read_source(source, limits)
    _refuse_vector(data, purpose)
    container = read_container(data, limits)
    if container.animated:
        raise ImageRejected(RejectionCode.ANIMATED, "Animated images are not accepted.")
    notes = list(container.warnings)
    orientation = read_exif(container.exif, notes).orientation
    pixels = _without_opaque_alpha(
        decode_pixels(data, container, limits, notes, keep_alpha=True))
    width, height = container.width, container.height
    if orientation >= 5:
        width, height = height, width
    sizes = VARIANT_SIZES[purpose]
    large = _resized(pixels, orientation, _fit(width, height, sizes["large"]))
    del pixels  # free the full-size image before encoding
    thumb = _resized(large, 1, _fit(width, height, sizes["thumb"]))
    has_alpha = large.shape[2] == 4
    encode = _encoder(purpose, has_alpha)
    return WebImage(
        purpose=purpose, source_format=container.format, source_type=container.mime_type,
        source_extension=_OUTPUTS[container.format][2],
        source_sha256=hashlib.sha256(data).hexdigest(), source_bytes=len(data),
        width=width, height=height, has_alpha=has_alpha,
        large=encode("large", large), thumb=encode("thumb", thumb),
        warnings=tuple(dict.fromkeys(notes)),
    )


def _refuse_vector(data: bytes, purpose: WebImagePurpose) -> None:
    detected = detect_format(data)
    if detected in VECTOR_FORMATS:
        advice = _VECTOR_ADVICE[purpose]
        raise ImageRejected(RejectionCode.VECTOR_IMAGE, "{detected} files are not accepted; "
                            + advice, detected=detected, purpose=str(purpose))


def _without_opaque_alpha(pixels: np.ndarray) -> np.ndarray:
    if pixels.shape[2] == 4 and bool((pixels[..., 3] == 255).all()):
        return pixels[..., :3]
    return pixels


def _fit(width: int, height: int, max_side: int) -> tuple[int, int]:
    """``width × height`` scaled to fit a ``max_side`` square, never enlarged."""
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _resized(pixels: np.ndarray, orientation: int, upright_size: tuple[int, int]
             ) -> np.ndarray:
    """``pixels`` (stored orientation) resized and then turned upright: resizing first keeps
    the full-size image from being copied just to turn it."""
    width, height = upright_size
    stored_size = (height, width) if orientation >= 5 else (width, height)
    if stored_size != (pixels.shape[1], pixels.shape[0]):
        image = Image.fromarray(np.ascontiguousarray(pixels))
        # RGBA is resized premultiplied by Pillow, so transparent pixels do not bleed colour.
        pixels = np.asarray(image.resize(stored_size, Image.Resampling.LANCZOS,
                                         reducing_gap=_REDUCING_GAP))
    return np.ascontiguousarray(apply_orientation(pixels, orientation))


def _encoder(purpose: WebImagePurpose, has_alpha: bool
             ) -> Callable[[str, np.ndarray], WebImageVariant]:
    # logos: always PNG; photos: JPEG, or WebP when they really are transparent
    output = "PNG" if purpose is WebImagePurpose.LOGO else ("WEBP" if has_alpha else "JPEG")
    encode, content_type, extension = _OUTPUTS[output]

    def variant(name: str, pixels: np.ndarray) -> WebImageVariant:
        return WebImageVariant(name=name, data=encode(pixels), content_type=content_type,
                               extension=extension, width=pixels.shape[1],
                               height=pixels.shape[0])

    return variant
