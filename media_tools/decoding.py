"""Decode an inspected upload into an upright, 8-bit sRGB equirectangular canvas.

JPEG (grey or colour) is decoded by libjpeg-turbo through simplejpeg straight into the final
buffer, in strict mode so a damaged or truncated file raises instead of being grey-filled.
PNG, WebP and CMYK JPEG go through Pillow, opened only for the format the header showed,
with the decompression-bomb warning turned into an error; Pillow's image is converted to RGB
in strips so at most one extra strip is held besides the two full-size buffers.

Choices: 16-bit PNG is accepted and reduced to its high byte; transparency is composited
over mid grey (the neutral fill of partial panoramas) unless the caller keeps it
(``decode_pixels(..., keep_alpha=True)``, for web images); CMYK and other embedded ICC
profiles are converted to sRGB with LittleCMS (CMYK without a profile uses Pillow's plain
formula), and the profile is then dropped: every output is plain sRGB.
"""

from __future__ import annotations

import io
import threading
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
import simplejpeg
from PIL import Image, ImageCms, UnidentifiedImageError

from media_tools.errors import ImageRejected, RejectionCode
from media_tools.formats import ContainerInfo, Limits, Source, read_source
from media_tools.inspection import PanoramaInfo, inspect_bytes
from media_tools.projection import PaddedEquirect, view_rotation

#: the colour of the sphere where a partial panorama has no pixels (and under transparency)
NEUTRAL_GREY = 128
_STRIP_ROWS = 256
# Image.MAX_IMAGE_PIXELS and the warnings filters are process-wide: set both only around
# Image.open (header parsing, milliseconds), one open at a time.
_PILLOW_OPEN_LOCK = threading.Lock()


@dataclass
class DecodedPanorama:
    """An upright equirectangular canvas ready to project, and how to level it."""

    info: PanoramaInfo
    image: PaddedEquirect
    #: viewer direction → image direction (3×3), or None when the shot is level
    rotation: np.ndarray | None

    @property
    def pixels(self) -> np.ndarray:
        return self.image.pixels


def decode_panorama(
    source: Source, *, limits: Limits | None = None, info: PanoramaInfo | None = None
) -> DecodedPanorama:
    """Inspect (unless ``info`` is given) and decode; raise ``ImageRejected`` on failure."""
    limits = limits or Limits()
    data = read_source(source, limits)
    if info is None:
        info = inspect_bytes(data, limits)
    placement = info.placement
    canvas = PaddedEquirect.allocate(placement.full_width, placement.full_height)
    notes: list[str] = list(info.warnings)
    if info.orientation == 1 and not placement.is_partial:
        decode_into(data, info.container, limits, canvas.pixels, notes)
    else:
        stored = np.empty((info.stored_height, info.stored_width, 3), np.uint8)
        decode_into(data, info.container, limits, stored, notes)
        upright = apply_orientation(stored, info.orientation)
        if placement.is_partial:
            _place(canvas.pixels, upright, info)
        else:
            canvas.pixels[...] = upright
        del stored, upright
    canvas.fill_pole_padding()
    rotation = None
    if info.needs_levelling:
        rotation = view_rotation(0.0, info.pose_pitch, info.pose_roll).T
    if notes != list(info.warnings):
        info = replace(info, warnings=tuple(dict.fromkeys(notes)))
    return DecodedPanorama(info, canvas, rotation)


def apply_orientation(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """A view of ``pixels`` turned upright according to the EXIF orientation (1–8)."""
    views: dict[int, Callable[[np.ndarray], np.ndarray]] = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.transpose(1, 0, 2),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
        8: lambda a: np.rot90(a, 1),
    }
    return views[orientation](pixels)


def _place(canvas: np.ndarray, upright: np.ndarray, info: PanoramaInfo) -> None:
    """Paste a partial panorama at its GPano position (wrapping around 360°), grey elsewhere."""
    placement = info.placement
    canvas[...] = NEUTRAL_GREY
    top, height = placement.top, placement.height
    first = min(placement.width, placement.full_width - placement.left)
    canvas[top:top + height, placement.left:placement.left + first] = upright[:height, :first]
    if first < placement.width:
        canvas[top:top + height, :placement.width - first] = upright[:height, first:]


