"""Pictures people upload for the web (shop logos and photos, info hotspots' pictures).

One way for all of them: ``media_tools.web_images`` sniffs the type, checks the caps from the
header, decodes, turns the picture upright and re-encodes it without any metadata; a refusal
becomes a 4xx answer naming the problem (``errors.file.code`` is the ``RejectionCode``), and
nothing is stored. The upload goes to the originals storage under its SHA-256, the web versions
to the public storage under the hash of their own bytes, so they are cached for a year. Each
kind of owner keeps its objects under its own area (``shops/…``, ``hotspots/…``), so "does
anything still use this key?" is a question for that area's rows only.

Objects are written before the row that points at them is committed, and deleted only after
the row no longer does (:func:`delete_objects`, after the commit).
"""

from __future__ import annotations

import hashlib

from flask import Response, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from media_tools.errors import ImageRejected, RejectionCode
from media_tools.web_images import WEB_IMAGE_LIMITS, WebImage, WebImagePurpose, prepare_web_image
from server.api_setup import error_response
from server.panorama_uploads import REJECTION_MESSAGES
from server.storage import IMMUTABLE_CACHE_CONTROL, StorageError
from server.storage_setup import originals_storage, public_storage
from tours.images import StoredImage

#: what a refused web image is told, beyond the panorama messages
WEB_IMAGE_MESSAGES = {
    RejectionCode.VECTOR_IMAGE: _l("Vector files (SVG, PDF) are not accepted. Please upload the "
                                  "logo as a PNG image or the photo as a JPEG image."),
    RejectionCode.TOO_SMALL: _l("The image is too small: it must be at least %(min_side)s "
                               "pixels wide and high."),
    RejectionCode.TOO_LARGE: _l("The image is too large: at most %(megapixels)s megapixels and "
                               "%(max_side)s pixels on a side are accepted."),
    RejectionCode.ANIMATED: _l("Animated images are not accepted."),
}
#: the answer's status per refusal (422 for the rest: not a usable image)
REJECTION_STATUS = {RejectionCode.UNSUPPORTED_FORMAT: 415, RejectionCode.VECTOR_IMAGE: 415,
                    RejectionCode.TOO_LARGE: 413}
#: the second segment of every key in the originals storage (``<area>/originals/…``)
ORIGINALS_FOLDER = "originals"


class UploadRefused(Exception):
    """The upload cannot be used or stored; ``response`` is the API's answer saying why."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def rejection_message(rejection: ImageRejected) -> str:
    limits = WEB_IMAGE_LIMITS
    template = WEB_IMAGE_MESSAGES.get(rejection.code) or REJECTION_MESSAGES.get(rejection.code)
    if template is None:
        return _("The image cannot be used.")
    return str(template) % {
        "min_side": limits.min_side, "max_side": limits.max_width,
        "megapixels": limits.pixel_cap // 1_000_000,
        "max_width": limits.max_width, "max_height": limits.max_height,
        "min_width": limits.min_side,
    }


def rejection_response(rejection: ImageRejected) -> Response:
    return error_response(REJECTION_STATUS.get(rejection.code, 422),
                          rejection_message(rejection),
                          {"file": {"code": str(rejection.code)}})


def store_image(prepared: WebImage, upload: bytes, *, area: str) -> StoredImage:
    """Write the original (``upload``) and the web versions under ``area``; return what the
    row records. Raises ``StorageError``."""
    sha256 = prepared.source_sha256
    original_key = (f"{area}/{ORIGINALS_FOLDER}/{sha256[:2]}/{sha256}."
                    f"{prepared.source_extension}")
    originals = originals_storage()
    if not originals.exists(original_key):
        originals.put(original_key, upload, content_type=prepared.source_type)
    variants = {}
    for name, variant in prepared.variants.items():
        digest = hashlib.sha256(variant.data).hexdigest()[:40]
        key = f"{area}/images/{digest[:2]}/{digest}.{variant.extension}"
        public_storage().put(key, variant.data, content_type=variant.content_type,
                             cache_control=IMMUTABLE_CACHE_CONTROL)
        variants[name] = {"key": key, "content_type": variant.content_type,
                          "width": variant.width, "height": variant.height}
    return StoredImage(sha256=sha256, original_key=original_key,
                       source_type=prepared.source_type, width=prepared.width,
                       height=prepared.height, variants=variants)


def accept_upload(upload: FileStorage, *, purpose: WebImagePurpose | str, area: str
                  ) -> StoredImage:
    """Check, re-encode and store an uploaded file (read to the cap plus one byte, so an
    oversized one is refused without reading it all). Raises :class:`UploadRefused`."""
    data = upload.stream.read(WEB_IMAGE_LIMITS.max_file_bytes + 1)
    try:
        prepared = prepare_web_image(data, purpose=purpose)
    except ImageRejected as rejection:
        raise UploadRefused(rejection_response(rejection)) from None
    try:
        return store_image(prepared, data, area=area)
    except StorageError:
        current_app.logger.exception("storage failed during an image upload (%s)", area)
        raise UploadRefused(error_response(503, _(
            "The file could not be stored right now. Please try again in a few minutes."))
        ) from None


def is_original_key(key: str) -> bool:
    return key.split("/", 2)[1:2] == [ORIGINALS_FOLDER]


def delete_objects(keys: set[str]) -> None:
    """Delete objects nothing refers to any more (after the commit); a failure only leaves
    harmless garbage, so it is logged, not raised."""
    for key in sorted(keys):
        storage = originals_storage() if is_original_key(key) else public_storage()
        try:
            storage.delete(key)
        except StorageError:
            current_app.logger.warning("could not delete %s; left for a later clean-up", key)
