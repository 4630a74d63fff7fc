"""The job worker: claim a job, run its handler while a lease keeper renews the claim, record it.

One ``Worker`` runs one job at a time in the thread that calls ``run``. The in-app runner and
``flask worker`` start as many as they need, each in its own thread.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from server.extensions import db
from server.jobs.context import (
    Claim,
    HandlerRegistry,
    JobContext,
    JobInterrupted,
    PermanentJobError,
)
from server.observability import log_job
from tours.jobs import LeaseLost, claim_next, complete, fail, heartbeat, release, report_progress

log = logging.getLogger(__name__)

#: progress is written at most this often, however often a handler reports it
PROGRESS_MIN_INTERVAL = 0.25


class LeaseKeeper:
    """A thread that renews a job's lease every ``interval`` seconds and writes its progress.

    It uses its own database session, so heartbeats and progress are committed at once while the
    handler's own transaction stays open. When a renewal finds that the claim is gone, ``lost``
    turns true and the keeper stops.
    """

    def __init__(self, engine: Engine, claim: Claim, lease_seconds: float) -> None:
        self._engine = engine
        self._claim = claim
        self._lease_seconds = lease_seconds
        self._interval = lease_seconds / 3
        self._lost = threading.Event()
        self._stopped = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._pending: tuple[int, str] | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"lease-keeper-{claim.job_id}", daemon=True
        )

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def set_progress(self, progress: int, stage: str) -> None:
        with self._lock:
            self._pending = (progress, stage)
        self._wake.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()
        self._thread.join(timeout=self._lease_seconds)

    def _run(self) -> None:
        next_renewal = time.monotonic() + self._interval
        while not self._stopped.is_set():
            self._wake.wait(max(0.0, next_renewal - time.monotonic()))
            self._wake.clear()
            if self._stopped.is_set():
                return
            with self._lock:
                pending, self._pending = self._pending, None
            renew = time.monotonic() >= next_renewal
            if not self._write(pending, renew=renew):
                self._lost.set()
                log.warning("job %s: lease lost (another worker took it over or it was released)",
                            self._claim.job_id)
                return
            if renew:
                next_renewal = time.monotonic() + self._interval
            if pending is not None:
                self._stopped.wait(PROGRESS_MIN_INTERVAL)

    def _write(self, pending: tuple[int, str] | None, *, renew: bool) -> bool:
        """One short transaction; False only when the claim is provably gone."""
        claim = self._claim
        try:
            with Session(self._engine) as session:
                if pending is not None:
                    report_progress(session, claim.job_id, claim.token, *pending)
                held = True
                if renew:
                    held = heartbeat(session, claim.job_id, claim.token, self._lease_seconds)
                session.commit()
        except LeaseLost:
            return False
        except SQLAlchemyError:
            # A database hiccup is not a lost lease: try again at the next tick. If the outage
            # outlasts the lease, the next successful heartbeat finds the claim gone.
            log.warning("job %s: could not renew the lease", claim.job_id, exc_info=True)
            return True
        return held


class JobBudget:
    """How many jobs a group of workers may still start (``flask worker --max-jobs``)."""

    def __init__(self, limit: int | None) -> None:
        self._left = limit
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left is None:
                return True
            if self._left <= 0:
                return False
            self._left -= 1
            return True

    def give_back(self) -> None:
        with self._lock:
            if self._left is not None:
                self._left += 1


@dataclass
class _Running:
    claim: Claim
    interrupted: threading.Event


class Worker:
    """Claims and runs jobs one at a time until asked to stop."""

    def __init__(
        self,
        app: Flask,
        registry: HandlerRegistry,
        *,
        name: str,
        lease_seconds: float,
        poll_seconds: float,
        retry_base_seconds: float,
    ) -> None:
        self.app = app
        self.registry = registry
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{name}"
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.retry_base_seconds = retry_base_seconds
        #: set to stop claiming new jobs; the running one finishes
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._running: _Running | None = None

    @classmethod
    def from_config(cls, app: Flask, registry: HandlerRegistry, name: str) -> Worker:
        """A worker with the lease, poll and retry settings of ``app.config``."""
        return cls(
            app,
            registry,
            name=name,
            lease_seconds=app.config["JOB_LEASE_SECONDS"],
            poll_seconds=app.config["JOB_POLL_SECONDS"],
            retry_base_seconds=app.config["JOB_RETRY_SECONDS"],
        )

    def run(self, *, drain: bool = False, budget: JobBudget | None = None) -> None:
        """Run jobs until ``stopping`` is set, or, with ``drain``, until none is ready.

        Errors outside the handlers (the database is unreachable, say) are logged and retried
        after a pause, so a long-running worker survives an outage; the job it held is claimed
        again when its lease expires. A drain is a bounded run whose caller wants to hear about
        such an error, so there it is raised.
        """
        while not self.stopping.is_set():
            if budget is not None and not budget.take():
                return
            try:
                ran = self.run_one()
            except Exception:
                if budget is not None:
                    budget.give_back()
                if drain:
                    raise
                log.exception("job worker %s: error outside a handler; retrying",
                              self.worker_id)
                self.stopping.wait(self.poll_seconds)
                continue
            if ran:
                continue
            if budget is not None:
                budget.give_back()
            if drain:
                return
            self.stopping.wait(self.poll_seconds)

    def run_one(self) -> bool:
        """Claim one job and run it to an outcome; False when no job was ready."""
        with self.app.app_context():
            session = db.session
            try:
                job = claim_next(
                    session, self.worker_id, self.lease_seconds, kinds=self.registry.kinds()
                )
                claim = None if job is None else Claim(
                    job.id, job.kind, job.claim_token or "", dict(job.payload), job.attempts
                )
                # Committing publishes the claim and, on PostgreSQL, releases the row lock.
                session.commit()
            except BaseException:
                session.rollback()
                raise
            if claim is None:
                return False
            self._execute(session, claim)
            return True

    def interrupt(self) -> None:
        """Ask the running handler to stop at its next ``check``; the job is then released."""
        with self._lock:
            if self._running is not None:
                self._running.interrupted.set()

    def release_running(self) -> int | None:
        """Return the running job to the queue from another thread; its id, or None.

        Used when a handler ignores ``interrupt``: once released, the claim token is void, so
        whatever the handler does later cannot be recorded.
        """
        with self._lock:
            running = self._running
        if running is None:
            return None
        claim = running.claim
        try:
            with self.app.app_context(), Session(db.engine) as session:
                release(session, claim.job_id, claim.token)
                session.commit()
        except LeaseLost:
            return None
        log.warning("job %s (%s) returned to the queue unfinished", claim.job_id, claim.kind)
        return claim.job_id

    def _execute(self, session: Session, claim: Claim) -> None:
        log.info("job %s (%s) attempt %s claimed by %s",
                 claim.job_id, claim.kind, claim.attempt, self.worker_id)
        started = time.monotonic()
        keeper = LeaseKeeper(db.engine, claim, self.lease_seconds)
        interrupted = threading.Event()
        context = JobContext(claim, session, keeper, interrupted, self.worker_id)
        with self._lock:
            self._running = _Running(claim, interrupted)
        keeper.start()
        outcome = "crashed"
        try:
            outcome = self._run_handler(session, claim, context, keeper)
        finally:
            keeper.stop()
            with self._lock:
                self._running = None
            # one structured line (and the job metrics) per attempt, whatever its end
            log_job(claim.kind, claim.job_id, claim.attempt, outcome,
                    time.monotonic() - started)

    def _run_handler(self, session: Session, claim: Claim, context: JobContext,
                     keeper: LeaseKeeper) -> str:
        """Run the handler and record its outcome: ``done``, ``failed``, ``interrupted`` or
        ``lost`` (the claim was taken over)."""
        handler = self.registry.get(claim.kind)
        try:
            try:
                handler(context)
            finally:
                # the outcome ends the claim: a heartbeat after it would find the claim gone
                # and report a lost lease that never was
                keeper.stop()
        except LeaseLost:
            session.rollback()
            log.warning("job %s (%s): stopped, the claim was lost", claim.job_id, claim.kind)
            return "lost"
        except JobInterrupted:
            session.rollback()
            self._record(lambda: release(session, claim.job_id, claim.token), session, claim)
            log.info("job %s (%s) interrupted and returned to the queue",
                     claim.job_id, claim.kind)
            return "interrupted"
        except Exception as exc:
            # Any handler failure is recorded on the job, visible to operators.
            session.rollback()
            log.exception("job %s (%s) attempt %s failed", claim.job_id, claim.kind,
                          claim.attempt)
            error = f"{type(exc).__name__}: {exc}"
            retry = not isinstance(exc, PermanentJobError)
            self._record(
                lambda: fail(session, claim.job_id, claim.token, error, retry=retry,
                             retry_base_seconds=self.retry_base_seconds),
                session, claim,
            )
            return "failed"
        self._record(lambda: complete(session, claim.job_id, claim.token), session, claim)
        return "done"

    def _record(self, write: Callable[[], object], session: Session, claim: Claim) -> None:
        """Apply a fenced outcome write and commit; a lost claim discards everything."""
        try:
            write()
            session.commit()
        except LeaseLost:
            session.rollback()
            log.warning("job %s (%s): result discarded, the claim is no longer ours",
                        claim.job_id, claim.kind)


def stop_threads(
    workers: list[Worker],
    threads: list[threading.Thread],
    grace_seconds: float,
    *,
    settle_seconds: float = 2.0,
    hurry: threading.Event | None = None,
) -> list[int]:
    """Shut ``workers`` down; return the ids of jobs that had to be returned to the queue.

    Running jobs get ``grace_seconds`` to finish. Then their handlers are interrupted (a
    cooperative handler stops at its next check and releases the job itself, within
    ``settle_seconds``); the jobs of handlers that do not react are released from here, which
    voids their claim so that nothing they do later is recorded. Setting ``hurry`` (a second
    signal) cuts the grace period short.
    """
    hurry = hurry or threading.Event()
    for worker in workers:
        worker.stopping.set()
    _join_all(threads, time.monotonic() + grace_seconds, hurry)
    for worker in workers:
        worker.interrupt()
    _join_all(threads, time.monotonic() + settle_seconds, hurry)
    released: list[int] = []
    for worker, thread in zip(workers, threads, strict=True):
        if thread.is_alive():
            job_id = worker.release_running()
            if job_id is not None:
                released.append(job_id)
    return released


def _join_all(threads: list[threading.Thread], deadline: float, hurry: threading.Event) -> None:
    """Wait until the threads end, ``deadline`` passes or ``hurry`` is set."""
    while any(thread.is_alive() for thread in threads) and not hurry.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        hurry.wait(min(remaining, 0.05))
