"""``flask backup restore``: rebuild an installation from an archive, on any backend.

Only into an **empty** installation: a database that has no tables yet, or whose tables hold
no rows (the job queue and the categories the migrations seed aside). Anything else is refused
before a single row or object is written — a restore never mixes two installations and never
overwrites content; empty the database first (``flask db downgrade base``, or a new database)
if that is what is meant.

The steps, each refusing with a message before anything irreversible:

1. read the manifest: a newer format version, an older one this code no longer reads, or an
   Alembic revision this code does not know (a newer Flaneur made it) is refused;
2. check every table file against its SHA-256;
3. migrate the database to the archive's revision (up from nothing, or down/up when an empty
   database is at another one), so the rows fit the schema they were read from;
4. in one transaction: load every table in dependency order (seeded tables replaced), set
   PostgreSQL's sequences past the highest id, and upload every object, each checked against
   its SHA-256 on the way (an object already stored with the same content is kept) — a
   mismatch rolls the rows back;
5. commit, then upgrade the database to this code's head if the archive was older.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from flask import Flask
from sqlalchemy.engine import Connection

from server.backup.archive import (
    MANIFEST,
    SEEDED_TABLES,
    SKIPPED_TABLES,
    STORAGE_ROLES,
    BackupError,
    Manifest,
    ObjectEntry,
    TableEntry,
    decode_value,
    object_member,
    table_member,
)
from server.extensions import db
from server.storage import Storage
from server.storage_setup import storages

SPOOL_BYTES = 8 * 1024 * 1024
BATCH_ROWS = 500
Echo = Callable[[str], None]


@dataclass
class RestoreReport:
    """What a restore did."""

    revision: str
    upgraded_to: str | None
    rows: dict[str, int] = field(default_factory=dict)
    objects: dict[str, int] = field(default_factory=dict)
    #: objects already stored with the archive's content (a restore run again)
    kept: int = 0
    includes_public: bool = False


class Archive:
    """A backup archive opened for reading (``.tar`` or compressed, told by its content)."""

    def __init__(self, path: Path) -> None:
        try:
            self._tar = tarfile.open(path, "r:*")  # noqa: SIM115 - closed by close()
            self._members = {member.name: member for member in self._tar.getmembers()
                             if member.isfile()}
        except (OSError, tarfile.TarError) as error:
            raise BackupError(f"{path} cannot be read as a backup archive: {error}") from None
        try:
            self.manifest = self._read_manifest(path)
        except BaseException:
            self._tar.close()
            raise

    def _read_manifest(self, path: Path) -> Manifest:
        if MANIFEST not in self._members:
            raise BackupError(f"{path} is not a Flaneur backup: it has no {MANIFEST}")
        try:
            data = json.loads(self.read(MANIFEST))
        except ValueError:
            raise BackupError(f"the {MANIFEST} of {path} is not valid JSON") from None
        return Manifest.from_dict(data)

    def close(self) -> None:
        self._tar.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def open(self, name: str) -> IO[bytes]:
        member = self._members.get(name)
        stream = self._tar.extractfile(member) if member is not None else None
        if stream is None:
            raise BackupError(f"the archive lacks {name}, which its manifest lists")
        return stream

    def read(self, name: str) -> bytes:
        with self.open(name) as stream:
            return stream.read()

    def rows(self, table: TableEntry) -> Iterator[dict[str, Any]]:
        with self.open(table_member(table.name)) as stream:
            for line in stream:
                if line.strip():
                    yield json.loads(line)

    def check_table(self, table: TableEntry) -> None:
        digest = hashlib.sha256()
        with self.open(table_member(table.name)) as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
        if digest.hexdigest() != table.sha256:
            raise BackupError(f"the archive is damaged: {table_member(table.name)} does not "
                              "match its SHA-256 in the manifest")

    def spool_object(self, entry: ObjectEntry) -> IO[bytes]:
        """The object's bytes in a rewound temporary file, checked against the manifest."""
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned
        digest = hashlib.sha256()
        with self.open(object_member(entry.storage, entry.key)) as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
                spool.write(chunk)
        if digest.hexdigest() != entry.sha256:
            spool.close()
            raise BackupError(f"the archive is damaged: {entry.storage}/{entry.key} does not "
                              "match its SHA-256 in the manifest")
        spool.seek(0)
        return spool  # type: ignore[return-value]


def verify_archive(path: Path) -> Manifest:
    """Check an archive's manifest and every file's SHA-256 without restoring it."""
    with Archive(path) as archive:
        for table in archive.manifest.tables:
            archive.check_table(table)
        for entry in archive.manifest.objects:
            archive.spool_object(entry).close()
        return archive.manifest


def _alembic_config(app: Flask) -> Config:
    return app.extensions["migrate"].migrate.get_config()  # type: ignore[no-any-return]


def _check_revision(script: ScriptDirectory, revision: str) -> None:
    try:
        known = script.get_revision(revision)
    except (RevisionError, CommandError):
        known = None
    if known is None:
        raise BackupError(
            f"the backup's database is at schema revision {revision}, which this version of "
            "Flaneur does not know: a newer version made it. Install that version (or a later "
            "one) and restore with it.")


def occupied_tables(connection: Connection) -> list[str]:
    """Tables holding content (the job queue and seeded tables do not count)."""
    inspector = sa.inspect(connection)
    occupied = []
    for name in sorted(inspector.get_table_names()):
        if name in SKIPPED_TABLES or name in SEEDED_TABLES:
            continue
        table = sa.table(name)
        if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            occupied.append(name)
    return occupied


