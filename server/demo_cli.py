"""``flask demo load``: the demo downtown (``demo``), loaded through the real ingest, tiling and
services. ``make run`` runs it after the migrations; a second run finds everything in place
and returns quickly."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from demo.load import DEFAULT_SIZE, MAX_SIZE, MIN_SIZE, DemoError, LoadReport, load_demo
from media_tools.web_images import prepare_web_image
from server.extensions import db
from server.hotspots_api import HOTSPOT_IMAGE_AREA
from server.image_uploads import delete_objects
from server.image_uploads import store_image as store_picture
from server.jobs import HandlerRegistry
from server.jobs.worker import Worker
from server.panorama_jobs import run_tiling
from server.panorama_uploads import ingest_file
from server.shop_media_api import store_image
from tours import ingest
from tours.models import Panorama, PanoramaStatus
from tours.shop_media import StoredImage

demo = click.Group("demo", help="The demo downtown: a small rendered old town with shops.")

#: where rendered panoramas are kept, inside the instance folder
CACHE_FOLDER = "demo-cache"


class ServerMedia:
    """The web layer's side of the demo loader: the real ingest, tiling and logo storage."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def ingest_panorama(self, data: bytes, filename: str, *, author: str, licence: str
                        ) -> Panorama:
        return ingest_file(io.BytesIO(data), filename=filename, author=author,
                           licence=licence).panorama

    def tile(self, panoramas: Sequence[Panorama]) -> None:
        """Run tiling jobs in this process until the panoramas are ready or no job is due
        (a failed try waits for its retry; a worker picks it up later)."""
        registry = HandlerRegistry()
        registry.register(ingest.TILE_JOB, run_tiling)
        worker = Worker.from_config(self.app, registry, "demo")
        ids = [panorama.id for panorama in panoramas]
        # bounded: every panorama's job, each try, plus jobs of others queued before ours
        for _ in range(len(ids) * self.app.config["JOB_MAX_ATTEMPTS"] + 20):
            db.session.expire_all()
            if all(db.session.get_one(Panorama, panorama_id).status is PanoramaStatus.READY
                   for panorama_id in ids):
                return
            if not worker.run_one():
                return

    def store_logo(self, data: bytes) -> StoredImage:
        return store_image(prepare_web_image(data, purpose="logo"), data)

    def store_picture(self, data: bytes) -> StoredImage:
        return store_picture(prepare_web_image(data, purpose="photo"), data,
                             area=HOTSPOT_IMAGE_AREA)


def load_demo_city(app: Flask, *, size: int = DEFAULT_SIZE, cache: bool = True,
                   say: Callable[[str], None] = click.echo) -> LoadReport:
    """Load the demo into ``app``'s database and storages and commit (inside an app context)."""
    cache_dir = Path(app.instance_path) / CACHE_FOLDER if cache else None
    try:
        report = load_demo(db.session, ServerMedia(app), size=size, cache_dir=cache_dir,
                           say=say)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    delete_objects(report.freed)
    return report


def _summary(report: LoadReport) -> str:
    parts = []
    for kind in ("scene", "link", "shop", "logo", "hotspot", "picture", "tour", "stop"):
        created, updated = report.created[kind], report.updated[kind]
        unchanged = report.unchanged[kind]
        parts.append(f"{kind}s {created} new, {updated} updated, {unchanged} unchanged")
    return "; ".join(parts)


@demo.command("load")
@click.option("--size", type=click.IntRange(MIN_SIZE, MAX_SIZE), default=DEFAULT_SIZE,
              show_default=True, help="Width of the rendered panoramas in pixels.")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Keep rendered panoramas in instance/demo-cache and use them again.")
@with_appcontext
def load_command(size: int, cache: bool) -> None:
    """Load the demo downtown (six scenes, five shops, a tour); idempotent."""
    if size % 2:
        raise click.BadParameter("the width must be even", param_hint="--size")
    started = time.perf_counter()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        report = load_demo_city(app, size=size, cache=cache)
    except DemoError as error:
        raise click.ClickException(str(error)) from None
    total = time.perf_counter() - started
    if not report.changed_anything:
        click.echo(f"demo downtown already loaded ({total:.2f} s)")
        return
    rendered = (f"rendered {len(report.rendered)} panorama(s)"
                + (f", {len(report.from_cache)} from the cache" if report.from_cache else ""))
    click.echo(f"demo downtown loaded in {total:.1f} s: {rendered}; "
               f"panoramas {report.seconds['panoramas']:.1f} s, tiling "
               f"{report.seconds['tiling']:.1f} s, content {report.seconds['content']:.1f} s")
    click.echo(_summary(report))


def init_app(app: Flask) -> None:
    app.cli.add_command(demo)
