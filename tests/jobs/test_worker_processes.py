"""``flask worker`` processes sharing one PostgreSQL queue: the scale-out setup, end to end.

Every test starts real ``flask worker`` subprocesses (``python -m flask worker``) with the test
job kinds of ``tests/jobs/handlers.py`` (through ``JOB_HANDLER_MODULES``) and short leases, then
kills, freezes or stops them with signals.

These tests need PostgreSQL: concurrent claiming by separate processes with ``FOR UPDATE SKIP
LOCKED`` is what they check, and a per-test SQLite copy is no place for several processes. In
the default (SQLite) run they are *skipped* with that reason, also under ``CI=true``: the
PostgreSQL run (``pytest --postgres -m database``), which CI always makes, runs them.

Figures (drain time, recovery time after SIGKILL) are printed; run with ``-s`` to see them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from server.extensions import db
from tests.jobs.helpers import add_job, evidence, read_job, wait_for
from tours import jobs
from tours.models import Job, JobStatus

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 1.0
DEADLINE_SECONDS = 60.0


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "JOB_HANDLER_MODULES": ("tests.jobs.handlers",)}


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: several worker processes share one queue; "
                    "run with --postgres (CI does)")
    return database_url


class WorkerProcess:
    """A ``flask worker`` subprocess whose log goes to a file."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        with log_path.open("wb") as log_file:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "flask", "worker", *args],
                cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            )
        self.pid = self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, seconds: float = DEADLINE_SECONDS) -> None:
        wait_for(lambda: text in self.log() or self.popen.poll() is not None, seconds)
        assert text in self.log(), f"worker {self.pid} exited early:\n{self.log()}"

    def wait_ready(self) -> None:
        self.wait_for_log("job worker started")

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def wait_exit(self, seconds: float = DEADLINE_SECONDS) -> int:
        try:
            return self.popen.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"worker {self.pid} still running:\n{self.log()}") from None

    def ran(self, job: Job) -> bool:
        return f":{self.pid}:" in job.worker_id


