"""The worker thread inside the web process (``JOB_WORKERS`` > 0), end to end."""

from __future__ import annotations

import time
from typing import Any

import pytest

from server.jobs import in_app_workers
from tests.jobs.helpers import add_job, evidence, read_job, wait_for
from tours.models import JobStatus


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **app_config,
        "JOB_WORKERS": 1,
        "JOB_HANDLER_MODULES": ("tests.jobs.handlers",),
        "JOB_POLL_SECONDS": 0.05,
    }


def test_the_in_app_worker_starts_with_the_first_request_and_runs_jobs(app, client, tmp_path):
    workers = in_app_workers(app)
    assert workers is not None
    try:
        proof = tmp_path / "proof"
        job_id = add_job(app, "test.record", path=str(proof))
        time.sleep(0.2)
        assert not workers.started, "creating the app (or running a CLI command) runs no jobs"
        assert read_job(app, job_id).status == JobStatus.QUEUED
        client.get("/healthz")
        assert workers.started
        wait_for(lambda: read_job(app, job_id).status == JobStatus.SUCCEEDED)
        assert [line[:3] for line in evidence(proof)] == [("end", job_id, 1)]
        assert read_job(app, job_id).worker_id.endswith(":in-app-1")
        client.get("/healthz")
        assert len(workers.workers) == 1, "later requests start no more threads"
    finally:
        workers.stop(grace_seconds=5)
    assert not workers.started
