"""Whether a shop is open at a given moment, and when that changes.

Wall-clock times become instants by :func:`wall_time_instant` (the rule for skipped and repeated
times is in the package docstring).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from tours.opening_hours.stored import (
    Schedule,
    clean_opening_hours,
    clean_time_zone,
    schedule_of,
)

#: an open shop whose hours run on without a break for this long is "open around the clock"
OPEN_HORIZON = dt.timedelta(days=14)
#: a closed shop that does not open within this many local days "does not open soon"
OPENING_HORIZON_DAYS = 366


@dataclasses.dataclass(frozen=True)
class OpeningStatus:
    """Whether a shop is open at a moment, and when that changes.

    ``closes_at`` (when open) is None when the shop stays open for at least
    :data:`OPEN_HORIZON` without a break; ``opens_at`` (when closed) is None when it does not
    open within :data:`OPENING_HORIZON_DAYS` days. ``known`` is False when the shop gave no
    hours at all: then it is neither open nor closed.

    The datetimes are in the shop's zone. Compare them through ``astimezone(UTC)``: Python
    never finds a time of the repeated hour equal to a datetime of another zone.
    """

    is_open: bool
    closes_at: dt.datetime | None
    opens_at: dt.datetime | None
    known: bool = True


def wall_time_instant(zone: dt.tzinfo, wall: dt.datetime) -> dt.datetime:
    """The first instant (in UTC) at which a clock in ``zone`` shows ``wall`` (naive) or later.

    For most times that is simply the time; for a time that occurs twice it is the first
    occurrence (``fold=0``); for a time the clocks skip it is the moment of the jump.
    """
    first = wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
    if first <= second:
        return first
    # In a gap fold=0 reads the time with the offset from before the jump and fold=1 with the
    # one after; the jump lies between the two readings (at most the gap's length apart).
    before, after = int(second.timestamp()), int(first.timestamp())
    while after - before > 1:  # halves a gap of hours in a dozen steps
        middle = (before + after) // 2
        shown = dt.datetime.fromtimestamp(middle, zone).replace(tzinfo=None)
        if shown >= wall:
            after = middle
        else:
            before = middle
    return dt.datetime.fromtimestamp(after, dt.UTC)


def _openings(schedule: Schedule, zone: dt.tzinfo, first: dt.date, last: dt.date
              ) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The real [start, end) instants of the intervals starting on ``first``..``last``, in
    order of their start; intervals that last no time (wholly skipped by the clocks) are left
    out."""
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        midnight = dt.datetime.combine(day, dt.time())
        for opens, duration in schedule.spans_on(day):
            start = wall_time_instant(zone, midnight + dt.timedelta(minutes=opens))
            end = wall_time_instant(zone, midnight + dt.timedelta(minutes=opens + duration))
            if start < end:
                yield start, end


def _open_until(openings: Iterable[tuple[dt.datetime, dt.datetime]], now: dt.datetime
                ) -> tuple[bool, dt.datetime | None]:
    """(is open, when it closes) from ``openings`` sorted by start, merging intervals that
    overlap or touch; the closing time is None once it lies :data:`OPEN_HORIZON` ahead."""
    closes: dt.datetime | None = None
    for start, end in openings:
        if closes is None:
            if start > now:
                return False, None
            if end > now:
                closes = end
        elif start > closes:
            break
        else:
            closes = max(closes, end)
        if closes is not None and closes >= now + OPEN_HORIZON:
            return True, None
    return closes is not None, closes


def status_at(hours: Mapping[str, Any] | None, time_zone: str, now: dt.datetime
              ) -> OpeningStatus:
    """Whether a shop with ``hours`` in ``time_zone`` is open at ``now`` (aware), and when
    that changes, as aware datetimes in the shop's zone (rules in the package docstring)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    zone = zoneinfo.ZoneInfo(clean_time_zone(time_zone))
    stored = clean_opening_hours(hours)
    if not stored:
        return OpeningStatus(is_open=False, closes_at=None, opens_at=None, known=False)
    schedule = schedule_of(stored)
    instant = now.astimezone(dt.UTC)
    today = instant.astimezone(zone).date()
    if not dt.MINYEAR < today.year < dt.MAXYEAR - 1:
        raise ValueError("now lies outside the years opening hours can be evaluated for")
    is_open, closes = _open_until(
        _openings(schedule, zone, today - dt.timedelta(days=2),
                  today + OPEN_HORIZON + dt.timedelta(days=2)),
        instant)
    if is_open:
        return OpeningStatus(is_open=True, opens_at=None,
                             closes_at=closes.astimezone(zone) if closes else None)
    upcoming = (start for start, _ in _openings(
        schedule, zone, today - dt.timedelta(days=1),
        today + dt.timedelta(days=OPENING_HORIZON_DAYS)) if start > instant)
    opens = next(upcoming, None)
    return OpeningStatus(is_open=False, closes_at=None,
                         opens_at=opens.astimezone(zone) if opens else None)
