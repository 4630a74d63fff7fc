"""Small panorama files as a camera writes them, for the bulk upload's tests: GPS position in
EXIF, compass heading in XMP GPano (both optional)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.support.panoramas import gpano_xmp, jpeg_bytes, textured_panorama

#: the smallest width the upload accepts (``media_tools.formats.Limits.min_width``): quick tiling
WIDTH = 1024


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return float(degrees), float(minutes), seconds


def gps_exif(latitude: float, longitude: float) -> bytes:
    """An EXIF block with a GPS position (degrees, minutes, seconds, as cameras write it)."""
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N" if latitude >= 0 else "S", 2: _dms(abs(latitude)),
                3: "E" if longitude >= 0 else "W", 4: _dms(abs(longitude))})
    exif.get_ifd(0x8769)[0x9003] = "2026:05:17 14:03:22"
    return exif.tobytes()


def panorama_file(seed: int = 1, *, position: tuple[float, float] | None = None,
                  heading: float | None = None, width: int = WIDTH) -> bytes:
    """A ``width × width/2`` JPEG panorama, different for every ``seed``."""
    exif = gps_exif(*position) if position is not None else None
    xmp = None
    if heading is not None:
        xmp = gpano_xmp(ProjectionType="equirectangular", PoseHeadingDegrees=str(heading))
    return jpeg_bytes(textured_panorama(width, seed=seed), exif=exif, xmp=xmp, quality=80)


def write_file(folder: Path, name: str, data: bytes) -> str:
    """``data`` saved as ``folder/name``; its path, as a file chooser gives it."""
    path = folder / name
    path.write_bytes(data)
    return str(path)
