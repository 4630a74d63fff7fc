"""``flask backup create``: one consistent archive of the database and the objects only it has.

Every table is read in one transaction that sees a single moment of the database: on
PostgreSQL ``REPEATABLE READ, READ ONLY`` (a snapshot; writers carry on), on SQLite one read
transaction (WAL mode: a snapshot too). The objects are copied afterwards, named by those rows:
originals and public objects are written before the rows that name them are committed and
are content-addressed (or immutable), so what a row of the snapshot names is there, and an
object uploaded after the snapshot is simply not part of the backup. An object deleted in
between (a panorama swept or taken down meanwhile) is listed as missing in the manifest.

The tables are read through reflection, not the models, so a database not yet upgraded to
this code's head is backed up as it is, with its own revision recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tarfile
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Connection, Engine

from server.backup.archive import (
    FORMAT_VERSION,
    MANIFEST,
    SKIPPED_TABLES,
    BackupError,
    Manifest,
    ObjectEntry,
    TableEntry,
    column_kind,
    encode_value,
    object_member,
    table_member,
)
from server.extensions import db
from server.storage import ObjectNotFound, Storage
from server.storage_setup import storages
from tours.models import utcnow

#: objects up to this size are spooled in memory on their way into the archive
SPOOL_BYTES = 8 * 1024 * 1024
Echo = Callable[[str], None]


@dataclass(frozen=True)
class NamedObject:
    """An object (or, with ``prefix``, every object in a folder) a row names."""

    storage: str
    key: str
    named_by: str
    prefix: bool = False


def app_version() -> str:
    """The Flaneur version from the installed package or the checkout's pyproject.toml."""
    with contextlib.suppress(metadata.PackageNotFoundError):
        return metadata.version("flaneur")
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError, KeyError):
        return str(tomllib.loads(pyproject.read_text("utf-8"))["project"]["version"])
    return "unknown"


@contextlib.contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one moment of the database; nothing is written."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        elif engine.dialect.name == "sqlite":
            # the sqlite3 module opens transactions only before writes: ask for one, so every
            # SELECT below reads the snapshot the first one took
            connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()


def _json(raw: Any) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return None


def _picture_objects(record: Any, named_by: str, with_public: bool) -> Iterator[NamedObject]:
    """The original (and with ``with_public`` the web versions) of a stored picture record."""
    if not isinstance(record, dict):
        return
    if record.get("original_key"):
        yield NamedObject("originals", str(record["original_key"]), named_by)
    if with_public:
        for variant in (record.get("variants") or {}).values():
            if isinstance(variant, dict) and variant.get("key"):
                yield NamedObject("public", str(variant["key"]), named_by)


def named_objects(table: str, row: dict[str, Any], with_public: bool) -> Iterator[NamedObject]:
    """The objects an archived row (values as written to the archive) names.

    Originals always; floor plan drawings always (the drawing is the only copy: no original
    is kept); everything else public only ``with_public`` (``flask media retile --all``
    rebuilds it from the originals).
    """
    named_by = f"{table} {row.get('id')}"
    if table == "panorama":
        # a taken-down panorama's original is deleted on purpose: it never goes into a backup
        if row.get("status") != "taken_down" and row.get("original_key"):
            yield NamedObject("originals", str(row["original_key"]), named_by)
            if with_public and row.get("current_revision"):
                yield NamedObject("public", f"panoramas/{row['public_id']}/"
                                  f"{row['current_revision']}", named_by, prefix=True)
    elif table == "shop_image":
        yield NamedObject("originals", str(row["original_key"]), named_by)
        if with_public:
            yield from _picture_objects({"variants": _json(row.get("variants"))}, named_by,
                                        True)
    elif table == "hotspot":
        yield from _picture_objects(_json(row.get("image")), named_by, with_public)
    elif table == "city_settings":
        yield from _picture_objects(_json(row.get("logo")), named_by, with_public)
    elif table == "floor_plan":
        if row.get("image_key"):
            yield NamedObject("public", str(row["image_key"]), named_by)
    elif table == "scene" and with_public and row.get("share_image_key"):
        yield NamedObject("public", str(row["share_image_key"]), named_by)


