"""The job queue service (``tours.jobs``): claims, leases, fencing, retries, progress.

Time is passed explicitly (``now=``), so lease expiry and backoff are tested without waiting.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.extensions import db
from tours import jobs
from tours.models import Job, JobStatus

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
LEASE = 30.0


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def session(app_context) -> Session:
    return db.session


def queue(session: Session, count: int = 1, kind: str = "a", **options) -> list[int]:
    ids = [jobs.enqueue(session, kind, {"n": n}, now=options.pop("now", T0), **options).id
           for n in range(count)]
    session.commit()
    return ids


def claim(session: Session, worker: str = "w1", seconds: float = 0, **options) -> Job | None:
    job = jobs.claim_next(session, worker, LEASE, now=at(seconds), **options)
    session.commit()
    return job


def test_enqueue_belongs_to_the_callers_transaction(session):
    job = jobs.enqueue(session, "a", {"panorama": 7}, now=T0)
    assert job.id is not None
    assert job.status == JobStatus.QUEUED
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Job)) == 0
    jobs.enqueue(session, "a", {"panorama": 7}, now=T0)
    session.commit()
    stored = session.scalars(select(Job)).one()
    assert stored.payload == {"panorama": 7}
    assert (stored.attempts, stored.progress, stored.error) == (0, 0, "")


def test_claim_takes_the_oldest_due_job_and_sets_a_lease(session):
    later = queue(session, now=at(5))[0]
    first, second = queue(session, 2)
    queue(session, run_after=at(3600))
    job = claim(session, seconds=10)
    assert job is not None
    assert job.id == first
    assert job.status == JobStatus.RUNNING
    assert job.attempts == 1
    assert job.worker_id == "w1"
    assert job.started_at == at(10)
    assert job.lease_expires_at == at(10 + LEASE)
    assert job.claim_token
    assert [claim(session, seconds=10).id for _ in range(2)] == [second, later]
    assert claim(session, seconds=10) is None, "a job due in an hour is not claimed yet"
    assert claim(session, seconds=3601) is not None


def test_each_claim_gets_its_own_token(session):
    queue(session, 2)
    tokens = {claim(session).claim_token, claim(session).claim_token}
    assert len(tokens) == 2


def test_claim_only_considers_the_given_kinds(session):
    queue(session, kind="tile")
    mail = queue(session, kind="mail")[0]
    assert claim(session, kinds={"mail", "other"}).id == mail
    assert claim(session, kinds={"mail"}) is None
    assert claim(session, kinds=set()) is None
    assert claim(session).kind == "tile"


def test_heartbeat_extends_the_lease_while_the_claim_holds(session):
    queue(session)
    job = claim(session)
    assert jobs.heartbeat(session, job.id, job.claim_token, LEASE, now=at(20))
    session.commit()
    assert jobs.get_job(session, job.id).lease_expires_at == at(20 + LEASE)
    assert claim(session, "w2", seconds=LEASE + 1) is None, "the renewed lease still holds"
    assert not jobs.heartbeat(session, job.id, "not-the-token", LEASE, now=at(21))


def test_a_job_whose_lease_expired_is_claimed_again(session):
    queue(session)
    first = claim(session, "w1")
    token = first.claim_token
    assert claim(session, "w2", seconds=LEASE - 1) is None
    second = claim(session, "w2", seconds=LEASE + 1)
    assert second is not None
    assert second.id == first.id
    assert second.attempts == 2
    assert second.worker_id == "w2"
    assert second.claim_token != token
    assert "w1" in second.error, "the operator can see why the job was retried"


def test_a_stale_worker_cannot_record_anything(session):
    queue(session)
    stale = claim(session, "w1")
    stale_token = stale.claim_token
    fresh = claim(session, "w2", seconds=LEASE + 1)
    with pytest.raises(jobs.LeaseLost):
        jobs.complete(session, stale.id, stale_token, now=at(40))
    with pytest.raises(jobs.LeaseLost):
        jobs.fail(session, stale.id, stale_token, "boom", now=at(40))
    with pytest.raises(jobs.LeaseLost):
        jobs.report_progress(session, stale.id, stale_token, 80, "late", now=at(40))
    with pytest.raises(jobs.LeaseLost):
        jobs.release(session, stale.id, stale_token, now=at(40))
    assert not jobs.heartbeat(session, stale.id, stale_token, LEASE, now=at(40))
    session.rollback()
    job = jobs.get_job(session, stale.id)
    assert (job.status, job.worker_id, job.progress) == (JobStatus.RUNNING, "w2", 0)
    jobs.complete(session, fresh.id, fresh.claim_token, now=at(45))
    session.commit()
    assert jobs.get_job(session, fresh.id).status == JobStatus.SUCCEEDED
    with pytest.raises(jobs.LeaseLost):
        jobs.complete(session, fresh.id, fresh.claim_token, now=at(46))


def test_complete_records_success(session):
    queue(session)
    job = claim(session)
    jobs.complete(session, job.id, job.claim_token, now=at(12))
    session.commit()
    done = jobs.get_job(session, job.id)
    assert done.status == JobStatus.SUCCEEDED
    assert (done.progress, done.finished_at, done.claim_token) == (100, at(12), None)
    assert claim(session, seconds=LEASE * 10) is None


def test_progress_is_recorded_and_clamped(session):
    queue(session)
    job = claim(session)
    jobs.report_progress(session, job.id, job.claim_token, 42, "tiling level 3", now=at(1))
    session.commit()
    stored = jobs.get_job(session, job.id)
    assert (stored.progress, stored.stage) == (42, "tiling level 3")
    jobs.report_progress(session, job.id, job.claim_token, 140, "x" * 100, now=at(2))
    session.commit()
    stored = jobs.get_job(session, job.id)
    assert (stored.progress, len(stored.stage)) == (100, 64)


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 10), (2, 20), (3, 40), (6, 320), (7, 600), (100, 600)]
)
def test_retry_delay_doubles_up_to_the_cap(attempts, seconds):
    assert jobs.retry_delay(attempts, base_seconds=10, cap_seconds=600) == dt.timedelta(
        seconds=seconds
    )


def test_failures_retry_with_backoff_then_stay_failed_with_the_error(session):
    job_id = queue(session, max_attempts=3)[0]
    now = 0.0
    for attempt, delay in ((1, 10), (2, 20)):
        job = claim(session, seconds=now)
        assert (job.id, job.attempts) == (job_id, attempt)
        status = jobs.fail(session, job.id, job.claim_token, f"boom {attempt}", now=at(now),
                           retry_base_seconds=10)
        session.commit()
        assert status == JobStatus.QUEUED
        stored = jobs.get_job(session, job_id)
        assert stored.run_after == at(now + delay)
        assert stored.error == f"boom {attempt}"
        assert claim(session, seconds=now + delay - 1) is None, "backoff is respected"
        now += delay
    job = claim(session, seconds=now)
    status = jobs.fail(session, job.id, job.claim_token, "boom 3", now=at(now))
    session.commit()
    assert status == JobStatus.FAILED
    stored = jobs.get_job(session, job_id)
    assert (stored.status, stored.attempts, stored.error) == (JobStatus.FAILED, 3, "boom 3")
    assert stored.finished_at == at(now)
    assert claim(session, seconds=now + 10_000) is None


def test_a_permanent_failure_is_not_retried(session):
    queue(session, max_attempts=5)
    job = claim(session)
    assert jobs.fail(session, job.id, job.claim_token, "corrupt image", retry=False,
                     now=at(1)) == JobStatus.FAILED
    session.commit()
    assert claim(session, seconds=10_000) is None


def test_a_long_error_is_shortened(session):
    queue(session, max_attempts=1)
    job = claim(session)
    jobs.fail(session, job.id, job.claim_token, "e" * 10_000, now=at(1))
    session.commit()
    assert len(jobs.get_job(session, job.id).error) == jobs.MAX_ERROR_LENGTH


def test_release_returns_the_job_without_counting_the_attempt(session):
    queue(session)
    job = claim(session, "w1")
    token = job.claim_token
    jobs.report_progress(session, job.id, token, 50, "half", now=at(1))
    jobs.release(session, job.id, token, now=at(2))
    session.commit()
    stored = jobs.get_job(session, job.id)
    assert (stored.status, stored.attempts, stored.claim_token) == (JobStatus.QUEUED, 0, None)
    assert (stored.progress, stored.stage, stored.run_after) == (0, "", at(2))
    with pytest.raises(jobs.LeaseLost):
        jobs.complete(session, job.id, token, now=at(3))
    session.rollback()
    again = claim(session, "w2", seconds=3)
    assert (again.id, again.attempts) == (job.id, 1)


def test_a_job_abandoned_on_its_last_attempt_fails_instead_of_looping(session):
    queue(session, max_attempts=2)
    claim(session, "w1")
    assert claim(session, "w2", seconds=LEASE + 1).attempts == 2
    assert claim(session, "w3", seconds=3 * LEASE) is None
    stored = session.scalars(select(Job)).one()
    assert stored.status == JobStatus.FAILED
    assert "lease expired" in stored.error
    assert stored.claim_token is None


def test_concurrent_claimers_never_share_a_job(app):
    """Threads with their own sessions race for 60 jobs: each job is claimed exactly once."""
    with app.app_context():
        queue(db.session, 60)
        engine = db.engine

    def claimer(name: str) -> list[int]:
        claimed: list[int] = []
        for _ in range(200):
            with Session(engine) as own:
                job = jobs.claim_next(own, name, LEASE, now=at(1))
                job_id = None if job is None else job.id
                own.commit()
            if job_id is None:
                break
            claimed.append(job_id)
        return claimed

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(claimer, f"w{n}") for n in range(4)]
        claimed = [job_id for future in futures for job_id in future.result(timeout=60)]
    assert len(claimed) == 60
    assert len(set(claimed)) == 60
