"""Inspect an upload before decoding it: format, size, caps, EXIF, GPano, placement on the sphere.

``inspect_panorama`` reads only headers and metadata, so it answers (or refuses) in a few
milliseconds even for a 16K image or a decompression bomb.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from media_tools.errors import PanoramaRejected, RejectionCode
from media_tools.formats import (
    ContainerInfo,
    Limits,
    Source,
    check_size,
    read_container,
    read_source,
)
from media_tools.metadata import GPano, GpsPosition, read_exif, read_gpano

#: a cropped panorama's height may disagree with its width's scale by this fraction
_CROP_SCALE_TOLERANCE = 0.02
#: pose angles smaller than this are treated as level (no resampling for nothing)
_LEVEL_EPSILON_DEG = 0.01


@dataclass(frozen=True)
class Placement:
    """Where the (upright) image lies on the full equirectangular canvas, in canvas pixels."""

    full_width: int
    full_height: int
    left: int
    top: int
    width: int
    height: int

    @property
    def is_partial(self) -> bool:
        return (self.left, self.top, self.width, self.height) != (
            0, 0, self.full_width, self.full_height)


@dataclass(frozen=True)
class PanoramaInfo:
    """Everything known about an upload without decoding its pixels."""

    format: str
    mime_type: str
    file_bytes: int
    #: pixel size as stored in the file
    stored_width: int
    stored_height: int
    #: EXIF orientation (1–8), applied before anything else
    orientation: int
    #: pixel size once upright
    width: int
    height: int
    placement: Placement
    gps: GpsPosition | None
    capture_time: datetime | None
    gpano: GPano | None
    #: the header scan, kept for the decoder (metadata blocks, colour components, profile)
    container: ContainerInfo = field(repr=False, compare=False)
    pose_pitch: float = 0.0
    pose_roll: float = 0.0
    #: compass heading of the image centre, when recorded (the scene's north offset uses it)
    pose_heading: float | None = None
    warnings: tuple[str, ...] = ()

    @property
    def needs_levelling(self) -> bool:
        return abs(self.pose_pitch) > _LEVEL_EPSILON_DEG or abs(self.pose_roll) > _LEVEL_EPSILON_DEG

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serialisable summary (for ``python -m media_tools inspect`` and job logs)."""
        placement = self.placement
        return {
            "format": self.format,
            "mime_type": self.mime_type,
            "file_bytes": self.file_bytes,
            "stored_size": [self.stored_width, self.stored_height],
            "orientation": self.orientation,
            "size": [self.width, self.height],
            "equirectangular_size": [placement.full_width, placement.full_height],
            "partial": placement.is_partial,
            "crop": {"left": placement.left, "top": placement.top,
                     "width": placement.width, "height": placement.height},
            "gps": None if self.gps is None else {
                "latitude": self.gps.latitude, "longitude": self.gps.longitude,
                "altitude": self.gps.altitude,
            },
            "capture_time": None if self.capture_time is None else self.capture_time.isoformat(),
            "pose": {"heading": self.pose_heading, "pitch": self.pose_pitch,
                     "roll": self.pose_roll},
            "warnings": list(self.warnings),
        }


def inspect_panorama(source: Source, *, limits: Limits | None = None) -> PanoramaInfo:
    """Check an upload as a panorama from its headers; raise ``PanoramaRejected`` if it is not."""
    limits = limits or Limits()
    return inspect_bytes(read_source(source, limits), limits)


def inspect_bytes(data: bytes, limits: Limits) -> PanoramaInfo:
    container = read_container(data, limits)
    if container.animated:
        raise PanoramaRejected(RejectionCode.ANIMATED,
                               "Animated images cannot be panoramas.")
    warnings = list(container.warnings)
    exif = read_exif(container.exif, warnings)
    gpano = read_gpano(container.xmp, warnings)
    width, height = container.width, container.height
    if exif.orientation >= 5:
        width, height = height, width
    placement = _placement(width, height, gpano, limits)
    pitch = roll = 0.0
    heading = None
    if gpano is not None:
        pitch = gpano.pose_pitch or 0.0
        roll = gpano.pose_roll or 0.0
        heading = gpano.pose_heading
        if abs(pitch) > 90:
            warnings.append("pose_pitch_invalid")
            pitch = 0.0
    return PanoramaInfo(
        format=container.format, mime_type=container.mime_type, file_bytes=len(data),
        stored_width=container.width, stored_height=container.height,
        orientation=exif.orientation, width=width, height=height, placement=placement,
        gps=exif.gps, capture_time=exif.capture_time, gpano=gpano,
        pose_pitch=pitch, pose_roll=roll, pose_heading=heading,
        warnings=tuple(warnings), container=container,
    )


def is_two_to_one(width: int, height: int, tolerance: float) -> bool:
    return height > 0 and abs(width / height / 2 - 1) <= tolerance


def _not_equirectangular(width: int, height: int) -> PanoramaRejected:
    return PanoramaRejected(
        RejectionCode.NOT_EQUIRECTANGULAR,
        "A {width}×{height} image is not an equirectangular panorama (360°×180° is 2:1) and "
        "carries no GPano crop data placing it on the sphere.",
        width=width, height=height,
    )


def _placement(width: int, height: int, gpano: GPano | None, limits: Limits) -> Placement:
    if gpano is not None and gpano.projection_type not in (None, "equirectangular"):
        raise PanoramaRejected(
            RejectionCode.NOT_EQUIRECTANGULAR,
            "The panorama's projection is {projection}; only equirectangular is supported.",
            projection=gpano.projection_type,
        )
    if gpano is None or not gpano.has_crop:
        if not is_two_to_one(width, height, limits.aspect_tolerance):
            raise _not_equirectangular(width, height)
        placement = Placement(width, height, 0, 0, width, height)
    else:
        placement = _crop_placement(width, height, gpano, limits)
    if placement.full_width < limits.min_width:
        raise PanoramaRejected(
            RejectionCode.TOO_SMALL,
            "The panorama is {width} pixels wide; at least {min_width} are needed.",
            width=placement.full_width, min_width=limits.min_width,
        )
    return placement


def _crop_placement(width: int, height: int, gpano: GPano, limits: Limits) -> Placement:
    sizes = (gpano.full_width or 0, gpano.full_height or 0, gpano.crop_width or 0,
             gpano.crop_height or 0)
    if min(sizes) <= 0:
        raise _bad_crop("a GPano size is zero")
    declared_full_width, declared_full_height, declared_width, declared_height = sizes
    # GPano pixel values describe the image as written; a resized copy scales them all.
    scale = width / declared_width
    if abs(height / declared_height / scale - 1) > _CROP_SCALE_TOLERANCE:
        raise _bad_crop("the cropped area's proportions differ from the image's")
    full_width = round(declared_full_width * scale)
    full_height = round(declared_full_height * scale)
    left = round((gpano.crop_left or 0) * scale)
    top = round((gpano.crop_top or 0) * scale)
    if not is_two_to_one(full_width, full_height, limits.aspect_tolerance):
        raise _not_equirectangular(full_width, full_height)
    check_size(full_width, full_height, limits)
    if width > full_width or top < 0 or top + height > full_height + 1 or left < 0:
        raise _bad_crop("the cropped area does not fit in the full panorama")
    return Placement(full_width, full_height, left % full_width, min(top, full_height - height),
                     width, min(height, full_height))


def _bad_crop(what: str) -> PanoramaRejected:
    return PanoramaRejected(RejectionCode.BAD_CROP,
                            "The GPano crop data is inconsistent: {what}.", what=what)