def decode_into(data: bytes, container: ContainerInfo, limits: Limits, out: np.ndarray,
                notes: list[str]) -> None:
    """Decode into ``out`` (stored orientation, ``H × W × 3``) as 8-bit sRGB, transparency
    composited over grey."""
    if container.format == "JPEG" and container.components in (1, 3):
        try:
            simplejpeg.decode_jpeg(data, colorspace="RGB", strict=True, buffer=out)
        except ValueError as error:
            raise _decoder_error(str(error)) from error
        _convert_profile(out, container.icc, notes)
        return
    with _loaded_pillow(data, container, limits) as image:
        _fill(image, out, _strip_converter(image, container.icc, notes))
        is_cmyk = image.mode == "CMYK"
    if not is_cmyk:  # a CMYK profile was applied (or found unusable) by the strip converter
        _convert_profile(out, container.icc, notes)


def decode_pixels(data: bytes, container: ContainerInfo, limits: Limits, notes: list[str], *,
                  keep_alpha: bool) -> np.ndarray:
    """The image in stored orientation as 8-bit sRGB: ``H × W × 4`` (straight alpha) when
    ``keep_alpha`` and it has transparency, ``H × W × 3`` otherwise."""
    shape = (container.height, container.width)
    if not keep_alpha or container.format == "JPEG":  # JPEG has no alpha channel
        out = np.empty((*shape, 3), np.uint8)
        decode_into(data, container, limits, out, notes)
        return out
    with _loaded_pillow(data, container, limits) as image:
        if not has_alpha(image):
            out = np.empty((*shape, 3), np.uint8)
            _fill(image, out, _strip_converter(image, container.icc, notes))
        else:
            out = np.empty((*shape, 4), np.uint8)
            _fill(image, out, lambda strip: np.asarray(strip.convert("RGBA")))
    _convert_profile(out, container.icc, notes)  # PNG and WebP are never CMYK
    return out


def has_alpha(image: Image.Image) -> bool:
    """Whether ``image`` has an alpha channel or a transparent palette entry or colour key."""
    if image.mode in _ALPHA_MODES:
        return True
    return image.mode in ("P", "L", "RGB") and "transparency" in image.info


def _decoder_error(message: str) -> ImageRejected:
    if "premature end" in message.lower() or "truncated" in message.lower():
        return ImageRejected(RejectionCode.TRUNCATED, "The file is incomplete (truncated).")
    return ImageRejected(RejectionCode.CORRUPT, "The image is damaged: {what}.",
                         what=message.strip() or "the decoder failed")


def _open_pillow(data: bytes, image_format: str, limits: Limits) -> Image.Image:
    with _PILLOW_OPEN_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        previous = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = limits.max_pixels
        try:
            return Image.open(io.BytesIO(data), formats=[image_format])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected(RejectionCode.TOO_LARGE,
                                "The image is larger than the decoder allows.") from error
        except UnidentifiedImageError as error:
            raise ImageRejected(RejectionCode.CORRUPT, "The image is damaged: {what}.",
                                what="the decoder does not recognise it") from error
        finally:
            Image.MAX_IMAGE_PIXELS = previous


@contextmanager
def _loaded_pillow(data: bytes, container: ContainerInfo, limits: Limits
                   ) -> Iterator[Image.Image]:
    """Pillow's image of ``data``, opened only as the format the header showed, its size
    checked against the header scan and its pixels loaded; closed on exit."""
    image = _open_pillow(data, container.format, limits)
    with image:
        if image.size != (container.width, container.height):
            raise ImageRejected(RejectionCode.CORRUPT, "The image is damaged: {what}.",
                                what="its headers disagree about its size")
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError, zlib.error) as error:
            raise _decoder_error(str(error)) from error
        yield image


