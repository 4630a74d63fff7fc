"""``flask backup create|restore|verify``: back an installation up, check and restore archives."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from server.backup.archive import BackupError
from server.backup.create import copy_into, create_backup
from server.backup.restore import restore_backup, verify_archive
from server.storage import StorageError

backup = click.Group("backup", help="Back up the database and originals; restore a backup.")


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


@backup.command("create")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--with-public", is_flag=True,
              help="Also archive the public objects the rows name (current tiles, share "
                   "images, web images), so the restored site needs no retiling.")
@with_appcontext
def create_command(file: Path, with_public: bool) -> None:
    """Write a backup of the database and the originals to FILE (.tar, or .tar.gz).

    The archive holds password and token hashes: keep it as safe as the database.
    """
    compress = file.name.endswith((".tar.gz", ".tgz"))
    try:
        manifest = copy_into(file, lambda out: create_backup(
            _app(), out, compress=compress, with_public=with_public,
            echo=lambda line: click.echo(line, err=True)))
    except (BackupError, StorageError) as error:
        raise click.ClickException(f"no backup written: {error}") from None
    rows = sum(table.rows for table in manifest.tables)
    click.echo(f"wrote {file}: {rows} row(s) in {len(manifest.tables)} table(s), "
               f"{len(manifest.objects)} object(s), schema revision "
               f"{manifest.alembic_revision}, format {manifest.format_version}")
    if manifest.missing:
        for item in manifest.missing:
            click.echo(f"missing: {item['storage']}/{item['key']} (named by "
                       f"{item['named_by']})", err=True)
        raise click.ClickException(
            f"{len(manifest.missing)} object(s) named by the database were not found; the "
            "archive lists them under 'missing'")


@backup.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_command(file: Path) -> None:
    """Check FILE's manifest and every table's and object's SHA-256, restoring nothing."""
    try:
        manifest = verify_archive(file)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{file} is intact: format {manifest.format_version}, schema revision "
               f"{manifest.alembic_revision}, made {manifest.created_at} by Flaneur "
               f"{manifest.app_version} on {manifest.database}, "
               f"{sum(t.rows for t in manifest.tables)} row(s), {len(manifest.objects)} "
               "object(s)")


@backup.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Restore FILE into this installation, which must be empty (no content rows).

    The database may be on another backend than the backup's (SQLite or PostgreSQL), and so
    may the storages (local folders or S3).
    """
    try:
        report = restore_backup(_app(), file, echo=lambda line: click.echo(line, err=True))
    except (BackupError, StorageError) as error:
        raise click.ClickException(f"not restored: {error}") from None
    upgraded = f", upgraded to {report.upgraded_to}" if report.upgraded_to else ""
    click.echo(f"restored {file}: {sum(report.rows.values())} row(s), "
               f"{sum(report.objects.values())} object(s) (schema revision "
               f"{report.revision}{upgraded})")
    if not report.includes_public:
        click.echo("The archive has no tiles, share images or web images: rebuild them with "
                   "`flask media retile --all --wait` (or `flask media retile --all` and let "
                   "the workers do it).")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup)