def _add_file(archive: tarfile.TarFile, name: str, spool: IO[bytes], size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(utcnow().timestamp())
    info.mode = 0o600
    spool.seek(0)
    archive.addfile(info, spool)


def _dump_table(connection: Connection, table: sa.Table, archive: tarfile.TarFile,
                with_public: bool, wanted: list[NamedObject]) -> TableEntry:
    kinds = {column.name: column_kind(column.type) for column in table.columns}
    selected = [sa.cast(column, sa.Text).label(column.name) if kinds[column.name] == "json"
                else column for column in table.columns]
    order = list(table.primary_key.columns) or list(table.columns)
    statement = sa.select(*selected).order_by(*order)
    entry = TableEntry(name=table.name, columns=kinds)
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        result = connection.execution_options(stream_results=True, yield_per=1000
                                              ).execute(statement)
        for values in result.mappings():
            row = {name: encode_value(kinds[name], values[name]) for name in kinds}
            wanted.extend(named_objects(table.name, row, with_public))
            line = (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
                    ).encode("utf-8")
            spool.write(line)
            digest.update(line)
            size += len(line)
            entry.rows += 1
        entry.sha256 = digest.hexdigest()
        _add_file(archive, table_member(table.name), spool, size)  # type: ignore[arg-type]
    return entry


def _copy_object(storage: Storage, role: str, key: str, archive: tarfile.TarFile
                 ) -> ObjectEntry:
    info = storage.head(key)
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool, storage.open(key) as src:
        while chunk := src.read(1024 * 1024):
            digest.update(chunk)
            spool.write(chunk)
            size += len(chunk)
        _add_file(archive, object_member(role, key), spool, size)  # type: ignore[arg-type]
    return ObjectEntry(storage=role, key=key, size=size, sha256=digest.hexdigest(),
                       content_type=info.content_type, cache_control=info.cache_control)


def _expand(wanted: list[NamedObject], stores: dict[str, Storage]
            ) -> list[tuple[str, str, str]]:
    """(storage, key, named by) of every wanted object, folders listed, each once, sorted."""
    seen: dict[tuple[str, str], str] = {}
    for item in wanted:
        keys = stores[item.storage].list_keys(item.key) if item.prefix else (item.key,)
        for key in keys:
            seen.setdefault((item.storage, key), item.named_by)
    return [(role, key, named_by) for (role, key), named_by in sorted(seen.items())]


def create_backup(app: Flask, out: IO[bytes], *, compress: bool = False,
                  with_public: bool = False, echo: Echo = lambda _line: None) -> Manifest:
    """Write a backup of ``app``'s installation to ``out``; return its manifest.

    Raises :class:`BackupError` when the database is not migrated, ``StorageError`` when a
    storage fails (a missing object is recorded, not raised).
    """
    stores = storages(app)
    with tarfile.open(fileobj=out, mode="w:gz" if compress else "w",
                      format=tarfile.PAX_FORMAT) as archive:
        wanted: list[NamedObject] = []
        with app.app_context(), snapshot(db.engine) as connection:
            reflected = sa.MetaData()
            reflected.reflect(bind=connection)
            if "alembic_version" not in reflected.tables:
                raise BackupError("the database has no schema yet (run `flask db upgrade`)")
            revision = connection.execute(
                sa.text("SELECT version_num FROM alembic_version")).scalar_one()
            manifest = Manifest(
                format_version=FORMAT_VERSION, alembic_revision=str(revision),
                created_at=utcnow().isoformat(), app_version=app_version(),
                database=connection.dialect.name, includes_public=with_public)
            for table in reflected.sorted_tables:
                if table.name in SKIPPED_TABLES:
                    continue
                entry = _dump_table(connection, table, archive, with_public, wanted)
                manifest.tables.append(entry)
                echo(f"table {table.name}: {entry.rows} row(s)")
        for role, key, named_by in _expand(wanted, stores):
            try:
                manifest.objects.append(_copy_object(stores[role], role, key, archive))
            except ObjectNotFound:
                manifest.missing.append({"storage": role, "key": key, "named_by": named_by})
                echo(f"missing: {role}/{key} (named by {named_by})")
        data = json.dumps(manifest.as_dict(), ensure_ascii=False, indent=1).encode("utf-8")
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            spool.write(data)
            _add_file(archive, MANIFEST, spool, len(data))  # type: ignore[arg-type]
    return manifest


def copy_into(path: Path, writer: Callable[[IO[bytes]], Manifest]) -> Manifest:
    """Run ``writer`` on ``path.part`` and move it to ``path`` only when it succeeded, so a
    failed backup never leaves a file that looks like a good one."""
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as out:
            manifest = writer(out)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


__all__ = ["NamedObject", "app_version", "copy_into", "create_backup", "named_objects"]
