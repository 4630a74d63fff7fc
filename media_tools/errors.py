"""The one exception of the pipeline: an image refused, with a stable code.

Panoramas and web images (shop logos and photos) share it and its codes, so a caller catches
one type and translates one table. ``media_tools`` cannot import flask_babel, so the English
``message`` is for logs and the command line only; callers translate by ``code`` (and format
with ``params``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class RejectionCode(StrEnum):
    """Why an image was refused. The values are part of the API: never rename one."""

    EMPTY = "empty"
    UNSUPPORTED_FORMAT = "unsupported_format"
    CORRUPT = "corrupt"
    TRUNCATED = "truncated"
    TOO_LARGE = "too_large"
    TOO_SMALL = "too_small"
    NOT_EQUIRECTANGULAR = "not_equirectangular"
    BAD_CROP = "bad_crop"
    ANIMATED = "animated"
    BAD_MODE = "bad_mode"
    METADATA_TOO_LARGE = "metadata_too_large"
    #: SVG, PDF or PostScript given as a web image: refused unparsed (the uploader is told to
    #: send a PNG), never rasterised
    VECTOR_IMAGE = "vector_image"


class ImageRejected(Exception):
    """The image cannot be used; ``code`` says why, ``params`` fill the message."""

    def __init__(self, code: RejectionCode, message: str, **params: Any) -> None:
        self.code = code
        self.message = message
        self.params = params
        super().__init__(message.format(**params) if params else message)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (for the command line and job logs)."""
        return {"code": str(self.code), "message": str(self), "params": dict(self.params)}


#: the name the panorama code has always used; the same class, so ``except PanoramaRejected``
#: catches every refusal of the pipeline
PanoramaRejected = ImageRejected