def _refuse_unless_empty(connection: Connection) -> str | None:
    """The database's current revision (None: no schema yet); refuses one with content."""
    tables = set(sa.inspect(connection).get_table_names())
    current = MigrationContext.configure(connection).get_current_revision()
    if tables - {"alembic_version"} and current is None:
        raise BackupError("the database has tables but no Alembic revision: restore only into "
                          "an empty database or one made by `flask db upgrade`")
    occupied = occupied_tables(connection)
    if occupied:
        raise BackupError(
            "the database already holds content (rows in " + ", ".join(occupied[:8])
            + (", …" if len(occupied) > 8 else "") + "). A backup is restored only into an "
            "empty installation, so nothing is overwritten: use a new database, or empty this "
            "one with `flask db downgrade base` if you are sure.")
    return current


def _migrate_to(app: Flask, script: ScriptDirectory, current: str | None, revision: str
                ) -> None:
    """Bring the (empty) database's schema to ``revision``."""
    if current == revision:
        return
    config = _alembic_config(app)
    older = current is not None and revision in {
        step.revision for step in script.iterate_revisions(current, "base")}
    if older:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)
    db.engine.dispose()


def _check_schema(archive: Archive, target: sa.MetaData) -> None:
    for table in archive.manifest.tables:
        if table.name not in target.tables:
            raise BackupError(f"the archive has a table {table.name!r} that the schema at "
                              f"revision {archive.manifest.alembic_revision} does not have")
        unknown = set(table.columns) - set(target.tables[table.name].columns.keys())
        if unknown:
            raise BackupError(f"the archive's table {table.name!r} has columns the schema "
                              f"does not have: {', '.join(sorted(unknown))}")


def _load_table(connection: Connection, table: sa.Table, entry: TableEntry,
                archive: Archive) -> int:
    if table.name in SEEDED_TABLES:
        connection.execute(table.delete())
    loaded = 0
    batch: list[dict[str, Any]] = []
    for row in archive.rows(entry):
        batch.append({name: decode_value(kind, row.get(name))
                      for name, kind in entry.columns.items()})
        if len(batch) >= BATCH_ROWS:
            connection.execute(table.insert(), batch)
            loaded += len(batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
        loaded += len(batch)
    if loaded != entry.rows:
        raise BackupError(f"the archive is damaged: {entry.name} has {loaded} rows, its "
                          f"manifest says {entry.rows}")
    return loaded


def _advance_sequences(connection: Connection, tables: list[sa.Table]) -> None:
    """PostgreSQL: let every id sequence continue after the highest restored id."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer):
            continue
        column = keys[0].name
        sequence = connection.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": quote(table.name), "c": column}).scalar()
        if sequence is None:
            continue
        connection.execute(sa.text(
            f"SELECT setval(:s, COALESCE((SELECT MAX({quote(column)}) FROM "  # noqa: S608
            f"{quote(table.name)}), 0) + 1, false)"), {"s": sequence})


def _same_content(storage: Storage, entry: ObjectEntry) -> bool:
    if not storage.exists(entry.key) or storage.head(entry.key).size != entry.size:
        return False
    digest = hashlib.sha256()
    with storage.open(entry.key) as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest() == entry.sha256


def _upload_objects(archive: Archive, stores: dict[str, Storage], report: RestoreReport,
                    echo: Echo) -> None:
    for entry in archive.manifest.objects:
        if entry.storage not in STORAGE_ROLES:
            raise BackupError(f"the archive names an unknown storage {entry.storage!r}")
        storage = stores[entry.storage]
        with archive.spool_object(entry) as data:
            if _same_content(storage, entry):
                report.kept += 1
            else:
                storage.put(entry.key, data, content_type=entry.content_type,
                            cache_control=entry.cache_control)
        report.objects[entry.storage] = report.objects.get(entry.storage, 0) + 1
    echo(f"objects: {report.objects.get('originals', 0)} original(s), "
         f"{report.objects.get('public', 0)} public object(s)")


def restore_backup(app: Flask, path: Path, *, echo: Echo = lambda _line: None
                   ) -> RestoreReport:
    """Restore the archive at ``path`` into ``app``'s (empty) installation.

    Raises :class:`BackupError` (nothing changed, or the rows rolled back) or ``StorageError``.
    """
    with app.app_context(), Archive(path) as archive:
        manifest = archive.manifest
        script = ScriptDirectory.from_config(_alembic_config(app))
        _check_revision(script, manifest.alembic_revision)
        with db.engine.connect() as connection:
            current = _refuse_unless_empty(connection)
            connection.rollback()
        for table in manifest.tables:
            archive.check_table(table)
        _migrate_to(app, script, current, manifest.alembic_revision)
        report = RestoreReport(revision=manifest.alembic_revision, upgraded_to=None,
                               includes_public=manifest.includes_public)
        entries = {table.name: table for table in manifest.tables}
        with db.engine.connect() as connection, connection.begin():
            # reflected at the archive's revision: the schema the rows were read from
            target = sa.MetaData()
            target.reflect(bind=connection)
            _check_schema(archive, target)
            loaded = [table for table in target.sorted_tables if table.name in entries]
            for table in loaded:
                report.rows[table.name] = _load_table(connection, table, entries[table.name],
                                                      archive)
            if connection.dialect.name == "postgresql":
                _advance_sequences(connection, loaded)
            echo(f"rows: {sum(report.rows.values())} in {len(report.rows)} table(s)")
            _upload_objects(archive, storages(app), report, echo)
        head = script.get_current_head()
        if head != manifest.alembic_revision:
            echo(f"upgrading the schema from {manifest.alembic_revision} to {head}")
            command.upgrade(_alembic_config(app), "head")
            report.upgraded_to = head
        db.engine.dispose()
        return report
