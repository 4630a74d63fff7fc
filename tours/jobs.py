"""Durable background jobs: enqueue, claim with a lease, heartbeat, record the outcome.

A job is queued in the same transaction as the change that needs it (``enqueue`` only adds and
flushes). A worker claims it with a *lease*: the claim sets a fresh ``claim_token`` and a
``lease_expires_at`` that the worker keeps pushing forward with heartbeats. A job whose lease
has expired (its worker died or froze) can be claimed again. Every later write of a worker
(heartbeat, progress, success, failure, release) names its claim token and is applied only while
that token is still the job's current one — a *fencing token* — so a stale worker that wakes up
after its job was reclaimed cannot record anything. Such writes raise ``LeaseLost``.

Timestamps come from the caller's clock (``now``); workers on several machines therefore need
synchronised clocks (NTP), which is ordinary for leases of tens of seconds.

Like every service here these functions flush and never commit: the worker commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection, Mapping
from typing import Any, cast

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from tours.errors import N_, DomainError, NotFound
from tours.models import Job, JobStatus, utcnow

DEFAULT_MAX_ATTEMPTS = 5
#: the first retry waits this long; each further one twice as long, up to the cap
DEFAULT_RETRY_BASE_SECONDS = 10.0
DEFAULT_RETRY_CAP_SECONDS = 15 * 60.0
#: the stored error is for operators; a whole traceback belongs in the worker's log
MAX_ERROR_LENGTH = 4000
#: how many candidates a compare-and-set claim tries before giving up for this round
CLAIM_CANDIDATES = 8


class LeaseLost(DomainError):
    """The claim is no longer the job's current one: another worker owns it or it was released."""

    message = N_("Job %(job_id)s is no longer held by this worker.")


class JobNotFound(NotFound):
    message = N_("Job %(job_id)s does not exist.")


