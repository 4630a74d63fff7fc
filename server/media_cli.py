"""``flask media``: ingest panorama files from the command line, retile, sweep old tiles."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from media_tools.errors import PanoramaRejected
from server import regeneration
from server.city_settings import city
from server.extensions import db
from server.jobs import handler_registry
from server.jobs.worker import Worker
from server.panorama_jobs import sweep
from server.panorama_uploads import IngestResult, ingest_file, rejection_message
from server.storage import StorageError
from tours import scenes, tour_service
from tours.errors import DomainError
from tours.jobs import get_job
from tours.models import JobStatus, Panorama, Scene, Tour
from tours.upload_scenes import north_offset_from_heading

media = click.Group("media", help="Panorama files: ingest, retile and clean-up.")


def slug_from(name: str) -> str:
    """A scene slug from a file name: ``Markt Platz (2).JPG`` → ``markt-platz-2``."""
    ascii_name = unicodedata.normalize("NFKD", Path(name).stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80]
    return slug if len(slug) >= 3 else f"scene-{slug}".strip("-")


def _scene_for(result: IngestResult, slug: str, title: str) -> Scene:
    """The scene ``slug``, showing the ingested panorama (created if it does not exist)."""
    panorama = result.panorama
    scene = db.session.scalar(select(Scene).where(Scene.slug == slug))
    if scene is not None:
        return scenes.update_scene(db.session, scene.id, {"panorama": panorama.public_id})
    fields: scenes.SceneFields = {
        "slug": slug, "panorama": panorama.public_id,
        "title": {city().default_language: title},
    }
    if panorama.gps_latitude is not None and panorama.gps_longitude is not None:
        fields["latitude"] = panorama.gps_latitude
        fields["longitude"] = panorama.gps_longitude
    # north from the camera's compass, as the browser's bulk upload does
    if panorama.pose_heading is not None:
        fields["north_offset"] = north_offset_from_heading(panorama.pose_heading)
    return scenes.create_scene(db.session, fields)


def _run_jobs_with_progress(app: Flask, job_ids: list[int]) -> list[int]:
    """Run the queued jobs in this process, showing a progress bar; returns the failed ones.

    A job whose retry is scheduled for later counts as failed here; a worker retries it.
    """
    worker = Worker.from_config(app, handler_registry(app), "cli")
    finished = (JobStatus.SUCCEEDED, JobStatus.FAILED)
    pending = set(job_ids)
    with click.progressbar(length=len(job_ids), label="tiling", show_pos=True) as bar:
        while pending and worker.run_one():
            db.session.expire_all()
            done = {job_id for job_id in pending
                    if get_job(db.session, job_id).status in finished}
            bar.update(len(done))
            pending -= done
    return [job_id for job_id in job_ids
            if get_job(db.session, job_id).status is not JobStatus.SUCCEEDED]


def _place(result: IngestResult, path: Path, scene_slug: str | None, tour: Tour | None
           ) -> None:
    """Show the ingested panorama in a scene (and, with a tour, as its next stop)."""
    scene = _scene_for(result, scene_slug or slug_from(path.name), path.stem)
    if tour is not None:
        tour_service.add_stop(db.session, tour.id, {"scene_id": scene.id})
    db.session.commit()


def _ingest_path(path: Path, author: str, licence: str, scene_slug: str | None,
                 tour: Tour | None, jobs: list[int]) -> bool:
    """Ingest one file, say what happened; False when it was refused or not placed."""
    try:
        with path.open("rb") as stream:
            result = ingest_file(stream, filename=path.name, author=author, licence=licence)
    except PanoramaRejected as rejection:
        click.echo(f"\n{path}: refused: {rejection_message(rejection)}", err=True)
        return False
    except (DomainError, StorageError) as error:
        db.session.rollback()
        click.echo(f"\n{path}: failed: {error}", err=True)
        return False
    if result.created:
        state = "new"
    else:
        state = "tiling again" if result.job_id is not None else "already known"
    click.echo(f"\n{path}: panorama {result.panorama.public_id} ({state})")
    if result.job_id is not None:
        jobs.append(result.job_id)
    if scene_slug or tour is not None:
        try:
            _place(result, path, scene_slug, tour)
        except (DomainError, IntegrityError) as error:
            db.session.rollback()
            click.echo(f"\n{path}: stored, but not placed in a scene: {error}", err=True)
            return False
    return True


@media.command("ingest")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--author", default="", help="Photographer, for the credits.")
@click.option("--licence", default="", help="SPDX licence id (CC-BY-SA-4.0) or a short text.")
@click.option("--scene", "scene_slug", default=None,
              help="Show the (single) file in this scene, created if it does not exist.")
@click.option("--tour", "tour_slug", default=None,
              help="Add a scene per file (named after the file) as stops of this tour.")
@click.option("--wait/--no-wait", default=False,
              help="Tile the files in this process, with a progress bar, before returning.")
@with_appcontext
def ingest_command(files: tuple[Path, ...], author: str, licence: str, scene_slug: str | None,
                   tour_slug: str | None, wait: bool) -> None:
    """Ingest panorama FILES: store each original and queue its tiling."""
    if scene_slug and len(files) != 1:
        raise click.UsageError("--scene takes exactly one file")
    tour = None
    if tour_slug:
        tour = db.session.scalar(select(Tour).where(Tour.slug == tour_slug))
        if tour is None:
            raise click.UsageError(f"there is no tour {tour_slug!r}")
    jobs: list[int] = []
    refused = 0
    with click.progressbar(files, label="storing", show_pos=True,
                           item_show_func=lambda f: f.name if f else None) as bar:
        for path in bar:
            if not _ingest_path(path, author, licence, scene_slug, tour, jobs):
                refused += 1
    if wait and jobs:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        failed = _run_jobs_with_progress(app, jobs)
        for job_id in failed:
            click.echo(f"job {job_id} failed: {get_job(db.session, job_id).error}", err=True)
        refused += len(failed)
    elif jobs:
        click.echo(f"{len(jobs)} tiling job(s) queued: a worker (the web app's thread or "
                   "`flask worker`) will tile them.")
    if refused:
        raise SystemExit(1)


@media.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Remove tiles of revisions retired longer than the grace period, unused panoramas and
    originals that no panorama names (left by a failed upload or import)."""
    import datetime as dt

    grace = dt.timedelta(hours=current_app.config["PANORAMA_SWEEP_GRACE_HOURS"])
    removed = sweep(db.session, grace=grace)
    db.session.commit()
    click.echo(f"removed {removed['revisions']} revision(s), {removed['panoramas']} "
               f"panorama(s), {removed['objects']} object(s), {removed['originals']} "
               "orphaned original(s)")


