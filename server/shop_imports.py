"""What the shop import's page, API and command share: reading a file within the cap, keeping
an upload between the dry run and the import, planning with the city's settings, and the
report in the reader's language.

The page keeps the uploaded file in the originals storage under ``imports/<sha256>`` (its
format in the object's content type), so the import applies a plan made again from the very
bytes that were reviewed, never one posted back by the browser.
"""

from __future__ import annotations

import re
from typing import Any, BinaryIO

from flask_babel import gettext as _

from server.city_settings import city
from server.extensions import db
from server.storage import ObjectNotFound
from server.storage_setup import originals_storage
from tours import opening_hours
from tours.shop_import import (
    MAX_FILE_BYTES,
    FileTooLarge,
    ImportFormat,
    ImportPlan,
    Issue,
    plain_value,
    plan_import,
)

IMPORTS_PREFIX = "imports"
CONTENT_TYPES = {ImportFormat.CSV: "text/csv", ImportFormat.GEOJSON: "application/geo+json"}
#: a name that makes :func:`tours.shop_import.detect_format` choose the stored format again
FILE_NAMES = {"text/csv": "import.csv", "application/geo+json": "import.geojson"}
_SHA256 = re.compile(r"[0-9a-f]{64}")


def read_limited(stream: BinaryIO) -> bytes:
    """The file's bytes; raises :class:`FileTooLarge` without reading more than one byte
    past the cap."""
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(maximum=MAX_FILE_BYTES // (1024 * 1024))
    return data


def city_time_zone() -> str:
    """The time zone new shops get (the city's, see :mod:`server.city_settings`)."""
    return city().time_zone


def plan_file(data: bytes, filename: str, status: str) -> ImportPlan:
    """The plan for ``data`` with the city's default language and time zone (a dry run)."""
    return plan_import(db.session, data, filename,
                       default_language=city().default_language,
                       default_time_zone=city_time_zone(), status=status)


def upload_key(sha256: str) -> str:
    return f"{IMPORTS_PREFIX}/{sha256}"


def keep_upload(data: bytes, plan: ImportPlan) -> None:
    """Keep the reviewed file for the import step (raises StorageError)."""
    originals_storage().put(upload_key(plan.sha256), data,
                            content_type=CONTENT_TYPES[plan.format])


def kept_upload(sha256: str) -> tuple[bytes, str] | None:
    """The kept file and a name telling its format; None when there is none (raises
    StorageError when the storage fails)."""
    if not _SHA256.fullmatch(sha256):
        return None
    storage = originals_storage()
    try:
        info = storage.head(upload_key(sha256))
        data = storage.get(upload_key(sha256))
    except ObjectNotFound:
        return None
    return data, FILE_NAMES.get(info.content_type, "import")


def issue_view(issue: Issue) -> dict[str, str]:
    message = _(issue.message, **issue.params) if issue.params else _(issue.message)
    return {"column": issue.column, "message": message}


def report(plan: ImportPlan, *, applied: bool = False) -> dict[str, Any]:
    """The plan for people and scripts: rows with their action, changes (stored values, old
    and new), errors and warnings, in the current language."""
    return {
        "format": plan.format.value,
        "sha256": plan.sha256,
        "status": plan.status.value,
        "fingerprint": plan.fingerprint,
        "applied": applied,
        "has_errors": plan.has_errors,
        "counts": plan.counts(),
        "warnings": [issue_view(issue) for issue in plan.warnings],
        "rows": [{
            "row": row.number,
            "action": row.action.value,
            "slug": row.slug,
            "name": row.name,
            "shop_id": row.shop_id,
            "changes": {("category" if field == "category_key" else field):
                        {"old": plain_value(old), "new": plain_value(new)}
                        for field, (old, new) in row.changes.items()},
            "errors": [issue_view(issue) for issue in row.errors],
            "warnings": [issue_view(issue) for issue in row.warnings],
        } for row in plan.rows],
    }


def row_label(file_format: str, number: int) -> str:
    """``line 3`` of a CSV file, ``feature 2`` of a GeoJSON one."""
    if file_format == ImportFormat.GEOJSON:
        return _("feature %(number)d", number=number)
    return _("line %(number)d", number=number)


def action_label(action: str) -> str:
    labels = {"create": _("new"), "update": _("update"), "unchanged": _("unchanged"),
              "error": _("error")}
    return labels.get(action, action)


def display_value(field: str, value: Any) -> str:
    """A stored value as a short text: opening hours in OSM syntax, texts by language."""
    if value in (None, "", [], {}):
        return "—"
    if field == "opening_hours" and isinstance(value, dict):
        return opening_hours.to_osm(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return " · ".join(f"{key}: {text}" for key, text in value.items())
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def counts_sentence(counts: dict[str, int]) -> str:
    return _("New: %(create)d. Updated: %(update)d. Unchanged: %(unchanged)d. With errors: "
             "%(error)d.", **counts)
