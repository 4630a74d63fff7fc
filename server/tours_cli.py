"""``flask tours``: move a whole tour between installations as one archive."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from server.extensions import db
from server.storage import StorageError
from server.tour_archives import export_tour, import_archive
from tours.errors import DomainError
from tours.models import Tour

tours = click.Group("tours", help="Tours: export and import as archives.")


@tours.command("export")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_command(slug: str, file: Path) -> None:
    """Write the tour SLUG with its scenes, links, hotspots and originals to FILE (a zip)."""
    tour = db.session.scalar(select(Tour).where(Tour.slug == slug))
    if tour is None:
        raise click.ClickException(f"there is no tour {slug!r}")
    partial = file.with_name(file.name + ".part")
    try:
        with partial.open("wb") as out:
            export_tour(tour, out)
        partial.replace(file)
    except (DomainError, StorageError) as error:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"cannot export: {error}") from None
    click.echo(f"exported {slug} to {file}")


@tours.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True,
                                        path_type=Path))
@click.option("--rename-suffix", default=None,
              help="Append this to slugs that are taken here (e.g. -imported) instead of "
                   "refusing the import.")
@with_appcontext
def import_command(file: Path, rename_suffix: str | None) -> None:
    """Import a tour archive FILE as a new draft tour (all or nothing)."""
    try:
        with file.open("rb") as stream:
            report = import_archive(stream, rename_suffix=rename_suffix)
    except DomainError as error:
        field = getattr(error, "field", None)
        raise click.ClickException(f"{field}: {error}" if field else str(error)) from None
    except StorageError as error:
        raise click.ClickException(f"storage failed, nothing imported: {error}") from None
    click.echo(f"imported tour {report.tour.slug} (draft) with {len(report.tour.stops)} stops; "
               f"panoramas: {report.panoramas_new} new, {report.panoramas_reused} reused; "
               f"{len(report.job_ids)} tiling job(s) queued")
    for old, new in report.renamed.items():
        click.echo(f"renamed {old} → {new}")
    for skipped in report.skipped_hotspots:
        click.echo(f"skipped shop hotspot (no such shop here) {skipped}", err=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(tours)
