"""``/media/<key>``: the public storage's files, when the app itself serves them.

Only a local-folder (or, in tests, in-memory) public storage is served here; an S3 public storage
is served by its bucket or CDN and this route answers 404. Responses carry the object's ETag and
stored ``Cache-Control`` (immutable for a panorama revision's files, see ``server.storage``),
answer conditional requests with 304, and are never content-sniffed. Anything that is not a raster
image or JSON is sent as a download, so an uploaded file can never run as a page of this site.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from werkzeug.http import is_resource_modified
from werkzeug.wsgi import wrap_file

from server.storage import InvalidKey, ObjectNotFound, StorageError
from server.storage_setup import MEDIA_PATH, public_storage

bp = Blueprint("media", __name__, url_prefix=MEDIA_PATH)

#: shown inline; everything else (SVG included: it can carry scripts) is an attachment
_INLINE_TYPES = frozenset({
    "image/jpeg", "image/png", "image/webp", "image/avif", "image/gif", "application/json",
})


def _without_body(status: int) -> Response:
    # Media URLs are fetched by the viewer, not read by people: a bare status is enough, costs no
    # template rendering on a hot path, and is never cached (the object may appear soon).
    return current_app.response_class(
        status=status, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    )


@bp.get("/<path:key>")
def media(key: str) -> Response:
    """One object of the public storage, with ETag, cache headers and conditional GET."""
    storage = public_storage()
    if not storage.served_by_app:
        return _without_body(404)
    try:
        info = storage.head(key)
        headers = {
            "ETag": f'"{info.etag}"',
            "Cache-Control": info.cache_control,
            "X-Content-Type-Options": "nosniff",
        }
        if not is_resource_modified(request.environ, etag=info.etag,
                                    last_modified=info.last_modified):
            return current_app.response_class(status=304, headers=headers)
        stream = storage.open(key)
    except (InvalidKey, ObjectNotFound):
        # an unsafe key is answered like a missing one: nothing to learn from probing
        return _without_body(404)
    except StorageError:
        return _without_body(503)
    response = current_app.response_class(
        wrap_file(request.environ, stream), content_type=info.content_type, headers=headers,
        direct_passthrough=True,
    )
    response.content_length = info.size
    response.last_modified = info.last_modified
    if info.content_type.split(";")[0].strip() not in _INLINE_TYPES:
        response.headers["Content-Disposition"] = "attachment"
    return response
