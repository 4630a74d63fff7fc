"""Header-only reading of the accepted containers (JPEG, PNG, WebP), before any decoding.

The scanners walk segment and chunk lengths, never pixel data, so an image is sized, checked
against the caps and stripped of its metadata in microseconds whatever its header claims.
Every read is bounded by the length of the data and by the caps in ``Limits``.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from media_tools.errors import ImageRejected, RejectionCode

MIB = 1024 * 1024

#: what the pipeline reads: bytes, or a binary stream (read to at most the file cap + 1)
Source = bytes | bytearray | memoryview | BinaryIO


@dataclass(frozen=True)
class Limits:
    """Caps checked before decoding; the defaults suit 16K panoramas on a 2-core machine."""

    max_width: int = 16384
    max_height: int = 8192
    #: the smallest equirectangular width worth tiling (a 1024 px panorama is already blurry)
    min_width: int = 1024
    max_file_bytes: int = 400 * MIB
    #: all APPn/COM segments, text chunks and metadata chunks together
    max_metadata_bytes: int = 8 * MIB
    #: a larger XMP packet is ignored (never parsed), not refused
    max_xmp_bytes: int = 512 * 1024
    max_icc_bytes: int = 4 * MIB
    #: a full panorama's width/height may differ from 2 by this fraction
    aspect_tolerance: float = 0.01
    #: a pixel-count cap below ``max_width × max_height`` (None: that product is the cap)
    pixel_cap: int | None = None
    #: the shortest side accepted (a panorama's smallest size is ``min_width`` instead)
    min_side: int = 1

    @property
    def max_pixels(self) -> int:
        product = self.max_width * self.max_height
        return product if self.pixel_cap is None else min(product, self.pixel_cap)


@dataclass
class ContainerInfo:
    """What a container's header says, read without decoding pixels."""

    format: str  #: "JPEG", "PNG" or "WEBP" (Pillow's format names)
    width: int
    height: int
    exif: bytes | None = None
    xmp: bytes | None = None
    icc: bytes | None = None
    animated: bool = False
    metadata_bytes: int = 0
    warnings: list[str] = field(default_factory=list)
    #: JPEG: number of colour components (1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK)
    components: int = 3
    #: PNG: bit depth and colour type from IHDR
    bit_depth: int = 8
    color_type: int = 2

    @property
    def mime_type(self) -> str:
        return {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[self.format]


#: the formats the pipeline decodes (Pillow's names)
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")

#: magic prefixes of formats we recognise only to refuse them by name
_REFUSED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"II+\x00", "TIFF"), (b"MM\x00+", "TIFF"),
    (b"BM", "BMP"), (b"SIMPLE  =", "FITS"), (b"8BPS", "PSD"), (b"\x00\x00\x01\x00", "ICO"),
    (b"%PDF", "PDF"), (b"%!PS", "PostScript"), (b"\xc5\xd0\xd3\xc6", "PostScript"),
    (b"\xff\x0a", "JPEG XL"), (b"\x00\x00\x00\x0cJXL ", "JPEG XL"), (b"PK\x03\x04", "ZIP"),
    (b"\x1f\x8b", "gzip"),
)
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif")
#: markup is told apart as SVG from this many leading bytes, by a byte search: never parsed
_MARKUP_SNIFF_BYTES = 64 * 1024
_SVG_HINTS = re.compile(rb"<svg[\s>/:]|<!doctype\s+svg|http://www\.w3\.org/2000/svg")

