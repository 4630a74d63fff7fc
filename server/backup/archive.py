"""The backup archive's format: what is in it, and how values survive a change of database.

An archive is one tar file (``.tar``, or ``.tar.gz`` when its name says so)::

    database/<table>.jsonl        one JSON object per row, every table but ``job``
    objects/originals/<key>       every original a row names (never a taken-down panorama's)
    objects/public/<key>          floor plan drawings (they have no original), and with
                                  ``--with-public`` every public object the rows name
    manifest.json                 written last: format version, Alembic revision, the tables in
                                  loading order with their columns, row counts and SHA-256, and
                                  every object's storage, key, size, type and SHA-256

Values are written so that any backend reads them back the same: timestamps as ISO 8601 with
their zone (SQLite keeps none; Flaneur's are UTC), dates as ISO dates, booleans as JSON
booleans, JSON columns as their JSON text (so a JSON ``null`` and an SQL ``NULL`` stay apart),
binary data as base64.

``FORMAT_VERSION`` changes whenever a reader of the previous version would misread a new
archive. A reader refuses a newer version with a message saying so, and reads older ones it
still knows (listed in ``READABLE_FORMATS``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

#: names the kind of file, so a tour archive or anything else is refused with a clear message
FORMAT_NAME = "flaneur-backup"
FORMAT_VERSION = 1
#: the format versions this code restores
READABLE_FORMATS = frozenset({1})

MANIFEST = "manifest.json"
DATABASE_FOLDER = "database"
OBJECTS_FOLDER = "objects"
#: the storage roles an archive carries objects of
STORAGE_ROLES = ("originals", "public")

#: tables never archived: queued work is not content (``flask media retile --all`` queues
#: the tiling a restored installation needs, and self-scheduling jobs queue themselves)
SKIPPED_TABLES = frozenset({"job", "alembic_version"})
#: tables the migrations fill: a restore replaces their rows with the archive's
SEEDED_TABLES = frozenset({"shop_category"})


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why, for an operator."""


def table_member(table: str) -> str:
    return f"{DATABASE_FOLDER}/{table}.jsonl"


def object_member(storage: str, key: str) -> str:
    return f"{OBJECTS_FOLDER}/{storage}/{key}"


def column_kind(column_type: sa.types.TypeEngine[Any]) -> str:
    """How values of a (reflected) column type are written: json, datetime, date, boolean,
    integer, float, bytes or text."""
    checks: tuple[tuple[type[sa.types.TypeEngine[Any]], str], ...] = (
        (sa.JSON, "json"), (sa.DateTime, "datetime"), (sa.Date, "date"),
        (sa.Boolean, "boolean"), (sa.Integer, "integer"), (sa.Float, "float"),
        (sa.Numeric, "float"), (sa.LargeBinary, "bytes"),
    )
    for type_class, kind in checks:
        if isinstance(column_type, type_class):
            return kind
    return "text"


def _encode_datetime(value: Any) -> str:
    if isinstance(value, str):  # SQLite handed back its text unparsed
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite: Flaneur stores UTC without a zone
        value = value.replace(tzinfo=dt.UTC)
    return str(value.astimezone(dt.UTC).isoformat())


def _decode_datetime(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    # SQLite's type writes the wall clock and drops the zone: give it UTC
    return parsed.astimezone(dt.UTC)


def _decode_json(value: str | None) -> Any:
    if value is None:
        return sa.null()  # SQL NULL
    parsed = json.loads(value)
    return sa.JSON.NULL if parsed is None else parsed  # JSON null


_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _encode_datetime,
    "date": lambda value: value.isoformat() if isinstance(value, dt.date) else str(value),
    "boolean": bool,
    "bytes": lambda value: base64.b64encode(bytes(value)).decode("ascii"),
    "float": float,
}
_DECODERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _decode_datetime,
    "date": dt.date.fromisoformat,
    "bytes": base64.b64decode,
}


