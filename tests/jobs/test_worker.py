"""The worker in this process: handlers, outcomes, leases, fencing, shutdown, `flask worker`.

These run on SQLite and again on PostgreSQL (``--postgres``); the multi-process scenarios are
in ``test_worker_processes.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from server import create_app
from server.extensions import db
from server.jobs import enqueue_job, handler_registry
from server.jobs.context import JobContext
from server.jobs.worker import Worker, stop_threads
from tests.jobs.helpers import add_job, evidence, read_job, wait_for
from tours import jobs
from tours.models import Job, JobStatus


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **app_config,
        "JOB_HANDLER_MODULES": ("tests.jobs.handlers",),
        "JOB_LEASE_SECONDS": 1.0,
        "JOB_POLL_SECONDS": 0.05,
        "JOB_RETRY_SECONDS": 0.01,
        "JOB_MAX_ATTEMPTS": 3,
    }


@pytest.fixture
def make_worker(app: Flask) -> Iterator[Callable[..., Worker]]:
    """Workers that run in background threads and are stopped before the test app goes."""
    started: list[tuple[Worker, threading.Thread]] = []

    def make(name: str = "t1", *, drain: bool = False, start: bool = True) -> Worker:
        worker = Worker.from_config(app, handler_registry(app), name)
        if start:
            thread = threading.Thread(target=worker.run, kwargs={"drain": drain}, daemon=True)
            thread.start()
            started.append((worker, thread))
        return worker

    yield make
    stop_threads([w for w, _ in started], [t for _, t in started], grace_seconds=5)


def test_a_worker_runs_jobs_and_records_success(app, make_worker, tmp_path):
    proof = tmp_path / "proof"
    ids = [add_job(app, "test.record", path=str(proof)) for _ in range(5)]
    worker = make_worker(start=False)
    worker.run(drain=True)
    assert sorted(line[1] for line in evidence(proof)) == ids
    for job_id in ids:
        done = read_job(app, job_id)
        assert (done.status, done.attempts, done.progress) == (JobStatus.SUCCEEDED, 1, 100)
        assert done.worker_id == worker.worker_id


def test_a_failing_job_is_retried_then_fails_with_its_error(app, make_worker, tmp_path):
    proof = tmp_path / "proof"
    job_id = add_job(app, "test.fail", path=str(proof), message="the image is truncated")
    make_worker()
    wait_for(lambda: read_job(app, job_id).status == JobStatus.FAILED)
    failed = read_job(app, job_id)
    assert failed.attempts == 3
    assert failed.error == "RuntimeError: the image is truncated"
    assert len(evidence(proof)) == 3


def test_a_permanent_error_is_not_retried(app, make_worker, tmp_path):
    proof = tmp_path / "proof"
    job_id = add_job(app, "test.fail", path=str(proof), message="not a panorama",
                     permanent=True)
    make_worker(drain=True, start=False).run(drain=True)
    failed = read_job(app, job_id)
    assert (failed.status, failed.attempts) == (JobStatus.FAILED, 1)
    assert failed.error == "PermanentJobError: not a panorama"


def test_progress_is_visible_while_the_job_runs(app, make_worker):
    reported = threading.Event()
    finish = threading.Event()

    def halfway(context: JobContext) -> None:
        context.report_progress(50, "halfway")
        reported.set()
        assert finish.wait(10)

    handler_registry(app).register("test.halfway", halfway)
    job_id = add_job(app, "test.halfway")
    make_worker()
    assert reported.wait(10)
    wait_for(lambda: read_job(app, job_id).progress == 50)
    assert read_job(app, job_id).stage == "halfway"
    finish.set()
    wait_for(lambda: read_job(app, job_id).status == JobStatus.SUCCEEDED)


def test_heartbeats_keep_a_long_job_from_being_claimed_twice(app, make_worker, tmp_path):
    # a lease long enough that a busy machine's scheduling delays cannot eat a whole one
    app.config["JOB_LEASE_SECONDS"] = 1.5
    proof = tmp_path / "proof"
    job_id = add_job(app, "test.sleep", path=str(proof), seconds=5.0)  # > 3 leases
    make_worker("t1")
    make_worker("t2")
    wait_for(lambda: read_job(app, job_id).status == JobStatus.SUCCEEDED)
    assert read_job(app, job_id).attempts == 1
    assert [line[0] for line in evidence(proof)] == ["start", "end"]


def test_a_late_result_of_a_stale_worker_is_discarded(app, make_worker, tmp_path):
    """The claim moves to another worker while a handler is busy: its result and its database
    changes are thrown away."""
    proof, gate = tmp_path / "proof", tmp_path
    job_id = add_job(app, "test.wait", path=str(proof), gate=str(gate), check=False,
                     follow_up="test.record")
    make_worker("stale")
    wait_for(lambda: len(evidence(proof)) == 1)
    with app.app_context():
        # What a lease expiry does, without waiting for one: the claim goes to someone else.
        jobs.release(db.session, job_id, read_job(app, job_id).claim_token)
        taken = jobs.claim_next(db.session, "other", 60, kinds={"test.wait"})
        assert taken is not None
        token = taken.claim_token
        db.session.commit()
    (gate / "go-1").touch()
    wait_for(lambda: [line[0] for line in evidence(proof)] == ["start", "end"])
    time.sleep(0.3)  # give a wrongly accepted result the time to show up
    current = read_job(app, job_id)
    assert (current.status, current.worker_id, current.claim_token) == (
        JobStatus.RUNNING, "other", token)
    with app.app_context():
        kinds = db.session.scalars(select(Job.kind)).all()
    assert kinds == ["test.wait"], "the stale run's follow-up job was rolled back"


def test_the_follow_up_of_a_successful_job_is_committed_with_it(app, make_worker, tmp_path):
    (tmp_path / "go-1").touch()
    add_job(app, "test.wait", path=str(tmp_path / "proof"), gate=str(tmp_path),
            follow_up="test.record")
    make_worker(start=False).run(drain=True)
    with app.app_context():
        rows = db.session.execute(select(Job.kind, Job.status).order_by(Job.id)).all()
    assert [tuple(row) for row in rows] == [
        ("test.wait", JobStatus.SUCCEEDED), ("test.record", JobStatus.SUCCEEDED)]


def test_stopping_releases_a_job_whose_handler_stops_when_asked(app, tmp_path):
    proof = tmp_path / "proof"
    job_id = add_job(app, "test.wait", path=str(proof), gate=str(tmp_path))
    worker = Worker.from_config(app, handler_registry(app), "t1")
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    wait_for(lambda: len(evidence(proof)) == 1)
    assert stop_threads([worker], [thread], grace_seconds=0.1) == []
    assert not thread.is_alive()
    released = read_job(app, job_id)
    assert (released.status, released.attempts, released.claim_token) == (
        JobStatus.QUEUED, 0, None)


def test_stopping_releases_the_job_of_a_handler_that_does_not_listen(app, tmp_path):
    proof = tmp_path / "proof"
    job_id = add_job(app, "test.wait", path=str(proof), gate=str(tmp_path), check=False)
    worker = Worker.from_config(app, handler_registry(app), "t1")
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    wait_for(lambda: len(evidence(proof)) == 1)
    assert stop_threads([worker], [thread], grace_seconds=0.1, settle_seconds=0.1) == [job_id]
    assert read_job(app, job_id).status == JobStatus.QUEUED
    (tmp_path / "go-1").touch()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert read_job(app, job_id).status == JobStatus.QUEUED, "the late success was not recorded"


def test_stopping_lets_a_running_job_finish_within_the_grace_period(app, tmp_path):
    proof = tmp_path / "proof"
    job_id = add_job(app, "test.sleep", path=str(proof), seconds=0.5)
    worker = Worker.from_config(app, handler_registry(app), "t1")
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    wait_for(lambda: len(evidence(proof)) == 1)
    assert stop_threads([worker], [thread], grace_seconds=10) == []
    assert read_job(app, job_id).status == JobStatus.SUCCEEDED


def test_jobs_of_unknown_kinds_wait_for_a_worker_that_knows_them(app, make_worker, tmp_path):
    with app.app_context():
        other = jobs.enqueue(db.session, "tile_panorama", {}).id
        db.session.commit()
    known = add_job(app, "test.record", path=str(tmp_path / "proof"))
    make_worker(start=False).run(drain=True)
    assert read_job(app, known).status == JobStatus.SUCCEEDED
    assert read_job(app, other).status == JobStatus.QUEUED


def test_enqueue_job_refuses_a_kind_without_handler(app_context):
    with pytest.raises(ValueError, match="no_such_kind"):
        enqueue_job("no_such_kind", {})


def test_enqueue_job_uses_the_configured_attempt_limit(app):
    with app.app_context():
        assert enqueue_job("test.record", {"path": "x"}).max_attempts == 3


def test_handler_modules_must_offer_a_registration_function(app_config):
    with pytest.raises(RuntimeError, match="register_job_handlers"):
        create_app({**app_config, "JOB_HANDLER_MODULES": ("tests.jobs.test_worker",)})


def test_flask_worker_drains_at_most_max_jobs(app, runner, tmp_path):
    proof = tmp_path / "proof"
    ids = [add_job(app, "test.record", path=str(proof)) for _ in range(3)]
    result = runner.invoke(args=["worker", "--drain", "--max-jobs", "2", "--threads", "2"])
    assert result.exit_code == 0, result.output
    assert sorted(line[1] for line in evidence(proof)) == ids[:2]
    assert read_job(app, ids[2]).status == JobStatus.QUEUED


def test_a_standing_worker_runs_the_start_hooks_and_a_drain_run_does_not(app, runner, tmp_path):
    started: list[Flask] = []
    handler_registry(app).on_worker_start(started.append)
    proof = tmp_path / "proof"
    add_job(app, "test.record", path=str(proof))

    drained = runner.invoke(args=["worker", "--drain"])
    assert drained.exit_code == 0, drained.output
    assert started == []

    add_job(app, "test.record", path=str(proof))
    standing = runner.invoke(args=["worker", "--max-jobs", "1"])
    assert standing.exit_code == 0, standing.output
    assert started == [app]


def test_the_app_brings_its_own_job_kinds_and_a_worker_drains_with_them(make_app):
    bare = make_app(JOB_HANDLER_MODULES=())
    from server.jobs import handler_registry

    assert {"tile_panorama", "sweep_panoramas", "render_share_image"} <= handler_registry(
        bare).kinds()
    result = bare.test_cli_runner().invoke(args=["worker", "--drain"])
    assert result.exit_code == 0, result.output


def test_a_worker_survives_a_database_outage(app, make_worker, tmp_path, monkeypatch):
    failures = iter([True, True])

    def flaky_claim(*args: Any, **kwargs: Any) -> Job | None:
        if next(failures, False):
            raise OperationalError("SELECT", {}, Exception("connection refused"))
        return jobs.claim_next(*args, **kwargs)

    monkeypatch.setattr("server.jobs.worker.claim_next", flaky_claim)
    job_id = add_job(app, "test.record", path=str(tmp_path / "proof"))
    make_worker()
    wait_for(lambda: read_job(app, job_id).status == JobStatus.SUCCEEDED)
    assert next(failures, None) is None, "both failures happened before the job ran"


def test_a_draining_worker_reports_a_database_outage(app, monkeypatch):
    def broken_claim(*args: Any, **kwargs: Any) -> Job | None:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr("server.jobs.worker.claim_next", broken_claim)
    worker = Worker.from_config(app, handler_registry(app), "t1")
    with pytest.raises(OperationalError):
        worker.run(drain=True)
