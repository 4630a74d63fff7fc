"""Shop logos and photos (media_tools.web_images): what is accepted and how it comes out, what is
refused and with which code, and that nothing of an upload but its pixels survives."""

from __future__ import annotations

import hashlib
import io
import pyexpat
import struct
import time
import tracemalloc
import xml.parsers.expat
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import simplejpeg
from PIL import Image, ImageCms, ImageFile

from media_tools import (
    ImageRejected,
    Limits,
    PanoramaRejected,
    RejectionCode,
    WebImage,
    prepare_web_image,
)
from media_tools.formats import read_container
from tests.support import hostile_images
from tests.support.hostile_images import GPS_MARKER, WEB_IMAGE_CASES, encoded
from tests.support.panoramas import textured_panorama

REFUSED = {name: code for name, (_, code) in WEB_IMAGE_CASES.items() if code is not None}
ACCEPTED = sorted(name for name, (_, code) in WEB_IMAGE_CASES.items() if code is None)
PURPOSES = ("logo", "photo")

#: JPEG markers a clean output may have before its scan: JFIF APP0, tables, frame, restart
_CLEAN_JPEG_MARKERS = {0xE0, 0xDB, 0xC0, 0xC4, 0xDD, 0xDA}
_CLEAN_PNG_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
_CLEAN_WEBP_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}
#: Python-side allocations allowed while refusing a bomb (the upload itself is made before)
_SMALL_PEAK_BYTES = 1024 * 1024
#: mean difference (of 255) allowed after a lossy re-encoding of the textured test image,
#: whose grid lines and noise are the worst case for JPEG's 4:2:0 chroma
_LOSSY_TOLERANCE = 8


# --- helpers ----------------------------------------------------------------------------------

def _decoded(data: bytes, mode: str = "RGB") -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert(mode))


def _difference(first: np.ndarray, second: np.ndarray) -> float:
    """Mean absolute difference of two pixel arrays, in levels of 255."""
    return float(np.abs(first.astype(int) - second.astype(int)).mean())


