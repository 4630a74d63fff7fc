"""Hostile and awkward uploads, as functions returning bytes (shared with the upload tests).

``CASES`` maps a case name to its factory and the expected outcome: a ``RejectionCode`` value
for a refusal, or ``None`` for an image that must be accepted (and cleaned on re-encoding).
Every factory is deterministic and fast (small images, headers crafted by hand).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from functools import cache

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from tests.support.panoramas import gpano_xmp, jpeg_bytes, textured_panorama

PANORAMA_WIDTH = 1024


@cache
def _pixels(width: int = PANORAMA_WIDTH) -> np.ndarray:
    return textured_panorama(width, seed=3)


def panorama_jpeg() -> bytes:
    """A valid 1024×512 panorama (the base most cases damage)."""
    return jpeg_bytes(_pixels())


def panorama_png() -> bytes:
    out = io.BytesIO()
    Image.fromarray(_pixels()).save(out, "PNG")
    return out.getvalue()


def zero_bytes() -> bytes:
    return b""


def truncated_jpeg() -> bytes:
    data = panorama_jpeg()
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    data = panorama_png()
    return data[: len(data) // 2]


def html_named_jpg() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def svg_named_jpg() -> bytes:
    return (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="2048" '
            b'height="1024"><rect width="100%" height="100%" fill="red"/></svg>')


def text_named_jpg() -> bytes:
    return b"just some text, definitely not a panorama\n" * 20


def jpeg_zip_polyglot() -> bytes:
    """A valid panorama JPEG with a ZIP archive appended (accepted: outputs are re-encoded)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("payload.html", "<script>POLYGLOT-MARKER</script>")
    return panorama_jpeg() + archive.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(
        ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width × height`` (8-bit RGB) with one tiny IDAT and IEND."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))


def png_bomb() -> bytes:
    return png_header_only(50_000, 50_000)


def jpeg_bomb() -> bytes:
    """A JPEG whose frame header claims 50,000×50,000 with no image data behind it."""
    frame = struct.pack(">BHHB", 8, 50_000, 50_000, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return (b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(frame) + 2) + frame
            + b"\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00" + b"\x00" * 32
            + b"\xff\xd9")


def over_cap() -> bytes:
    return png_header_only(16385, 8193)


def not_two_to_one() -> bytes:
    """1600×1000: neither 2:1 nor carrying GPano crop data."""
    return jpeg_bytes(np.ascontiguousarray(textured_panorama(2000)[:1000, :1600]))


def animated_webp() -> bytes:
    frames = [Image.fromarray(_pixels()), Image.fromarray(_pixels()[::-1].copy())]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def animated_gif() -> bytes:
    frames = [Image.fromarray(_pixels()).convert("P"),
              Image.fromarray(_pixels()[::-1].copy()).convert("P")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def animated_png() -> bytes:
    frames = [Image.fromarray(_pixels()), Image.fromarray(_pixels()[::-1].copy())]
    out = io.BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def tiff() -> bytes:
    out = io.BytesIO()
    Image.fromarray(_pixels()).save(out, "TIFF")
    return out.getvalue()


def bmp() -> bytes:
    out = io.BytesIO()
    Image.fromarray(_pixels()).save(out, "BMP")
    return out.getvalue()


def fits() -> bytes:
    cards = ["SIMPLE  =                    T", "BITPIX  =                    8",
             "NAXIS   =                    2", "NAXIS1  =                 1024",
             "NAXIS2  =                  512", "END"]
    header = "".join(card.ljust(80) for card in cards).ljust(2880).encode("ascii")
    return header + bytes(1024 * 512)


def psd() -> bytes:
    return b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 512, 1024, 8, 3) + bytes(64)


def png_16_bit() -> bytes:
    """16-bit greyscale PNG (accepted: reduced to 8 bits)."""
    grey = (_pixels()[..., 0].astype(np.uint16) * 257).astype(np.uint16)
    out = io.BytesIO()
    Image.fromarray(grey).save(out, "PNG")
    return out.getvalue()


def cmyk_jpeg() -> bytes:
    """An Adobe CMYK JPEG without a profile (accepted: converted to RGB)."""
    return jpeg_bytes(_pixels(), mode="CMYK")


def megabytes_of_app_segments() -> bytes:
    """A valid panorama with 10 MB of APP15 segments before the image data (refused)."""
    data = panorama_jpeg()
    segment = b"\xff\xef" + struct.pack(">H", 65535) + b"\x00" * 65533
    return data[:2] + segment * 160 + data[2:]


def oversized_xmp_png() -> bytes:
    """1.5 MB of XMP in an iTXt chunk (accepted, the XMP ignored and never parsed)."""
    packet = gpano_xmp(ProjectionType="cylindrical") + b" " * 1_500_000
    out = io.BytesIO()
    image = Image.fromarray(_pixels())
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", packet.decode(), zip=False)
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def entity_expansion_xmp() -> bytes:
    """A "billion laughs" XMP packet (accepted, the XMP refused by the parser, not expanded)."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)]
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [' + "".join(entities) + "]>"
              '<x:xmpmeta xmlns:x="adobe:ns:meta/">&lol9;</x:xmpmeta>').encode()
    return jpeg_bytes(_pixels(), xmp=laughs)


def exif_rotated() -> bytes:
    """A panorama stored on its side (512×1024) with EXIF orientation 6 (accepted, turned)."""
    stored = np.ascontiguousarray(np.rot90(_pixels(), 1))
    exif = Image.Exif()
    exif[0x0112] = 6
    return jpeg_bytes(stored, exif=exif.tobytes())


CASES: dict[str, tuple[Callable[[], bytes], str | None]] = {
    "zero_bytes": (zero_bytes, "empty"),
    "truncated_jpeg": (truncated_jpeg, "truncated"),
    "truncated_png": (truncated_png, "truncated"),
    "html_named_jpg": (html_named_jpg, "unsupported_format"),
    "svg_named_jpg": (svg_named_jpg, "unsupported_format"),
    "text_named_jpg": (text_named_jpg, "unsupported_format"),
    "jpeg_zip_polyglot": (jpeg_zip_polyglot, None),
    "png_bomb": (png_bomb, "too_large"),
    "jpeg_bomb": (jpeg_bomb, "too_large"),
    "over_cap": (over_cap, "too_large"),
    "not_two_to_one": (not_two_to_one, "not_equirectangular"),
    "animated_webp": (animated_webp, "animated"),
    "animated_png": (animated_png, "animated"),
    "animated_gif": (animated_gif, "unsupported_format"),
    "tiff": (tiff, "unsupported_format"),
    "bmp": (bmp, "unsupported_format"),
    "fits": (fits, "unsupported_format"),
    "psd": (psd, "unsupported_format"),
    "png_16_bit": (png_16_bit, None),
    "cmyk_jpeg": (cmyk_jpeg, None),
    "megabytes_of_app_segments": (megabytes_of_app_segments, "metadata_too_large"),
    "oversized_xmp_png": (oversized_xmp_png, None),
    "entity_expansion_xmp": (entity_expansion_xmp, None),
    "exif_rotated": (exif_rotated, None),
}
