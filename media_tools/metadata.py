"""EXIF (orientation, GPS, capture time) and XMP GPano, parsed from bounded byte strings.

A damaged or hostile metadata block never refuses an image: what cannot be read is left out
and named in the warnings. XMP goes through defusedxml with DTDs forbidden, so entity
expansion and external entities are impossible; its size is capped before it gets here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeElementTree
from PIL import Image

GPANO_NAMESPACE = "http://ns.google.com/photos/1.0/panorama/"

_TAG_ORIENTATION = 0x0112
_TAG_DATETIME = 0x0132
_IFD_EXIF = 0x8769
_IFD_GPS = 0x8825
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_DATETIME_DIGITIZED = 0x9004
_TAG_OFFSET_TIME_ORIGINAL = 0x9011
_TAG_SUBSEC_ORIGINAL = 0x9291


@dataclass(frozen=True)
class GpsPosition:
    latitude: float
    longitude: float
    #: metres above sea level (negative below), when recorded
    altitude: float | None = None


@dataclass(frozen=True)
class ExifData:
    orientation: int = 1
    gps: GpsPosition | None = None
    #: aware when the file records its UTC offset, naive (local time) otherwise
    capture_time: datetime | None = None


@dataclass(frozen=True)
class GPano:
    """Google's photo sphere XMP fields (pixel values as written, before any rescaling)."""

    projection_type: str | None = None
    full_width: int | None = None
    full_height: int | None = None
    crop_left: int | None = None
    crop_top: int | None = None
    crop_width: int | None = None
    crop_height: int | None = None
    pose_heading: float | None = None
    pose_pitch: float | None = None
    pose_roll: float | None = None

    @property
    def has_crop(self) -> bool:
        return None not in (self.full_width, self.full_height, self.crop_width,
                            self.crop_height)


# Exceptions Pillow's EXIF reader raises on damaged data, named so real bugs still surface.
_EXIF_ERRORS = (ValueError, TypeError, KeyError, IndexError, SyntaxError, OSError,
                ZeroDivisionError, OverflowError, AttributeError)


def read_exif(exif: bytes | None, warnings: list[str]) -> ExifData:
    """Orientation, GPS and capture time from a TIFF-structured EXIF block."""
    if not exif:
        return ExifData()
    try:
        parsed = Image.Exif()
        parsed.load(exif)
        orientation = parsed.get(_TAG_ORIENTATION, 1)
        gps_ifd = dict(parsed.get_ifd(_IFD_GPS))
        exif_ifd = dict(parsed.get_ifd(_IFD_EXIF))
        fallback_time = parsed.get(_TAG_DATETIME)
    except _EXIF_ERRORS:
        warnings.append("exif_unreadable")
        return ExifData()
    if not isinstance(orientation, int) or not 1 <= orientation <= 8:
        warnings.append("exif_orientation_invalid")
        orientation = 1
    return ExifData(
        orientation=orientation,
        gps=_gps(gps_ifd, warnings),
        capture_time=_capture_time(exif_ifd, fallback_time, warnings),
    )


def _number(value: Any) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return math.nan
    return result


def _degrees(value: Any) -> float:
    if isinstance(value, tuple | list) and len(value) == 3:
        degrees, minutes, seconds = (_number(v) for v in value)
        return degrees + minutes / 60 + seconds / 3600
    return _number(value)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).strip("\x00 ").upper()


def _gps(ifd: dict[int, Any], warnings: list[str]) -> GpsPosition | None:
    if 2 not in ifd or 4 not in ifd:
        return None
    latitude, longitude = _degrees(ifd[2]), _degrees(ifd[4])
    if _text(ifd.get(1, "N")) == "S":
        latitude = -latitude
    if _text(ifd.get(3, "E")) == "W":
        longitude = -longitude
    if not (math.isfinite(latitude) and math.isfinite(longitude)
            and abs(latitude) <= 90 and abs(longitude) <= 180):
        warnings.append("gps_invalid")
        return None
    altitude: float | None = None
    if 6 in ifd:
        altitude = _number(ifd[6])
        reference = ifd.get(5, 0)
        if reference == 1 or (isinstance(reference, bytes) and reference[:1] == b"\x01"):
            altitude = -altitude
        if not math.isfinite(altitude) or abs(altitude) > 100_000:
            altitude = None
    return GpsPosition(latitude, longitude, altitude)


def _capture_time(ifd: dict[int, Any], fallback: Any, warnings: list[str]) -> datetime | None:
    raw = ifd.get(_TAG_DATETIME_ORIGINAL) or ifd.get(_TAG_DATETIME_DIGITIZED) or fallback
    if not raw:
        return None
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)
    try:
        moment = datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        warnings.append("capture_time_invalid")
        return None
    subsec = str(ifd.get(_TAG_SUBSEC_ORIGINAL, "")).strip("\x00 ")
    if subsec.isdigit():
        moment = moment.replace(microsecond=int((subsec + "000000")[:6]))
    offset = str(ifd.get(_TAG_OFFSET_TIME_ORIGINAL, "")).strip("\x00 ")
    if len(offset) == 6 and offset[0] in "+-" and offset[3] == ":" \
            and offset[1:3].isdigit() and offset[4:].isdigit():
        sign = -1 if offset[0] == "-" else 1
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:]))
        if delta <= timedelta(hours=14):
            moment = moment.replace(tzinfo=timezone(sign * delta))
    return moment


_GPANO_INT_FIELDS = {
    "FullPanoWidthPixels": "full_width", "FullPanoHeightPixels": "full_height",
    "CroppedAreaLeftPixels": "crop_left", "CroppedAreaTopPixels": "crop_top",
    "CroppedAreaImageWidthPixels": "crop_width", "CroppedAreaImageHeightPixels": "crop_height",
}
_GPANO_FLOAT_FIELDS = {
    "PoseHeadingDegrees": "pose_heading", "PosePitchDegrees": "pose_pitch",
    "PoseRollDegrees": "pose_roll",
}


def read_gpano(xmp: bytes | None, warnings: list[str]) -> GPano | None:
    """GPano fields of an XMP packet (attributes or elements), or None when there are none."""
    if not xmp:
        return None
    try:
        root = SafeElementTree.fromstring(xmp.strip(b"\x00 \t\r\n"), forbid_dtd=True)
    except (SyntaxError, ValueError):
        # ParseError is a SyntaxError; defusedxml's refusals (DTD, entities) are ValueErrors.
        warnings.append("xmp_unreadable")
        return None
    values = _gpano_values(root)
    if not values:
        return None
    fields: dict[str, Any] = {}
    for name, attribute in _GPANO_INT_FIELDS.items():
        number = _number(values.get(name))
        if math.isfinite(number) and 0 <= number <= 1_000_000 and number == int(number):
            fields[attribute] = int(number)
    for name, attribute in _GPANO_FLOAT_FIELDS.items():
        number = _number(values.get(name))
        if math.isfinite(number) and abs(number) <= 360:
            fields[attribute] = number
    projection = values.get("ProjectionType")
    if projection:
        fields["projection_type"] = projection.strip().lower()
    return GPano(**fields)


def _gpano_values(root: Element) -> dict[str, str]:
    prefix = "{" + GPANO_NAMESPACE + "}"
    values: dict[str, str] = {}
    for element in root.iter():
        for key, value in element.attrib.items():
            if key.startswith(prefix):
                values.setdefault(key[len(prefix):], value)
        if isinstance(element.tag, str) and element.tag.startswith(prefix) and element.text:
            values.setdefault(element.tag[len(prefix):], element.text.strip())
    return values