def _fill(image: Image.Image, out: np.ndarray,
          convert: Callable[[Image.Image], np.ndarray]) -> None:
    """Convert ``image`` into ``out`` strip by strip (one extra strip held at a time)."""
    width, height = image.size
    for top in range(0, height, _STRIP_ROWS):
        bottom = min(height, top + _STRIP_ROWS)
        out[top:bottom] = convert(image.crop((0, top, width, bottom)))


def _over_grey(rgba: np.ndarray) -> np.ndarray:
    alpha = rgba[..., 3:4].astype(np.uint16)
    mixed = rgba[..., :3].astype(np.uint16) * alpha + NEUTRAL_GREY * (255 - alpha) + 127
    return (mixed // 255).astype(np.uint8)


def _grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[..., None], 3, axis=2)


def _sixteen_bit_grey(strip: Image.Image) -> np.ndarray:
    # Keep the high byte: the low one cannot show in an 8-bit JPEG anyway.
    wide = np.asarray(strip).astype(np.uint32) >> 8
    return _grey_to_rgb(wide.clip(0, 255).astype(np.uint8))


_ALPHA_MODES = ("RGBA", "LA", "PA", "La", "RGBa")
_CONVERTERS: dict[str, Callable[[Image.Image], np.ndarray]] = {
    "RGB": np.asarray,
    "L": lambda strip: _grey_to_rgb(np.asarray(strip)),
    "1": lambda strip: np.asarray(strip.convert("RGB")),
    "P": lambda strip: np.asarray(strip.convert("RGB")),
    **dict.fromkeys(("I;16", "I;16L", "I;16B", "I;16N", "I"), _sixteen_bit_grey),
    **dict.fromkeys(_ALPHA_MODES, lambda strip: _over_grey(np.asarray(strip.convert("RGBA")))),
}


def _strip_converter(image: Image.Image, icc: bytes | None, notes: list[str]
                     ) -> Callable[[Image.Image], np.ndarray]:
    """How to turn a strip of ``image`` into 8-bit RGB."""
    mode = image.mode
    if mode == "P" and "transparency" in image.info:
        return _CONVERTERS["RGBA"]
    if mode == "CMYK":
        transform = _profile_transform(icc, "CMYK", notes)
        if transform is not None:
            return lambda strip: np.asarray(ImageCms.applyTransform(strip, transform))
        notes.append("cmyk_without_profile")
        return lambda strip: np.asarray(strip.convert("RGB"))
    if mode not in _CONVERTERS:
        raise ImageRejected(RejectionCode.BAD_MODE,
                            "Images in colour mode {mode} are not supported.", mode=mode)
    return _CONVERTERS[mode]


def _profile_transform(icc: bytes | None, in_mode: str, notes: list[str]
                       ) -> ImageCms.ImageCmsTransform | None:
    """A transform to sRGB, or None when there is no profile, it is sRGB, or it is unusable."""
    if not icc:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = ImageCms.getProfileDescription(profile) or ""
        if in_mode == "RGB" and "srgb" in description.lower():
            return None
        return ImageCms.buildTransform(profile, ImageCms.createProfile("sRGB"), in_mode, "RGB",
                                       renderingIntent=ImageCms.Intent.PERCEPTUAL)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        notes.append("icc_ignored")
        return None


def _convert_profile(pixels: np.ndarray, icc: bytes | None, notes: list[str]) -> None:
    """Convert the RGB channels of ``pixels`` (RGB or RGBA, alpha untouched) in place from
    their embedded profile to sRGB, strip by strip."""
    transform = _profile_transform(icc, "RGB", notes)
    if transform is None:
        return
    for top in range(0, pixels.shape[0], _STRIP_ROWS):
        strip = pixels[top:top + _STRIP_ROWS, :, :3]
        rgb = Image.fromarray(np.ascontiguousarray(strip))
        strip[...] = np.asarray(ImageCms.applyTransform(rgb, transform))