def _run_retiling(result: regeneration.Regeneration) -> None:
    """Run the queued tiling jobs and the share image jobs they set off, with a progress bar;
    a job that did not succeed is added to the problems."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = regeneration.retiling_worker(app)
    pending = set(result.jobs)
    finished = (JobStatus.SUCCEEDED, JobStatus.FAILED)
    with click.progressbar(length=len(result.jobs), label="tiling", show_pos=True) as bar:
        while worker.run_one():
            db.session.expire_all()
            done = {job_id for job_id in pending
                    if get_job(db.session, job_id).status in finished}
            bar.update(len(done))
            pending -= done
    for job_id in result.jobs:
        job = get_job(db.session, job_id)
        if job.status is not JobStatus.SUCCEEDED:
            result.problems.append(f"tiling job {job_id} did not finish: {job.error}")


@media.command("retile")
@click.argument("panorama_ids", nargs=-1)
@click.option("--all", "every", is_flag=True,
              help="Every panorama, and every web image (shop images, hotspot pictures, the "
                   "city's logo) re-encoded from its original: rebuilds the public storage.")
@click.option("--wait/--no-wait", default=False,
              help="Run the tiling and share image jobs in this process before returning.")
@with_appcontext
def retile_command(panorama_ids: tuple[str, ...], every: bool, wait: bool) -> None:
    """Tile panoramas (PANORAMA_IDS, their public ids, or --all) again from their originals.

    Each gets a new revision; the scenes showing it get new share images. After a restore
    from a backup without public objects, `--all --wait` makes the site whole again.
    """
    if every == bool(panorama_ids):
        raise click.UsageError("name the panoramas (their public ids) or give --all")
    if every:
        panoramas = regeneration.panoramas_to_retile(db.session)
    else:
        panoramas = list(db.session.scalars(
            select(Panorama).where(Panorama.public_id.in_(panorama_ids))))
        unknown = set(panorama_ids) - {panorama.public_id for panorama in panoramas}
        if unknown:
            raise click.UsageError(f"there is no panorama {', '.join(sorted(unknown))}")
    result = regeneration.Regeneration()
    regeneration.queue_retiling(db.session, panoramas, result)
    db.session.commit()
    if every:
        regeneration.rebuild_web_images(db.session, result)
        db.session.commit()
        regeneration.check_floor_plans(db.session, result)
        click.echo(f"{result.images} web image(s) rebuilt from their originals")
    for line in result.skipped:
        click.echo(f"skipped {line}", err=True)
    if wait and result.jobs:
        _run_retiling(result)
    elif result.jobs:
        click.echo(f"{len(result.jobs)} tiling job(s) queued: a worker (the web app's thread "
                   "or `flask worker`) will tile them.")
    for problem in result.problems:
        click.echo(problem, err=True)
    if result.problems:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(media)
