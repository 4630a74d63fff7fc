"""Pure image pipeline: inspection, projection and tiling of panoramas; web images (shop logos
and photos).

Functions take bytes, file-like objects or arrays and return dataclasses, arrays or stream
their outputs to a caller's sink. No file I/O except in ``__main__``.
"""

from media_tools.decoding import DecodedPanorama, apply_orientation, decode_panorama
from media_tools.encoding import encode_jpeg, encode_png, encode_webp
from media_tools.errors import ImageRejected, PanoramaRejected, RejectionCode
from media_tools.formats import Limits
from media_tools.inspection import PanoramaInfo, Placement, inspect_panorama
from media_tools.metadata import GPano, GpsPosition
from media_tools.privacy import DetectorUnavailable, Region, blur_regions, detect_regions
from media_tools.projection import (
    FACE_NAMES,
    FACES,
    face_pixel,
    render_equirect,
    render_face,
    render_perspective,
)
from media_tools.tiling import (
    Level,
    TilePlan,
    TilingOptions,
    TilingResult,
    build_manifest,
    plan_levels,
    tile_decoded,
    tile_panorama,
)
from media_tools.web_images import (
    WEB_IMAGE_LIMITS,
    WebImage,
    WebImagePurpose,
    WebImageVariant,
    prepare_web_image,
)

__all__ = [
    "FACES",
    "FACE_NAMES",
    "WEB_IMAGE_LIMITS",
    "DecodedPanorama",
    "DetectorUnavailable",
    "GPano",
    "GpsPosition",
    "ImageRejected",
    "Level",
    "Limits",
    "PanoramaInfo",
    "PanoramaRejected",
    "Placement",
    "Region",
    "RejectionCode",
    "TilePlan",
    "TilingOptions",
    "TilingResult",
    "WebImage",
    "WebImagePurpose",
    "WebImageVariant",
    "apply_orientation",
    "blur_regions",
    "build_manifest",
    "decode_panorama",
    "detect_regions",
    "encode_jpeg",
    "encode_png",
    "encode_webp",
    "face_pixel",
    "inspect_panorama",
    "plan_levels",
    "prepare_web_image",
    "render_equirect",
    "render_face",
    "render_perspective",
    "tile_decoded",
    "tile_panorama",
]