def _quadrants(width: int, height: int) -> np.ndarray:
    """Red top left, green top right, blue bottom left, yellow bottom right."""
    pixels = np.zeros((height, width, 3), np.uint8)
    top, left = slice(0, height // 2), slice(0, width // 2)
    bottom, right = slice(height // 2, height), slice(width // 2, width)
    pixels[top, left] = (220, 20, 20)
    pixels[top, right] = (20, 200, 20)
    pixels[bottom, left] = (20, 20, 220)
    pixels[bottom, right] = (230, 230, 20)
    return pixels


def _logo_rgba(width: int = 300, height: int = 120) -> np.ndarray:
    """A logo on a transparent background: an opaque bar and a half-transparent gradient,
    in colours without green; the fully transparent pixels are pure green (as drawing
    programs often leave them), which must never show."""
    pixels = np.zeros((height, width, 4), np.uint8)
    pixels[..., 0] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    pixels[..., 2] = 90
    pixels[height // 4: 3 * height // 4, width // 6: 5 * width // 6, 3] = 255
    pixels[: height // 8, :, 3] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    pixels[pixels[..., 3] == 0, :3] = (0, 255, 0)
    return pixels


def _jpeg_segments(data: bytes) -> Iterator[int]:
    """The markers of ``data`` up to its scan; then check the scan runs to the very end."""
    pos = 2
    while True:
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        yield marker
        if marker == 0xDA:
            scan = pos + 2 + length
            assert data.find(b"\xff\xd9", scan) == len(data) - 2, "bytes after the image"
            return
        if marker == 0xE0:
            assert data[pos + 4:pos + 9] == b"JFIF\x00"
        pos += 2 + length


def _png_chunks(data: bytes) -> Iterator[bytes]:
    pos = 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        yield kind
        pos += 12 + length
        if kind == b"IEND":
            assert pos == len(data), "bytes after IEND"
            return
    raise AssertionError("no IEND")


def _webp_chunks(data: bytes) -> Iterator[bytes]:
    assert struct.unpack("<I", data[4:8])[0] + 8 == len(data), "bytes after the RIFF"
    pos = 12
    while pos < len(data):
        kind, length = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        yield kind
        pos += 8 + length + (length & 1)


def assert_clean(data: bytes, content_type: str) -> None:
    """Only pixel data and what decoding needs: no metadata block, nothing after the end."""
    if content_type == "image/jpeg":
        assert set(_jpeg_segments(data)) <= _CLEAN_JPEG_MARKERS
    elif content_type == "image/png":
        assert set(_png_chunks(data)) <= _CLEAN_PNG_CHUNKS
    else:
        assert content_type == "image/webp"
        assert set(_webp_chunks(data)) <= _CLEAN_WEBP_CHUNKS
    container = read_container(data, Limits())
    assert (container.exif, container.xmp, container.icc) == (None, None, None)
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert not {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"} & set(image.info)
    for marker in (GPS_MARKER, b"POLYGLOT-MARKER", b"PK\x03\x04", b"Exif", b"xmpmeta"):
        assert marker not in data


def assert_variants_match(result: WebImage) -> None:
    for name, variant in result.variants.items():
        assert variant.name == name
        assert_clean(variant.data, variant.content_type)
        with Image.open(io.BytesIO(variant.data)) as image:
            assert image.size == (variant.width, variant.height)
            assert image.format.lower().replace("jpeg", "jpg") == variant.extension
            assert Image.MIME[image.format] == variant.content_type


def _refusal(data: bytes, purpose: str = "photo", **kwargs: object) -> ImageRejected:
    with pytest.raises(ImageRejected) as refused:
        prepare_web_image(data, purpose=purpose, **kwargs)
    return refused.value


# --- the hostile corpus -----------------------------------------------------------------------

def test_every_expected_web_code_is_a_known_rejection_code() -> None:
    assert set(REFUSED.values()) <= {str(code) for code in RejectionCode}


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_web_upload_is_refused_with_its_code(name: str, purpose: str) -> None:
    refusal = _refusal(WEB_IMAGE_CASES[name][0](), purpose)
    assert refusal.code == REFUSED[name]
    assert str(refusal)  # an English message for logs, whatever the code
    assert refusal.as_dict()["code"] == REFUSED[name]


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_web_upload_comes_out_clean(name: str, purpose: str) -> None:
    data = WEB_IMAGE_CASES[name][0]()
    result = prepare_web_image(data, purpose=purpose)
    assert_variants_match(result)
    assert result.large.width >= result.thumb.width
    assert result.large.height >= result.thumb.height


@pytest.mark.parametrize("name", ["png_bomb", "jpeg_bomb", "webp_bomb", "over_cap",
                                  "over_pixel_cap"])
def test_bombs_are_refused_from_the_header_without_decoding(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """tracemalloc sees Python's allocations only; Pillow's and libjpeg's C buffers it does
    not, so the decoders are replaced by traps: a refusal that never reaches them allocated
    no pixels at all."""
    data = WEB_IMAGE_CASES[name][0]()

    def trap(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a decoder was reached")

    monkeypatch.setattr(Image, "open", trap)
    monkeypatch.setattr(simplejpeg, "decode_jpeg", trap)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        refusal = _refusal(data)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"{name}: {len(data)} bytes refused in {elapsed * 1e3:.3f} ms, "
          f"Python peak {peak} bytes")
    assert refusal.code == "too_large"
    assert refusal.params["max_pixels"] == 40_000_000
    assert peak < _SMALL_PEAK_BYTES
    assert elapsed < 0.5  # milliseconds in practice; generous for a loaded machine


@pytest.mark.parametrize("name", ["svg_with_script", "svg_entity_bomb",
                                  "svg_behind_bom_and_comment", "svg_named_jpg"])
def test_svg_is_refused_unparsed_and_the_logo_asked_for_as_png(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = WEB_IMAGE_CASES[name][0]()

    def trap(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("something parsed the upload")

    for module in (pyexpat, xml.parsers.expat):
        monkeypatch.setattr(module, "ParserCreate", trap)
    monkeypatch.setattr(Image, "open", trap)
    tracemalloc.start()
    try:
        refusal = _refusal(data, "logo")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refusal.code == RejectionCode.VECTOR_IMAGE
    assert refusal.params == {"detected": "SVG", "purpose": "logo"}
    assert "upload the logo as a PNG image" in str(refusal)
    assert peak < _SMALL_PEAK_BYTES


def test_other_vector_formats_are_refused_like_svg() -> None:
    assert _refusal(hostile_images.pdf(), "logo").params["detected"] == "PDF"
    refusal = _refusal(hostile_images.eps(), "photo")
    assert (refusal.code, refusal.params["detected"]) == ("vector_image", "PostScript")
    assert "upload the photo as a JPEG image" in str(refusal)


def test_html_and_raster_formats_name_what_was_detected() -> None:
    assert _refusal(hostile_images.html_named_jpg()).params == {"detected": "text/markup"}
    assert _refusal(hostile_images.static_gif()).params == {"detected": "GIF"}
    assert _refusal(hostile_images.heic()).params == {"detected": "HEIF/AVIF"}


def test_truncated_files_are_refused_and_pillow_is_never_lenient() -> None:
    for name in ("truncated_jpeg", "truncated_png", "truncated_webp",
                 "jpeg_cut_with_end_marker", "png_cut_with_end_chunk"):
        assert _refusal(WEB_IMAGE_CASES[name][0]()).code == "truncated", name
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_size_caps_and_their_params() -> None:
    refusal = _refusal(hostile_images.tiny_png())
    assert (refusal.code, refusal.params["min_side"]) == ("too_small", 16)
    assert _refusal(hostile_images.png_header_only(15, 400)).code == "too_small"
    refusal = _refusal(hostile_images.png_header_only(12001, 100))
    assert (refusal.params["max_width"], refusal.params["max_height"]) == (12000, 12000)
    refusal = _refusal(hostile_images.oversized_file())
    assert (refusal.code, refusal.params["limit"]) == ("too_large", 20 * 1024 * 1024)
    assert _refusal(b"").code == "empty"


def test_a_stream_is_read_no_further_than_the_cap() -> None:
    stream = io.BytesIO(hostile_images.oversized_file())
    assert _refusal(stream).code == "too_large"
    assert stream.tell() == 20 * 1024 * 1024 + 1


def test_limits_can_be_tightened() -> None:
    data = hostile_images.panorama_jpeg()
    assert _refusal(data, limits=Limits(max_file_bytes=1000)).code == "too_large"
    tight = Limits(max_width=4000, max_height=4000, pixel_cap=100_000, min_side=16)
    assert _refusal(data, limits=tight).params["max_pixels"] == 100_000


def test_unknown_purpose_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="banner"):
        prepare_web_image(hostile_images.panorama_jpeg(), purpose="banner")


def test_panorama_rejected_is_the_same_exception() -> None:
    assert PanoramaRejected is ImageRejected


# --- accepted formats and how they come out ---------------------------------------------------

def test_jpeg_photo_keeps_its_pixels_and_becomes_a_jpeg() -> None:
    data = hostile_images.panorama_jpeg()
    result = prepare_web_image(data, purpose="photo")
    assert (result.source_format, result.source_type, result.source_extension) == (
        "JPEG", "image/jpeg", "jpg")
    assert result.source_sha256 == hashlib.sha256(data).hexdigest()
    assert (result.source_bytes, result.width, result.height) == (len(data), 1024, 512)
    assert not result.has_alpha
    assert (result.large.width, result.large.height) == (1024, 512)  # never upscaled
    assert (result.thumb.width, result.thumb.height) == (400, 200)
    assert (result.large.content_type, result.large.extension) == ("image/jpeg", "jpg")
    reference = textured_panorama(1024, seed=3)
    assert _difference(_decoded(result.large.data), reference) < _LOSSY_TOLERANCE


def test_png_logo_keeps_its_transparency_losslessly() -> None:
    logo = _logo_rgba()
    result = prepare_web_image(encoded(Image.fromarray(logo), "PNG"), purpose="logo")
    assert result.has_alpha
    assert (result.large.content_type, result.large.extension) == ("image/png", "png")
    assert np.array_equal(_decoded(result.large.data, "RGBA"), logo)  # 300 px: not resized
    thumb = _decoded(result.thumb.data, "RGBA")
    assert thumb.shape == (51, 128, 4)
    assert (thumb[20:30, 0, 3] == 0).all()  # transparent margin stays transparent
    assert (thumb[20:30, 40:80, 3] == 255).all()  # the opaque bar stays opaque
    # resized premultiplied: the green under transparent pixels does not bleed into edges
    assert thumb[thumb[..., 3] > 0][:, 1].max() < 8


def _transparent_upload(kind: str) -> bytes:
    logo = Image.fromarray(_logo_rgba())
    grey = logo.convert("L")
    key = grey.getpixel((0, 0))
    return {
        "rgba_png": lambda: encoded(logo, "PNG"),
        "grey_alpha_png": lambda: encoded(logo.convert("LA"), "PNG"),
        "rgb_colour_key_png": lambda: encoded(logo.convert("RGB"), "PNG",
                                              transparency=(0, 255, 0)),
        "grey_colour_key_png": lambda: encoded(grey, "PNG", transparency=key),
        "palette_png": lambda: encoded(logo.convert("RGB").quantize(16), "PNG", transparency=0),
        "lossless_webp": lambda: encoded(logo, "WEBP", lossless=True, exact=True),
    }[kind]()


@pytest.mark.parametrize("kind", ["rgba_png", "grey_alpha_png", "rgb_colour_key_png",
                                  "grey_colour_key_png", "palette_png", "lossless_webp"])
def test_every_kind_of_transparency_becomes_an_alpha_channel(kind: str) -> None:
    data = _transparent_upload(kind)
    result = prepare_web_image(data, purpose="logo")
    assert result.has_alpha
    large = _decoded(result.large.data, "RGBA")
    expected = _decoded(data, "RGBA")
    assert (expected[..., 3] == 0).any()
    assert np.array_equal(large[..., 3], expected[..., 3])
    visible = expected[..., 3] > 0
    assert np.array_equal(large[visible], expected[visible])


def test_photo_with_transparency_becomes_webp_with_alpha() -> None:
    result = prepare_web_image(encoded(Image.fromarray(_logo_rgba(800, 320)), "PNG"),
                               purpose="photo")
    assert result.has_alpha
    assert (result.large.content_type, result.large.extension) == ("image/webp", "webp")
    large = _decoded(result.large.data, "RGBA")
    assert large.shape == (320, 800, 4)
    assert (large[100:200, 200:600, 3] == 255).all()
    assert (large[150:170, :100, 3] == 0).all()


def test_an_alpha_channel_opaque_everywhere_is_dropped() -> None:
    rgba = np.dstack([textured_panorama(512, seed=4), np.full((256, 512), 255, np.uint8)])
    data = encoded(Image.fromarray(rgba), "PNG")
    photo = prepare_web_image(data, purpose="photo")
    assert not photo.has_alpha
    assert photo.large.content_type == "image/jpeg"
    logo = prepare_web_image(data, purpose="logo")
    with Image.open(io.BytesIO(logo.large.data)) as image:
        assert (image.format, image.mode) == ("PNG", "RGB")
    assert np.array_equal(_decoded(logo.large.data), rgba[..., :3])


@pytest.mark.parametrize("options", [{"quality": 95}, {"lossless": True}])
def test_webp_uploads_are_accepted(options: dict[str, object]) -> None:
    pixels = textured_panorama(1024, seed=3)
    data = encoded(Image.fromarray(pixels), "WEBP", **options)
    result = prepare_web_image(data, purpose="photo")
    assert (result.source_format, result.source_type) == ("WEBP", "image/webp")
    assert result.large.content_type == "image/jpeg"
    assert _difference(_decoded(result.large.data), pixels) < _LOSSY_TOLERANCE


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_greyscale_uploads_become_grey_rgb(image_format: str) -> None:
    grey = textured_panorama(1024, seed=3)[..., 1]
    data = encoded(Image.fromarray(grey), image_format)
    large = _decoded(prepare_web_image(data, purpose="photo").large.data).astype(int)
    assert np.abs(large[..., 0] - large[..., 2]).max() <= 3  # chroma subsampling noise only
    assert _difference(large[..., 1], grey) < _LOSSY_TOLERANCE


def test_cmyk_jpeg_is_converted_to_rgb() -> None:
    data = hostile_images.cmyk_jpeg()
    result = prepare_web_image(data, purpose="photo")
    assert "cmyk_without_profile" in result.warnings
    assert _difference(_decoded(result.large.data), _decoded(data)) < _LOSSY_TOLERANCE


@pytest.mark.parametrize("name", ["png_16_bit", "png_16_bit_rgb"])
def test_sixteen_bit_png_is_reduced_to_eight_bits(name: str) -> None:
    result = prepare_web_image(WEB_IMAGE_CASES[name][0](), purpose="photo")
    reference = textured_panorama(1024, seed=3)
    if name == "png_16_bit":  # grey: the red channel's high byte
        reference = np.repeat(reference[..., :1], 3, axis=2)
    assert _difference(_decoded(result.large.data), reference) < _LOSSY_TOLERANCE


def test_palette_png_keeps_its_transparent_entry_as_a_logo() -> None:
    palette = Image.fromarray(textured_panorama(256, seed=5)).quantize(32)
    data = encoded(palette, "PNG", transparency=0)
    transparent = np.asarray(palette) == 0
    assert transparent.any()
    logo = prepare_web_image(data, purpose="logo")
    assert logo.has_alpha
    large = _decoded(logo.large.data, "RGBA")
    assert np.array_equal(large[..., 3] == 0, transparent)
    expected = np.asarray(palette.convert("RGB"))
    assert np.array_equal(large[~transparent][:, :3], expected[~transparent])
    opaque = prepare_web_image(encoded(palette, "PNG"), purpose="photo")
    assert opaque.large.content_type == "image/jpeg"


def test_embedded_profile_is_converted_and_alpha_left_alone(
        monkeypatch: pytest.MonkeyPatch, colour_transforms: list[str]) -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    logo = _logo_rgba()
    data = encoded(Image.fromarray(logo), "PNG", icc_profile=profile)
    monkeypatch.setattr(ImageCms, "getProfileDescription", lambda _profile: "Display P3")
    result = prepare_web_image(data, purpose="logo")
    assert colour_transforms == ["RGB"]  # the colour channels through LittleCMS, never the alpha
    large = _decoded(result.large.data, "RGBA")
    assert np.array_equal(large[..., 3], logo[..., 3])
    assert np.abs(large[..., :3].astype(int) - logo[..., :3]).max() <= 2  # sRGB → sRGB
    assert_variants_match(result)  # and the profile itself is not kept


# --- orientation, metadata, polyglots ---------------------------------------------------------

@pytest.mark.parametrize("purpose", PURPOSES)
def test_exif_orientation_6_is_applied_to_the_pixels(purpose: str) -> None:
    upright = _quadrants(600, 400)
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # the camera's sensor, turned left
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encoded(Image.fromarray(stored), "JPEG", quality=95, exif=exif.tobytes())
    result = prepare_web_image(data, purpose=purpose)
    assert (result.width, result.height) == (600, 400)
    for variant in result.variants.values():
        pixels = _decoded(variant.data).astype(int)
        height, width = pixels.shape[:2]
        assert width > height
        for (row, column), colour in {(0.25, 0.25): (220, 20, 20), (0.25, 0.75): (20, 200, 20),
                                      (0.75, 0.25): (20, 20, 220),
                                      (0.75, 0.75): (230, 230, 20)}.items():
            seen = pixels[int(row * height), int(column * width)]
            assert np.abs(seen - colour).max() < 25, (variant.name, row, column, seen)


def test_gps_exif_xmp_and_comment_are_removed() -> None:
    data = hostile_images.gps_jpeg()
    source = read_container(data, Limits())
    assert source.exif  # the upload has them all
    assert GPS_MARKER in source.exif
    assert source.xmp
    for purpose in PURPOSES:
        result = prepare_web_image(data, purpose=purpose)
        for variant in result.variants.values():
            assert_clean(variant.data, variant.content_type)
            with Image.open(io.BytesIO(variant.data)) as image:
                assert not image.getexif().get_ifd(0x8825)


def test_jpeg_zip_polyglot_is_re_encoded_without_trailing_bytes() -> None:
    data = hostile_images.jpeg_zip_polyglot()
    assert b"PK\x03\x04" in data
    result = prepare_web_image(data, purpose="photo")
    for variant in result.variants.values():
        assert variant.data.endswith(b"\xff\xd9")
        assert_clean(variant.data, variant.content_type)
    assert result.source_sha256 == hashlib.sha256(data).hexdigest()  # of the upload as sent


# --- sizes and determinism --------------------------------------------------------------------

@pytest.mark.parametrize(("purpose", "size", "large", "thumb"), [
    ("photo", (4000, 3000), (1600, 1200), (400, 300)),
    ("photo", (900, 1800), (800, 1600), (200, 400)),
    ("photo", (300, 200), (300, 200), (300, 200)),
    ("photo", (16, 16), (16, 16), (16, 16)),
    ("logo", (1000, 250), (512, 128), (128, 32)),
    ("logo", (200, 100), (200, 100), (128, 64)),
    ("logo", (5000, 16), (512, 2), (128, 1)),
])
def test_versions_fit_their_square_and_are_never_enlarged(
        purpose: str, size: tuple[int, int], large: tuple[int, int],
        thumb: tuple[int, int]) -> None:
    width, height = size
    data = encoded(Image.fromarray(_quadrants(width, height)), "PNG")
    result = prepare_web_image(data, purpose=purpose)
    assert (result.width, result.height) == size
    assert (result.large.width, result.large.height) == large
    assert (result.thumb.width, result.thumb.height) == thumb
    assert_variants_match(result)


@pytest.mark.parametrize(("purpose", "data"), [
    ("photo", hostile_images.gps_jpeg),
    ("logo", lambda: encoded(Image.fromarray(_logo_rgba(900, 400)), "PNG")),
    ("photo", lambda: encoded(Image.fromarray(_logo_rgba(2000, 900)), "PNG")),
    ("photo", hostile_images.exif_rotated),
])
def test_the_same_upload_gives_the_same_bytes(purpose: str, data: Callable[[], bytes]
                                              ) -> None:
    upload = data()
    first = prepare_web_image(upload, purpose=purpose)
    again = prepare_web_image(io.BytesIO(upload), purpose=purpose)
    once_more = prepare_web_image(bytearray(upload), purpose=purpose)
    assert first == again == once_more