def enqueue(
    session: Session,
    kind: str,
    payload: Mapping[str, Any] | None = None,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    run_after: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Job:
    """Queue a job of ``kind``; it becomes visible to workers when the caller commits."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    now = now or utcnow()
    job = Job(
        kind=kind,
        payload=dict(payload or {}),
        status=JobStatus.QUEUED,
        attempts=0,
        max_attempts=max_attempts,
        progress=0,
        stage="",
        error="",
        created_at=now,
        updated_at=now,
        run_after=run_after or now,
        worker_id="",
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int) -> Job:
    """The job with ``job_id``, read afresh from the database."""
    job = session.execute(
        select(Job).where(Job.id == job_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if job is None:
        raise JobNotFound(job_id=job_id)
    return job


def retry_delay(
    attempts: int,
    base_seconds: float = DEFAULT_RETRY_BASE_SECONDS,
    cap_seconds: float = DEFAULT_RETRY_CAP_SECONDS,
) -> dt.timedelta:
    """How long to wait before the next try after ``attempts`` failed ones (exponential, capped)."""
    exponent = max(attempts - 1, 0)
    # min() on the exponent first keeps 2**exponent from growing without bound
    seconds = min(cap_seconds, base_seconds * 2 ** min(exponent, 32))
    return dt.timedelta(seconds=seconds)


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    return or_(
        and_(Job.status == JobStatus.QUEUED, Job.run_after <= now),
        and_(
            Job.status == JobStatus.RUNNING,
            Job.lease_expires_at < now,
            Job.attempts < Job.max_attempts,
        ),
    )


def _rowcount(result: Any) -> int:
    # Session.execute() is typed as returning Result; DML statements return a CursorResult.
    return cast(CursorResult[Any], result).rowcount


def fail_abandoned(session: Session, *, now: dt.datetime | None = None) -> int:
    """Give up on running jobs whose lease expired on their last allowed attempt.

    Without this, a job that kills its worker every time (out of memory, say) would be claimed
    again forever. Returns how many jobs were marked failed.
    """
    now = now or utcnow()
    result = session.execute(
        update(Job)
        .where(
            Job.status == JobStatus.RUNNING,
            Job.lease_expires_at < now,
            Job.attempts >= Job.max_attempts,
        )
        .values(
            status=JobStatus.FAILED,
            error="The worker stopped responding on the last allowed attempt (lease expired).",
            finished_at=now,
            updated_at=now,
            claim_token=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


def claim_next(
    session: Session,
    worker_id: str,
    lease_seconds: float,
    *,
    kinds: Collection[str] | None = None,
    now: dt.datetime | None = None,
) -> Job | None:
    """Claim the next runnable job for ``worker_id``, or return None when there is none.

    Runnable: queued and due, or running with an expired lease (its worker is presumed dead).
    Oldest due first. Only ``kinds`` are considered when given, so workers that know different
    handlers can share a queue. The caller commits at once, which also releases the row lock.

    On PostgreSQL the candidate row is locked with ``FOR UPDATE SKIP LOCKED`` so concurrent
    workers never wait for each other; elsewhere (SQLite) a compare-and-set update on the attempt
    counter decides which of two racing workers wins.
    """
    if lease_seconds <= 0:
        raise ValueError("lease_seconds must be positive")
    if kinds is not None and not kinds:
        return None
    now = now or utcnow()
    fail_abandoned(session, now=now)
    query = select(Job.id, Job.status, Job.attempts, Job.worker_id).where(_claimable(now))
    if kinds is not None:
        query = query.where(Job.kind.in_(sorted(kinds)))
    query = query.order_by(Job.run_after, Job.id)
    if session.get_bind().dialect.name == "postgresql":
        candidates = session.execute(
            query.limit(1).with_for_update(skip_locked=True)
        ).all()
    else:
        candidates = session.execute(query.limit(CLAIM_CANDIDATES)).all()
    for job_id, status, attempts, previous_worker in candidates:
        if _take(session, job_id=job_id, status=status, attempts=attempts,
                 previous_worker=previous_worker, worker_id=worker_id,
                 lease_seconds=lease_seconds, now=now):
            return get_job(session, job_id)
    return None


def _take(
    session: Session,
    *,
    job_id: int,
    status: JobStatus,
    attempts: int,
    previous_worker: str,
    worker_id: str,
    lease_seconds: float,
    now: dt.datetime,
) -> bool:
    values: dict[str, Any] = {
        "status": JobStatus.RUNNING,
        "attempts": attempts + 1,
        "claim_token": secrets.token_hex(16),
        "lease_expires_at": now + dt.timedelta(seconds=lease_seconds),
        "worker_id": worker_id[:128],
        "started_at": now,
        "updated_at": now,
    }
    if status == JobStatus.RUNNING:
        # The job is being taken from a worker that stopped renewing its lease: say so, so an
        # operator looking at a retried job sees why.
        values["error"] = f"Lease expired; worker {previous_worker} presumed dead."
    # Every claim increments ``attempts``, so an unchanged counter (with the job still claimable)
    # proves nobody claimed it since we read it.
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.attempts == attempts, _claimable(now))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def _fenced(job_id: int, token: str) -> tuple[ColumnElement[bool], ...]:
    return (Job.id == job_id, Job.claim_token == token, Job.status == JobStatus.RUNNING)


def heartbeat(
    session: Session,
    job_id: int,
    token: str,
    lease_seconds: float,
    *,
    now: dt.datetime | None = None,
) -> bool:
    """Extend the lease of a claimed job; False when the claim is no longer held."""
    now = now or utcnow()
    result = session.execute(
        update(Job)
        .where(*_fenced(job_id, token))
        .values(lease_expires_at=now + dt.timedelta(seconds=lease_seconds), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def report_progress(
    session: Session,
    job_id: int,
    token: str,
    progress: int,
    stage: str = "",
    *,
    now: dt.datetime | None = None,
) -> None:
    """Record how far a claimed job has got (0–100, clamped) and the stage it is in."""
    now = now or utcnow()
    result = session.execute(
        update(Job)
        .where(*_fenced(job_id, token))
        .values(progress=max(0, min(100, int(progress))), stage=stage[:64], updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        raise LeaseLost(job_id=job_id)


#: the stage a succeeded job shows
DONE_STAGE = "done"


def complete(
    session: Session, job_id: int, token: str, *, now: dt.datetime | None = None
) -> None:
    """Mark a claimed job succeeded; raises ``LeaseLost`` if the claim is no longer current.

    Call it in the same transaction as the job's own database changes: when it raises, rolling
    back discards them too, so a stale worker leaves no trace.
    """
    now = now or utcnow()
    result = session.execute(
        update(Job)
        .where(*_fenced(job_id, token))
        .values(
            status=JobStatus.SUCCEEDED,
            progress=100,
            stage=DONE_STAGE,
            error="",
            finished_at=now,
            updated_at=now,
            claim_token=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        raise LeaseLost(job_id=job_id)


def fail(
    session: Session,
    job_id: int,
    token: str,
    error: str,
    *,
    retry: bool = True,
    retry_base_seconds: float = DEFAULT_RETRY_BASE_SECONDS,
    retry_cap_seconds: float = DEFAULT_RETRY_CAP_SECONDS,
    now: dt.datetime | None = None,
) -> JobStatus:
    """Record a failed attempt of a claimed job; return its new status.

    The job goes back to the queue after a backoff delay while attempts remain and ``retry`` is
    true; otherwise it stays ``failed``. Either way ``error`` stays visible on the job. Raises
    ``LeaseLost`` if the claim is no longer current.
    """
    now = now or utcnow()
    row = session.execute(
        select(Job.attempts, Job.max_attempts).where(*_fenced(job_id, token))
    ).one_or_none()
    if row is None:
        raise LeaseLost(job_id=job_id)
    attempts, max_attempts = row
    values: dict[str, Any] = {
        "error": error[:MAX_ERROR_LENGTH],
        "updated_at": now,
        "claim_token": None,
        "lease_expires_at": None,
    }
    if retry and attempts < max_attempts:
        values["status"] = JobStatus.QUEUED
        values["run_after"] = now + retry_delay(attempts, retry_base_seconds, retry_cap_seconds)
    else:
        values["status"] = JobStatus.FAILED
        values["finished_at"] = now
    # The token check is repeated: the attempt counter read above is only ours if the claim is.
    result = session.execute(
        update(Job)
        .where(*_fenced(job_id, token))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        raise LeaseLost(job_id=job_id)
    return JobStatus(values["status"])


def release(
    session: Session, job_id: int, token: str, *, now: dt.datetime | None = None
) -> None:
    """Give a claimed job back to the queue unfinished (the worker is shutting down).

    The interrupted attempt is not counted against the job's limit: stopping a worker is not
    the job's fault. Raises ``LeaseLost`` if the claim is no longer current.
    """
    now = now or utcnow()
    result = session.execute(
        update(Job)
        .where(*_fenced(job_id, token))
        .values(
            status=JobStatus.QUEUED,
            attempts=Job.attempts - 1,
            run_after=now,
            updated_at=now,
            claim_token=None,
            lease_expires_at=None,
            stage="",
            progress=0,
        )
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        raise LeaseLost(job_id=job_id)
