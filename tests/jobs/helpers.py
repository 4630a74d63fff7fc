"""Helpers shared by the job tests (fixtures live in the test modules)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from server.extensions import db
from server.jobs import enqueue_job
from tours import jobs
from tours.models import Job


def wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    """Poll ``condition`` until it holds; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {seconds} s")
        time.sleep(0.02)


def evidence(path: Path) -> list[tuple[str, int, int, int]]:
    """The evidence lines of ``tests/jobs/handlers.py``: (event, job id, attempt, pid)."""
    if not path.exists():
        return []
    return [(event, int(job_id), int(attempt), int(pid))
            for event, job_id, attempt, pid in
            (line.split() for line in path.read_text().splitlines())]


def read_job(app: Flask, job_id: int) -> Job:
    """The job as stored now, detached from any session."""
    with app.app_context():
        job = jobs.get_job(db.session, job_id)
        db.session.expunge(job)
        return job


def add_job(app: Flask, kind: str, **payload: Any) -> int:
    """Queue and commit a job the way application code does; return its id."""
    with app.app_context():
        job_id = enqueue_job(kind, payload).id
        db.session.commit()
        return job_id