@pytest.fixture
def spawn_worker(app: Flask, postgres_url: str, tmp_path: Path
                 ) -> Iterator[Callable[..., WorkerProcess]]:
    """Start ``flask worker`` processes; any still running at the end are stopped."""
    env = {
        **os.environ,
        "FLASK_APP": "server",
        "FLANEUR_ENV": "testing",
        "DATABASE_URL": postgres_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-anything",
        "ORIGINALS_STORAGE_URL": "memory://originals",
        "PUBLIC_STORAGE_URL": "memory://public",
        "JOB_WORKERS": "0",
        "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "JOB_POLL_SECONDS": "0.1",
        "JOB_RETRY_SECONDS": "0.1",
        "JOB_HANDLER_MODULES": "tests.jobs.handlers",
        # a standing worker would queue the shop link check: not these tests' queue
        "LINK_CHECK_SCHEDULE": "false",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    started: list[WorkerProcess] = []

    def spawn(*args: str) -> WorkerProcess:
        worker = WorkerProcess(list(args), env, tmp_path / f"worker-{len(started) + 1}.log")
        started.append(worker)
        return worker

    yield spawn
    for worker in started:
        if worker.popen.poll() is None:
            worker.signal(signal.SIGCONT)
            worker.signal(signal.SIGKILL)
            worker.popen.wait(timeout=30)


def test_two_workers_drain_200_jobs_and_run_each_exactly_once(app, spawn_worker, tmp_path):
    proof = tmp_path / "proof"
    with app.app_context():
        ids = [jobs.enqueue(db.session, "test.record", {"path": str(proof), "seconds": 0.01}).id
               for _ in range(200)]
        db.session.commit()
    began = time.monotonic()
    workers = [spawn_worker("--drain", "--threads", "2") for _ in range(2)]
    for worker in workers:
        assert worker.wait_exit() == 0, worker.log()
    wall = time.monotonic() - began

    runs = Counter(job_id for event, job_id, _, _ in evidence(proof) if event == "end")
    assert runs == dict.fromkeys(ids, 1), "every job ran exactly once"
    with app.app_context():
        statuses = db.session.execute(
            select(Job.status, Job.attempts, func.count()).group_by(Job.status, Job.attempts)
        ).all()
        first_start, last_finish = db.session.execute(
            select(func.min(Job.started_at), func.max(Job.finished_at))
        ).one()
    assert [tuple(row) for row in statuses] == [(JobStatus.SUCCEEDED, 1, 200)]
    per_worker = Counter(pid for _, _, _, pid in evidence(proof))
    assert set(per_worker) == {worker.pid for worker in workers}, "both workers took part"
    drain = (last_finish - first_start).total_seconds()
    print(f"\n[jobs] 2 workers x 2 threads drained 200 jobs (10 ms each) in {drain:.2f} s "
          f"({200 / drain:.0f} jobs/s), {wall:.2f} s including process start; "
          f"split {sorted(per_worker.values())}")


def test_a_job_of_a_killed_worker_completes_on_another_after_the_lease(
        app, spawn_worker, tmp_path):
    proof, gate = tmp_path / "proof", tmp_path
    doomed = spawn_worker()
    doomed.wait_ready()
    job_id = add_job(app, "test.wait", path=str(proof), gate=str(gate))
    wait_for(lambda: ("start", job_id, 1, doomed.pid) in evidence(proof))
    survivor = spawn_worker()
    survivor.wait_ready()
    (gate / "go-2").touch()  # the retry may finish at once; the first attempt never does
    assert read_job(app, job_id).status == JobStatus.RUNNING
    doomed.signal(signal.SIGKILL)
    killed = time.monotonic()
    assert doomed.wait_exit() == -signal.SIGKILL
    wait_for(lambda: read_job(app, job_id).status == JobStatus.SUCCEEDED)
    recovery = time.monotonic() - killed

    job = read_job(app, job_id)
    assert job.attempts == 2
    assert survivor.ran(job)
    assert evidence(proof) == [("start", job_id, 1, doomed.pid),
                               ("start", job_id, 2, survivor.pid),
                               ("end", job_id, 2, survivor.pid)]
    print(f"\n[jobs] job of a SIGKILLed worker completed elsewhere {recovery:.2f} s after the "
          f"kill (lease {LEASE_SECONDS} s, heartbeat every {LEASE_SECONDS / 3:.2f} s, "
          f"poll 0.1 s)")


def test_heartbeats_keep_the_lease_of_a_job_longer_than_a_lease(app, spawn_worker, tmp_path):
    proof = tmp_path / "proof"
    workers = [spawn_worker(), spawn_worker()]
    for worker in workers:
        worker.wait_ready()
    seconds = 3.5 * LEASE_SECONDS
    job_id = add_job(app, "test.sleep", path=str(proof), seconds=seconds)
    wait_for(lambda: read_job(app, job_id).status == JobStatus.SUCCEEDED)
    job = read_job(app, job_id)
    assert job.attempts == 1
    assert [event for event, *_ in evidence(proof)] == ["start", "end"]
    assert all(worker.popen.poll() is None for worker in workers)
    runtime = (job.finished_at - job.started_at).total_seconds()
    print(f"\n[jobs] a {runtime:.2f} s job kept its {LEASE_SECONDS} s lease through heartbeats "
          "while a second worker polled")


def test_a_frozen_workers_late_result_is_rejected(app, spawn_worker, tmp_path):
    """SIGSTOP stands in for a long pause (swap, VM freeze): the job is reclaimed meanwhile,
    and when the stale worker resumes and finishes, its result and its database changes are
    refused."""
    proof, gate = tmp_path / "proof", tmp_path
    stale = spawn_worker()
    stale.wait_ready()
    job_id = add_job(app, "test.wait", path=str(proof), gate=str(gate), check=False,
                     follow_up="test.record")
    wait_for(lambda: ("start", job_id, 1, stale.pid) in evidence(proof))
    stale.signal(signal.SIGSTOP)
    fresh = spawn_worker()
    fresh.wait_ready()
    wait_for(lambda: ("start", job_id, 2, fresh.pid) in evidence(proof))

    (gate / "go-1").touch()
    stale.signal(signal.SIGCONT)
    stale.wait_for_log(f"job {job_id} (test.wait): result discarded")
    assert ("end", job_id, 1, stale.pid) in evidence(proof), "the stale handler did finish"
    job = read_job(app, job_id)
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 2)
    assert fresh.ran(job)
    with app.app_context():
        assert db.session.scalars(select(Job.kind)).all() == ["test.wait"], \
            "the stale run's follow-up job was rolled back"

    (gate / "go-2").touch()
    wait_for(lambda: read_job(app, job_id).status == JobStatus.SUCCEEDED)
    assert fresh.ran(read_job(app, job_id))
    assert "result discarded" not in fresh.log()


def test_sigterm_lets_the_running_job_finish_and_claims_nothing_new(app, spawn_worker,
                                                                    tmp_path):
    proof, gate = tmp_path / "proof", tmp_path
    worker = spawn_worker("--grace-seconds", "30")
    worker.wait_ready()
    running = add_job(app, "test.wait", path=str(proof), gate=str(gate))
    wait_for(lambda: len(evidence(proof)) == 1)
    worker.signal(signal.SIGTERM)
    worker.wait_for_log("SIGTERM: no new jobs")
    waiting = add_job(app, "test.record", path=str(proof))
    (gate / "go-1").touch()
    assert worker.wait_exit() == 0, worker.log()
    assert read_job(app, running).status == JobStatus.SUCCEEDED
    assert read_job(app, waiting).status == JobStatus.QUEUED


def test_sigterm_returns_a_job_that_outlasts_the_grace_period_to_the_queue(
        app, spawn_worker, tmp_path):
    proof, gate = tmp_path / "proof", tmp_path
    worker = spawn_worker("--grace-seconds", "0.5")
    worker.wait_ready()
    job_id = add_job(app, "test.wait", path=str(proof), gate=str(gate), check=False)
    wait_for(lambda: len(evidence(proof)) == 1)
    worker.signal(signal.SIGTERM)
    signalled = time.monotonic()
    assert worker.wait_exit() == 0, worker.log()
    stopped = time.monotonic() - signalled
    job = read_job(app, job_id)
    assert (job.status, job.attempts, job.claim_token) == (JobStatus.QUEUED, 0, None)

    (gate / "go-1").touch()
    assert spawn_worker("--drain").wait_exit() == 0
    assert read_job(app, job_id).status == JobStatus.SUCCEEDED
    print(f"\n[jobs] SIGTERM with a 0.5 s grace period: job returned to the queue, worker "
          f"exited after {stopped:.2f} s")
