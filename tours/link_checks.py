"""Keeping the link checks of published shops current: which addresses are due, recording a
result, and the self-scheduling ``check_shop_links`` job.

An address is due when it was never checked, when the shop shows another address than the
one checked, or when its check is older than the interval (or than the moment an editor asked
for a check of everything). The job checks a bounded batch, then queues itself again: at once
while more are due, else for when the oldest check expires — so it runs without any cron, and
at most one such job waits in the queue (like the panorama sweep in :mod:`tours.ingest`).

Like every service here these functions flush and never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from tours import jobs as job_service
from tours.freshness import LINK_FIELDS
from tours.link_checker import CheckResult
from tours.models import Job, JobStatus, LinkCheck, Shop, ShopStatus, utcnow

CHECK_LINKS_JOB = "check_shop_links"
#: the payload key of a job that checks everything checked before this moment (ISO 8601)
CHECKED_BEFORE = "checked_before"
DEFAULT_INTERVAL_HOURS = 24.0
DEFAULT_BATCH = 20


@dataclass(frozen=True)
class DueLink:
    shop_id: int
    field: str
    url: str


def due_links(session: Session, *, checked_before: dt.datetime, limit: int) -> list[DueLink]:
    """Addresses of published shops due for a check: never checked or changed since first,
    then the oldest checks."""
    found: list[tuple[bool, dt.datetime | None, int, str, str]] = []
    for name in LINK_FIELDS:
        column = getattr(Shop, name)
        check = aliased(LinkCheck)
        rows = session.execute(
            select(Shop.id, column, check.checked_at, check.url)
            .outerjoin(check, and_(check.shop_id == Shop.id, check.field == name))
            .where(Shop.status == ShopStatus.PUBLISHED, column.is_not(None), column != "",
                   or_(check.id.is_(None), check.url != column,
                       check.checked_at < checked_before))
            .order_by(check.checked_at.is_not(None), check.checked_at, Shop.id)
            .limit(limit))
        for shop_id, url, checked_at, checked_url in rows:
            fresh = checked_at is None or checked_url != url
            found.append((not fresh, None if fresh else checked_at, shop_id, name, url))
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    found.sort(key=lambda row: (row[0], row[1] or oldest, row[2], row[3]))
    return [DueLink(shop_id, name, url) for _, _, shop_id, name, url in found[:limit]]


def record_check(session: Session, link: DueLink, result: CheckResult, *,
                 now: dt.datetime | None = None) -> LinkCheck:
    """Store ``result`` as the latest check of the shop's address (one row per shop and
    field, replaced by every new check)."""
    now = now or utcnow()
    row = session.scalars(select(LinkCheck).where(
        LinkCheck.shop_id == link.shop_id, LinkCheck.field == link.field)).one_or_none()
    if row is None:
        row = LinkCheck(shop_id=link.shop_id, field=link.field)
        session.add(row)
    row.url = link.url
    row.outcome = result.outcome
    row.status_code = result.status_code
    row.detail = result.detail[:300]
    row.checked_at = now
    session.flush()
    return row


def next_expiry(session: Session, *, interval: dt.timedelta) -> dt.datetime | None:
    """When the oldest check of a published shop's current address expires (None: none)."""
    oldest = None
    for name in LINK_FIELDS:
        column = getattr(Shop, name)
        value = session.scalar(
            select(func.min(LinkCheck.checked_at)).join(Shop, LinkCheck.shop_id == Shop.id)
            .where(LinkCheck.field == name, LinkCheck.url == column,
                   Shop.status == ShopStatus.PUBLISHED))
        if value is not None and (oldest is None or value < oldest):
            oldest = value
    return None if oldest is None else oldest + interval


def _queued(session: Session, excluding_job: int | None) -> Job | None:
    return session.scalars(
        select(Job).where(Job.kind == CHECK_LINKS_JOB, Job.status == JobStatus.QUEUED,
                          Job.id != (excluding_job or 0)).order_by(Job.run_after, Job.id)
    ).first()


def schedule(session: Session, *, run_after: dt.datetime,
             payload: Mapping[str, Any] | None = None, excluding_job: int | None = None,
             max_attempts: int = job_service.DEFAULT_MAX_ATTEMPTS) -> Job:
    """Make sure a check job is queued to run no later than ``run_after`` (at most one is kept
    queued: a later one is moved forward, and given ``payload`` when one is named)."""
    pending = _queued(session, excluding_job)
    if pending is None:
        return job_service.enqueue(session, CHECK_LINKS_JOB, payload or {},
                                   run_after=run_after, max_attempts=max_attempts)
    pending.run_after = min(pending.run_after, run_after)
    if payload:
        merged = {**pending.payload, **payload}
        # two requests to check everything: the later moment covers the earlier one
        cutoffs = [_moment(p.get(CHECKED_BEFORE)) for p in (pending.payload, payload)]
        known = [moment for moment in cutoffs if moment is not None]
        if known:
            merged[CHECKED_BEFORE] = max(known).isoformat()
        pending.payload = merged
    session.flush()
    return pending


def _moment(raw: object) -> dt.datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def ensure_scheduled(session: Session, *, max_attempts: int = job_service.DEFAULT_MAX_ATTEMPTS,
                     now: dt.datetime | None = None) -> Job | None:
    """Queue a check job to run now unless one is queued already (it then keeps itself
    scheduled); returns the new job, or None."""
    if _queued(session, None) is not None:
        return None
    return job_service.enqueue(session, CHECK_LINKS_JOB, {}, run_after=now or utcnow(),
                               max_attempts=max_attempts)


def check_everything_now(session: Session, *,
                         max_attempts: int = job_service.DEFAULT_MAX_ATTEMPTS,
                         now: dt.datetime | None = None) -> Job:
    """An editor asks for every address to be checked again now."""
    now = now or utcnow()
    return schedule(session, run_after=now, payload={CHECKED_BEFORE: now.isoformat()},
                    max_attempts=max_attempts)


def checked_before(payload: Mapping[str, Any], *, interval: dt.timedelta,
                   now: dt.datetime) -> dt.datetime:
    """The moment before which a check counts as due for a job with ``payload``."""
    cutoff = now - interval
    asked = _moment(payload.get(CHECKED_BEFORE))
    return cutoff if asked is None else max(cutoff, min(asked, now))


def schedule_after_batch(session: Session, *, job: Job | None, more_due: bool,
                         payload: Mapping[str, Any], interval: dt.timedelta,
                         excluding_job: int | None, max_attempts: int,
                         now: dt.datetime | None = None) -> Job:
    """Queue the next run: at once (same payload) while addresses are still due, else when
    the oldest check expires (at the latest one interval from now)."""
    now = now or utcnow()
    if more_due:
        return schedule(session, run_after=now, payload=payload,
                        excluding_job=excluding_job, max_attempts=max_attempts)
    expiry = next_expiry(session, interval=interval)
    due = min(expiry, now + interval) if expiry is not None else now + interval
    return schedule(session, run_after=max(due, now), excluding_job=excluding_job,
                    max_attempts=max_attempts)