def encode_value(kind: str, value: Any) -> Any:
    """A database value as the archive writes it (JSON columns arrive as their JSON text)."""
    if value is None:
        return None
    encoder = _ENCODERS.get(kind)
    return value if encoder is None else encoder(value)


def decode_value(kind: str, value: Any) -> Any:
    """An archived value as a parameter for the column it goes into."""
    if kind == "json":
        return _decode_json(value)
    if value is None:
        return None
    decoder = _DECODERS.get(kind)
    return value if decoder is None else decoder(value)


@dataclass
class TableEntry:
    """One table of the archive: its member, columns (name → kind), rows and checksum."""

    name: str
    columns: dict[str, str]
    rows: int = 0
    sha256: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "member": table_member(self.name), "columns": self.columns,
                "rows": self.rows, "sha256": self.sha256}


@dataclass
class ObjectEntry:
    """One stored object in the archive."""

    storage: str
    key: str
    size: int
    sha256: str
    content_type: str
    cache_control: str

    def as_dict(self) -> dict[str, Any]:
        return {"storage": self.storage, "key": self.key, "member":
                object_member(self.storage, self.key), "size": self.size,
                "sha256": self.sha256, "content_type": self.content_type,
                "cache_control": self.cache_control}


@dataclass
class Manifest:
    """What ``manifest.json`` says about an archive."""

    format_version: int
    alembic_revision: str
    created_at: str
    app_version: str
    database: str
    includes_public: bool
    tables: list[TableEntry] = field(default_factory=list)
    objects: list[ObjectEntry] = field(default_factory=list)
    #: objects rows named that were not found when the backup was made
    missing: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME, "format_version": self.format_version,
            "alembic_revision": self.alembic_revision, "created_at": self.created_at,
            "app_version": self.app_version, "database": self.database,
            "includes_public": self.includes_public,
            "counts": {"tables": {table.name: table.rows for table in self.tables},
                       "objects": {role: sum(1 for obj in self.objects if obj.storage == role)
                                   for role in STORAGE_ROLES}},
            "tables": [table.as_dict() for table in self.tables],
            "objects": [obj.as_dict() for obj in self.objects],
            "missing": self.missing,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        """Read a manifest, refusing what this code cannot restore (:class:`BackupError`)."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT_NAME:
            raise BackupError("this file is not a Flaneur backup (its manifest does not say "
                              f"format {FORMAT_NAME!r})")
        version = data.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise BackupError("the backup's manifest has no valid format_version")
        newest = max(READABLE_FORMATS)
        if version > newest:
            raise BackupError(
                f"this backup has format version {version}, made by a newer version of "
                f"Flaneur; this version reads format versions up to {newest}. Install the "
                "Flaneur version that made the backup (or a later one) and restore with it.")
        if version not in READABLE_FORMATS:
            raise BackupError(
                f"this backup has format version {version}, which this version of Flaneur no "
                f"longer reads (it reads {', '.join(map(str, sorted(READABLE_FORMATS)))}). "
                "Restore it with the Flaneur version that made it, upgrade that installation "
                "and make a new backup.")
        try:
            return cls(
                format_version=version, alembic_revision=str(data["alembic_revision"]),
                created_at=str(data["created_at"]), app_version=str(data.get("app_version")),
                database=str(data.get("database", "")),
                includes_public=bool(data.get("includes_public")),
                tables=[TableEntry(name=str(t["name"]), columns=dict(t["columns"]),
                                   rows=int(t["rows"]), sha256=str(t["sha256"]))
                        for t in data["tables"]],
                objects=[ObjectEntry(storage=str(o["storage"]), key=str(o["key"]),
                                     size=int(o["size"]), sha256=str(o["sha256"]),
                                     content_type=str(o["content_type"]),
                                     cache_control=str(o["cache_control"]))
                         for o in data["objects"]],
                missing=list(data.get("missing", [])),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise BackupError(f"the backup's manifest is damaged: {error!r}") from None