_JPEG_SOF_SUPPORTED = {0xC0, 0xC1, 0xC2}  # baseline, extended sequential, progressive (Huffman)
_JPEG_SOF_OTHER = {0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_XMP_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAGIC = ((b"\xff\xd8\xff", "JPEG"), (_PNG_SIGNATURE, "PNG"), *_REFUSED_MAGIC)


def detect_format(data: bytes) -> str:
    """What ``data`` is from its first bytes alone (no parsing): one of ``ACCEPTED_FORMATS``,
    the name of a format we refuse ("GIF", "SVG", "HEIF/AVIF", "text/markup"…) or "unknown"."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "HEIF/AVIF"
    head = data[:_MARKUP_SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head[:1] == b"<":
        return "SVG" if _SVG_HINTS.search(head.lower()) else "text/markup"
    return "unknown"


def sniff_format(data: bytes) -> str:
    """The accepted format of ``data`` from its first bytes, or a refusal naming what it is."""
    if not data:
        raise ImageRejected(RejectionCode.EMPTY, "The file is empty.")
    detected = detect_format(data)
    if detected in ACCEPTED_FORMATS:
        return detected
    raise ImageRejected(
        RejectionCode.UNSUPPORTED_FORMAT,
        "The file is not a JPEG, PNG or WebP image (detected: {detected}).", detected=detected,
    )


def read_source(source: Source, limits: Limits) -> bytes:
    """The bytes of ``source``; a stream is read to at most ``limits.max_file_bytes`` + 1."""
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, bytearray | memoryview):
        data = bytes(source)
    else:
        data = source.read(limits.max_file_bytes + 1)
    _check_file_size(data, limits)
    return data


def _check_file_size(data: bytes, limits: Limits) -> None:
    if len(data) > limits.max_file_bytes:
        raise ImageRejected(RejectionCode.TOO_LARGE, "The file is larger than {limit} bytes.",
                            limit=limits.max_file_bytes)


def read_container(data: bytes, limits: Limits) -> ContainerInfo:
    """Sniff and scan ``data``; raise ``ImageRejected`` for anything structurally wrong."""
    kind = sniff_format(data)
    _check_file_size(data, limits)
    scanner = {"JPEG": _scan_jpeg, "PNG": _scan_png, "WEBP": _scan_webp}[kind]
    try:
        info = scanner(data, limits)
    except (struct.error, IndexError) as error:
        raise _truncated() from error
    check_size(info.width, info.height, limits)
    return info


def check_size(width: int, height: int, limits: Limits) -> None:
    """Refuse a header without a size, dimensions over the caps (either orientation), a pixel
    count over the cap, or a side under ``limits.min_side``."""
    if width <= 0 or height <= 0:
        raise ImageRejected(RejectionCode.CORRUPT, "The image header gives no size.")
    long_side, short_side = max(width, height), min(width, height)
    caps = {"width": width, "height": height, "max_width": limits.max_width,
            "max_height": limits.max_height, "max_pixels": limits.max_pixels}
    if long_side > limits.max_width or short_side > limits.max_height:
        raise ImageRejected(
            RejectionCode.TOO_LARGE,
            "The image is {width}×{height} pixels; the largest accepted is "
            "{max_width}×{max_height}.", **caps)
    if width * height > limits.max_pixels:
        raise ImageRejected(
            RejectionCode.TOO_LARGE,
            "The image is {width}×{height} pixels; at most {max_pixels} pixels are accepted.",
            **caps)
    if short_side < limits.min_side:
        raise ImageRejected(
            RejectionCode.TOO_SMALL,
            "The image is {width}×{height} pixels; each side must be at least {min_side}.",
            width=width, height=height, min_side=limits.min_side)


def _truncated() -> ImageRejected:
    return ImageRejected(RejectionCode.TRUNCATED, "The file is incomplete (truncated).")


def _corrupt(what: str) -> ImageRejected:
    return ImageRejected(RejectionCode.CORRUPT, "The image is damaged: {what}.", what=what)


class _MetadataBudget:
    def __init__(self, limits: Limits) -> None:
        self.limit = limits.max_metadata_bytes
        self.used = 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise ImageRejected(
                RejectionCode.METADATA_TOO_LARGE,
                "The image carries more than {limit} bytes of metadata.", limit=self.limit,
            )


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, bytes, int]]:
    """``(marker, payload, end)`` of each segment up to and including the first scan header."""
    size = len(data)
    pos = 2
    while True:
        if pos >= size:
            raise _truncated()
        if data[pos] != 0xFF:
            raise _corrupt("a JPEG marker was expected")
        while pos < size and data[pos] == 0xFF:  # fill bytes before a marker are legal
            pos += 1
        if pos + 3 > size:
            raise _truncated()
        marker = data[pos]
        pos += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue
        if marker == 0xD9:
            raise _corrupt("the JPEG ends before its image data")
        length = int.from_bytes(data[pos:pos + 2], "big")
        if length < 2:
            raise _corrupt("a JPEG segment has an impossible length")
        end = pos + length
        if end > size:
            raise _truncated()
        yield marker, data[pos + 2:end], end
        if marker == 0xDA:
            return
        pos = end


class _JpegHeader:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.budget = _MetadataBudget(limits)
        self.frame: tuple[int, int, int] | None = None
        self.exif: bytes | None = None
        self.xmp: bytes | None = None
        self.xmp_oversized = False
        self.icc_chunks: dict[int, bytes] = {}

    def take(self, marker: int, payload: bytes) -> None:
        if marker in _JPEG_SOF_SUPPORTED:
            if self.frame is not None:
                raise _corrupt("the JPEG has two frame headers")
            precision, height, width, components = struct.unpack(">BHHB", payload[:6])
            if precision != 8:
                raise ImageRejected(RejectionCode.BAD_MODE,
                                    "{bits}-bit JPEG is not supported.", bits=precision)
            if components not in (1, 3, 4):
                raise ImageRejected(
                    RejectionCode.BAD_MODE,
                    "JPEG with {components} colour components is not supported.",
                    components=components)
            self.frame = (width, height, components)
        elif marker in _JPEG_SOF_OTHER:
            raise ImageRejected(
                RejectionCode.UNSUPPORTED_FORMAT,
                "The file is not a JPEG, PNG or WebP image (detected: {detected}).",
                detected="lossless, hierarchical or arithmetic-coded JPEG",
            )
        elif 0xE0 <= marker <= 0xEF or marker == 0xFE:
            self.budget.spend(len(payload) + 2)
            self._take_application(marker, payload)

    def _take_application(self, marker: int, payload: bytes) -> None:
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00") and self.exif is None:
            self.exif = payload[6:]
        elif marker == 0xE1 and payload.startswith(_XMP_PREFIX) and self.xmp is None:
            packet = payload[len(_XMP_PREFIX):]
            if len(packet) > self.limits.max_xmp_bytes:
                self.xmp_oversized = True
            else:
                self.xmp = packet
        elif marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00") and len(payload) > 14:
            self.icc_chunks.setdefault(payload[12], payload[14:])


def _scan_jpeg(data: bytes, limits: Limits) -> ContainerInfo:
    header = _JpegHeader(limits)
    scan_start = 0
    for marker, payload, end in _jpeg_segments(data):
        header.take(marker, payload)
        scan_start = end
    if header.frame is None:
        raise _corrupt("the JPEG has no frame header")
    # The entropy-coded data cannot contain FF D9 (FF is always stuffed), so a file whose
    # scans are cut short has no end-of-image marker after its first scan header.
    if data.find(b"\xff\xd9", scan_start) < 0:
        raise _truncated()
    width, height, components = header.frame
    info = ContainerInfo("JPEG", width, height, exif=header.exif, xmp=header.xmp,
                         metadata_bytes=header.budget.used, components=components)
    info.icc = _join_icc(header.icc_chunks, limits, info.warnings)
    if header.xmp_oversized:
        info.warnings.append("xmp_too_large")
    return info


def _join_icc(chunks: dict[int, bytes], limits: Limits, warnings: list[str]) -> bytes | None:
    if not chunks:
        return None
    profile = b"".join(chunks[index] for index in sorted(chunks))
    if len(profile) > limits.max_icc_bytes:
        warnings.append("icc_too_large")
        return None
    return profile


def _bounded_inflate(compressed: bytes, limit: int) -> bytes | None:
    """Inflate at most ``limit`` bytes; None when the data is longer or not zlib."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, limit + 1)
    except zlib.error:
        return None
    if len(out) > limit or inflater.unconsumed_tail:
        return None
    return out


def _scan_png(data: bytes, limits: Limits) -> ContainerInfo:
    size = len(data)
    budget = _MetadataBudget(limits)
    pos = len(_PNG_SIGNATURE)
    if pos + 8 + 13 + 4 > size:
        raise _truncated()
    length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
    if ctype != b"IHDR" or length != 13:
        raise _corrupt("the PNG does not start with its header chunk")
    width, height, bit_depth, color_type = struct.unpack(">IIBB", data[pos + 8:pos + 18])
    info = ContainerInfo("PNG", width, height, bit_depth=bit_depth, color_type=color_type)
    check_size(width, height, limits)  # before walking the rest: a bomb is refused at once
    pos += 12 + length
    complete = False
    while pos + 12 <= size:
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body_start, body_end = pos + 8, pos + 8 + length
        if length > 0x7FFFFFFF:
            raise _corrupt("a PNG chunk has an impossible length")
        if body_end + 4 > size:
            raise _truncated()
        if ctype == b"IEND":
            complete = True
            break
        if ctype in (b"acTL", b"fcTL", b"fdAT"):
            info.animated = True
        elif ctype in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"):
            budget.spend(length)
            _png_metadata(ctype, data[body_start:body_end], limits, info)
        pos = body_end + 4
    if not complete:
        raise _truncated()
    info.metadata_bytes = budget.used
    return info


def _png_metadata(ctype: bytes, body: bytes, limits: Limits, info: ContainerInfo) -> None:
    if ctype == b"iTXt" and body.startswith(b"XML:com.adobe.xmp\x00"):
        _png_xmp(body, limits, info)
    elif ctype == b"eXIf" and info.exif is None:
        info.exif = body
    elif ctype == b"iCCP" and info.icc is None:
        name_end = body.find(b"\x00")
        if name_end > 0:
            info.icc = _bounded_inflate(body[name_end + 2:], limits.max_icc_bytes)


def _png_xmp(body: bytes, limits: Limits, info: ContainerInfo) -> None:
    rest = body[len(b"XML:com.adobe.xmp\x00"):]
    if len(rest) < 2:
        return
    compressed = rest[0] == 1
    rest = rest[2:]
    language_end = rest.find(b"\x00")
    keyword_end = rest.find(b"\x00", language_end + 1)
    if language_end < 0 or keyword_end < 0:
        return
    text = rest[keyword_end + 1:]
    if compressed:
        inflated = _bounded_inflate(text, limits.max_xmp_bytes)
        if inflated is None:
            info.warnings.append("xmp_too_large")
            return
        text = inflated
    if len(text) > limits.max_xmp_bytes:
        info.warnings.append("xmp_too_large")
        return
    info.xmp = text


def _webp_frame_size(fourcc: bytes, head: bytes) -> tuple[int, int]:
    """Width and height from a VP8 (lossy) or VP8L (lossless) bitstream header."""
    if fourcc == b"VP8 ":
        if head[3:6] != b"\x9d\x01\x2a":
            raise _corrupt("the WebP frame header is invalid")
        return (int.from_bytes(head[6:8], "little") & 0x3FFF,
                int.from_bytes(head[8:10], "little") & 0x3FFF)
    if head[0] != 0x2F:
        raise _corrupt("the WebP lossless header is invalid")
    bits = int.from_bytes(head[1:5], "little")
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1


def _webp_metadata(fourcc: bytes, body: bytes, limits: Limits, info: ContainerInfo) -> None:
    if fourcc == b"EXIF":
        info.exif = body.removeprefix(b"Exif\x00\x00")
    elif fourcc == b"ICCP":
        info.icc = body if len(body) <= limits.max_icc_bytes else None
    elif len(body) > limits.max_xmp_bytes:
        info.warnings.append("xmp_too_large")
    else:
        info.xmp = body


def _scan_webp(data: bytes, limits: Limits) -> ContainerInfo:
    budget = _MetadataBudget(limits)
    riff_end = 8 + int.from_bytes(data[4:8], "little")
    if riff_end > len(data):
        raise _truncated()
    pos = 12
    info = ContainerInfo("WEBP", 0, 0)
    canvas: tuple[int, int] | None = None
    frame: tuple[int, int] | None = None
    while pos + 8 <= riff_end:
        fourcc = data[pos:pos + 4]
        length = int.from_bytes(data[pos + 4:pos + 8], "little")
        body_end = pos + 8 + length
        if body_end > riff_end:
            raise _truncated()
        if fourcc == b"VP8X":
            info.animated = info.animated or bool(data[pos + 8] & 0x02)
            canvas = (1 + int.from_bytes(data[pos + 12:pos + 15], "little"),
                      1 + int.from_bytes(data[pos + 15:pos + 18], "little"))
        elif fourcc in (b"VP8 ", b"VP8L"):
            frame = _webp_frame_size(fourcc, data[pos + 8:pos + 24])
        elif fourcc in (b"ANIM", b"ANMF"):
            info.animated = True
        elif fourcc in (b"EXIF", b"XMP ", b"ICCP"):
            budget.spend(length)
            _webp_metadata(fourcc, data[pos + 8:body_end], limits, info)
        pos = body_end + (length & 1)
    if frame is None and not info.animated:
        raise _truncated()
    info.width, info.height = canvas or frame or (0, 0)
    info.metadata_bytes = budget.used
    return info
