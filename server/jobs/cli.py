"""``flask worker``: run background jobs in a process of their own, for scale-out."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from server.jobs.context import HandlerRegistry
from server.jobs.worker import JobBudget, Worker, stop_threads

log = logging.getLogger(__name__)


class _Shutdown:
    """Counts SIGTERM/SIGINT: the first asks for a graceful stop, the second for a quick one."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.hurry = threading.Event()

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested.is_set():
            log.warning("second %s: returning running jobs to the queue now",
                        signal.Signals(signum).name)
            self.hurry.set()
            return
        log.info("%s: no new jobs; waiting for running ones", signal.Signals(signum).name)
        self.requested.set()


def _configure_logging(app: Flask) -> None:
    # app.logger ("server") gets Flask's stderr handler on first use; this package logs below it.
    # The worker's INFO lines (claimed, done, failed) are its activity log, so let them through.
    jobs_logger = app.logger.getChild("jobs")
    if jobs_logger.level == logging.NOTSET:
        jobs_logger.setLevel(logging.INFO)


@click.command("worker")
@click.option("--threads", type=click.IntRange(1, 64), default=1, show_default=True,
              help="How many jobs this process runs at the same time.")
@click.option("--drain", is_flag=True,
              help="Exit as soon as no job is ready to run, instead of waiting for more.")
@click.option("--max-jobs", type=click.IntRange(min=1), default=None,
              help="Exit after starting this many jobs (a supervisor then starts a fresh one).")
@click.option("--grace-seconds", type=click.FloatRange(min=0), default=20.0, show_default=True,
              help="On SIGTERM or SIGINT, how long running jobs may take to finish before they "
                   "are returned to the queue. A second signal returns them at once.")
@with_appcontext
def worker_command(threads: int, drain: bool, max_jobs: int | None, grace_seconds: float) -> None:
    """Run background jobs (tiling and others) until stopped.

    Start as many worker processes, on as many machines, as the queue needs: on PostgreSQL they
    share the queue without ever running a job twice at the same time.
    """
    from server.jobs import handler_registry

    app: Flask = current_app._get_current_object()
    _configure_logging(app)
    registry: HandlerRegistry = handler_registry(app)
    if not registry.kinds():
        raise click.ClickException("no job handlers are registered; nothing to run")
    if not drain:
        for hook in registry.start_hooks:
            hook(app)
    workers = [Worker.from_config(app, registry, f"worker-{n}") for n in range(1, threads + 1)]
    budget = JobBudget(max_jobs)
    errors: list[BaseException] = []

    def run(worker: Worker) -> None:
        try:
            worker.run(drain=drain, budget=budget)
        except Exception as exc:  # reported below as the exit status
            log.exception("job worker %s stopped on an error", worker.worker_id)
            errors.append(exc)

    pool = [threading.Thread(target=run, args=(worker,), name=f"job-worker-{n}", daemon=True)
            for n, worker in enumerate(workers, start=1)]
    shutdown = _Shutdown()
    previous = {sig: signal.signal(sig, shutdown.handle)
                for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        log.info("job worker started: %s thread(s), kinds: %s",
                 threads, ", ".join(sorted(registry.kinds())))
        for thread in pool:
            thread.start()
        while any(thread.is_alive() for thread in pool) and not shutdown.requested.is_set():
            shutdown.requested.wait(0.2)
        released = stop_threads(workers, pool, grace_seconds, hurry=shutdown.hurry)
        if released:
            log.warning("returned unfinished job(s) %s to the queue",
                        ", ".join(map(str, released)))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if errors:
        raise click.exceptions.Exit(1)
