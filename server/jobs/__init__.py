"""Background jobs: handlers by kind, the in-app worker threads and ``flask worker``.

Jobs are rows in the database (``tours.jobs``). Code that needs one queues it with
``enqueue_job`` in the same transaction as its cause. Handlers are registered per application:

- by code wired in the factory: ``handler_registry(app).register("tile_panorama", run_tiling)``;
- by the modules named in ``JOB_HANDLER_MODULES`` (comma-separated import paths), each of which
  exposes ``register_job_handlers(registry)``; they are imported when the app is created. This is
  how deployments add their own kinds, and how the tests give ``flask worker`` processes theirs.

``JOB_WORKERS`` (default 1) worker threads run inside each web process, starting with its first
request; 0 leaves the work to ``flask worker`` processes.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from server.extensions import db
from server.jobs.context import (
    Handler,
    HandlerRegistry,
    JobContext,
    JobInterrupted,
    PermanentJobError,
)
from server.jobs.in_app import InAppWorkers
from tours import jobs as job_service
from tours.models import Job

__all__ = [
    "Handler",
    "HandlerRegistry",
    "JobContext",
    "JobInterrupted",
    "PermanentJobError",
    "enqueue_job",
    "handler_registry",
    "in_app_workers",
    "init_app",
]

REGISTRY_KEY = "flaneur.job_handlers"
IN_APP_KEY = "flaneur.in_app_workers"


def handler_registry(app: Flask) -> HandlerRegistry:
    """The application's job handler registry (created on first use, so order does not matter)."""
    registry = app.extensions.get(REGISTRY_KEY)
    if registry is None:
        registry = app.extensions[REGISTRY_KEY] = HandlerRegistry()
    return registry


def in_app_workers(app: Flask) -> InAppWorkers | None:
    """The in-app worker threads of ``app`` (None when ``JOB_WORKERS`` is 0)."""
    return app.extensions.get(IN_APP_KEY)


def enqueue_job(
    kind: str, payload: Mapping[str, Any] | None = None, *, run_after: dt.datetime | None = None
) -> Job:
    """Queue a job on ``db.session``; it is committed with the caller's own changes.

    Refuses kinds that no handler is registered for: such a job would wait forever.
    """
    if kind not in handler_registry(current_app):
        raise ValueError(f"no handler is registered for job kind {kind!r}")
    return job_service.enqueue(
        db.session, kind, payload,
        max_attempts=current_app.config["JOB_MAX_ATTEMPTS"], run_after=run_after,
    )


def _load_handler_modules(app: Flask, registry: HandlerRegistry) -> None:
    for name in app.config.get("JOB_HANDLER_MODULES", ()):
        module = importlib.import_module(name)
        register = getattr(module, "register_job_handlers", None)
        if not callable(register):
            raise RuntimeError(
                f"JOB_HANDLER_MODULES: module {name!r} has no register_job_handlers(registry)"
            )
        register(registry)


def init_app(app: Flask) -> None:
    from server.jobs.cli import worker_command

    registry = handler_registry(app)
    _load_handler_modules(app, registry)
    app.cli.add_command(worker_command)
    count: int = app.config["JOB_WORKERS"]
    if count > 0:
        workers = app.extensions[IN_APP_KEY] = InAppWorkers(app, registry, count)
        app.before_request(workers.ensure_started)
