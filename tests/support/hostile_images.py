"""Hostile and awkward uploads, as functions returning bytes (shared with the upload tests).

``CASES`` maps a case name to its factory and the expected outcome as a panorama: a
``RejectionCode`` value for a refusal, or ``None`` for an image that must be accepted (and
cleaned on re-encoding). ``WEB_IMAGE_CASES`` does the same for shop logos and photos
(``media_tools.web_images``): the same factories and a few more, with the web expectations.
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


# --- web images (shop logos and photos) -----------------------------------------------------

GPS_MARKER = b"GPS-SECRET-MARKER"


def encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    """``image`` saved by Pillow as ``image_format`` with ``options``."""
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def svg_with_script() -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
            b'width="200" height="100"><script>fetch("/api/tokens").then(alert)</script>'
            b'<rect width="200" height="100" fill="red" onload="alert(1)"/></svg>')


def svg_entity_bomb() -> bytes:
    """A "billion laughs" SVG: parsing it would expand ~10⁹ entities (must never be parsed)."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)]
    return ('<?xml version="1.0"?><!DOCTYPE svg [' + "".join(entities) + "]>"
            '<svg xmlns="http://www.w3.org/2000/svg"><text>&lol9;</text></svg>').encode()


def svg_behind_bom_and_comment() -> bytes:
    return ("\ufeff\n  <!-- exported by a drawing program -->\n"
            '<svg viewBox="0 0 10 10"><circle r="5"/></svg>').encode()


def static_gif() -> bytes:
    return encoded(Image.fromarray(_pixels()).convert("P"), "GIF")


def ico() -> bytes:
    return encoded(Image.fromarray(_pixels()[:64, :64].copy()), "ICO")


def heic() -> bytes:
    """The start of an HEIF file (an iPhone photo): an ``ftyp`` box with the heic brand."""
    return struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00mif1heic" + bytes(64)


def pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def eps() -> bytes:
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\nnewpath 0 0 moveto showpage\n"


def webp_bomb() -> bytes:
    """An extended WebP whose canvas claims 50,000×50,000 around a 1×1 lossless frame."""
    canvas = b"\x00\x00\x00\x00" + (50_000 - 1).to_bytes(3, "little") * 2
    frame = b"\x2f" + bytes(4) + b"\x00"  # VP8L signature, 1×1, then (bogus) image data
    body = (b"WEBP" + b"VP8X" + struct.pack("<I", len(canvas)) + canvas
            + b"VP8L" + struct.pack("<I", len(frame)) + frame)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def truncated_webp() -> bytes:
    data = encoded(Image.fromarray(_pixels()), "WEBP", quality=90)
    return data[: len(data) // 2]


def jpeg_cut_with_end_marker() -> bytes:
    """Half a JPEG with an end-of-image marker appended: the header scan passes, the decoder
    runs out of data (refused as truncated, never grey-filled)."""
    data = panorama_jpeg()
    return data[: len(data) // 2] + b"\xff\xd9"


def png_cut_with_end_chunk() -> bytes:
    """A PNG cut inside its image data (half of the first IDAT chunk), closed by a valid IEND."""
    data = panorama_png()
    start = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[start:start + 4])[0]
    body = data[start + 8:start + 8 + length]
    return data[:start] + _png_chunk(b"IDAT", body[: len(body) // 2]) + _png_chunk(b"IEND", b"")


def over_pixel_cap() -> bytes:
    """7000×7000: each side under the web cap (12000), 49 megapixels over it (40)."""
    return png_header_only(7000, 7000)


def tiny_png() -> bytes:
    """8×8: under the web images' 16 px minimum."""
    return encoded(Image.fromarray(_pixels()[:8, :8].copy()), "PNG")


def oversized_file() -> bytes:
    """A valid JPEG padded past the 20 MiB cap of web images."""
    return panorama_jpeg() + bytes(21 * 1024 * 1024)


def gps_jpeg() -> bytes:
    """A photo carrying EXIF GPS, an XMP packet and a comment (accepted, all of it removed)."""
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (49.0, 52.0, 21.0), 3: "E", 4: (8.0, 39.0, 4.0)})
    exif[0x010E] = GPS_MARKER.decode()  # ImageDescription
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + GPS_MARKER + b"</x:xmpmeta>"
    return encoded(Image.fromarray(_pixels()), "JPEG", quality=92, exif=exif.tobytes(), xmp=xmp,
                  comment=GPS_MARKER)


def png_16_bit_rgb() -> bytes:
    """16-bit-per-channel RGB PNG written by hand (Pillow cannot write one); its high bytes
    are ``_pixels()``."""
    wide = (_pixels().astype(np.uint16) * 257).astype(">u2")
    rows = b"".join(b"\x00" + row.tobytes() for row in wide)
    height, width = wide.shape[:2]
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(rows)) + _png_chunk(b"IEND", b""))


WEB_IMAGE_CASES: dict[str, tuple[Callable[[], bytes], str | None]] = {
    **{name: CASES[name] for name in (
        "zero_bytes", "truncated_jpeg", "truncated_png", "html_named_jpg", "text_named_jpg",
        "jpeg_zip_polyglot", "png_bomb", "jpeg_bomb", "over_cap", "animated_webp",
        "animated_png", "animated_gif", "tiff", "bmp", "fits", "psd", "png_16_bit", "cmyk_jpeg",
        "megabytes_of_app_segments", "oversized_xmp_png", "entity_expansion_xmp",
        "exif_rotated")},
    "svg_named_jpg": (svg_named_jpg, "vector_image"),
    "not_two_to_one": (not_two_to_one, None),
    "svg_with_script": (svg_with_script, "vector_image"),
    "svg_entity_bomb": (svg_entity_bomb, "vector_image"),
    "svg_behind_bom_and_comment": (svg_behind_bom_and_comment, "vector_image"),
    "pdf": (pdf, "vector_image"),
    "eps": (eps, "vector_image"),
    "static_gif": (static_gif, "unsupported_format"),
    "ico": (ico, "unsupported_format"),
    "heic": (heic, "unsupported_format"),
    "webp_bomb": (webp_bomb, "too_large"),
    "truncated_webp": (truncated_webp, "truncated"),
    "jpeg_cut_with_end_marker": (jpeg_cut_with_end_marker, "truncated"),
    "png_cut_with_end_chunk": (png_cut_with_end_chunk, "truncated"),
    "over_pixel_cap": (over_pixel_cap, "too_large"),
    "tiny_png": (tiny_png, "too_small"),
    "oversized_file": (oversized_file, "too_large"),
    "gps_jpeg": (gps_jpeg, None),
    "png_16_bit_rgb": (png_16_bit_rgb, None),
}
