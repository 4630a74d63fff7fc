"""Visitor statistics: adding up counts per day, and reading them back for the dashboards.

What is stored is only how often something happened to a subject on a day
(:class:`tours.models.DailyCount`); nothing tells visitors apart. Days are the city's calendar
days: the caller says which day an event belongs to (:func:`city_day`).

Adding is an upsert that increments (``INSERT … ON CONFLICT DO UPDATE SET count = count +
excluded.count``), so any number of processes may add to the same row at once and the result
is the exact sum: PostgreSQL and SQLite both take the row's lock (SQLite the database's) for
the update, never a read-then-write in the application. Rows are written in key order so that
two flushes on PostgreSQL lock shared rows in the same order and cannot deadlock.

Reading joins every count to its subject: counts of a subject that does not exist (deleted
since, or an id a beacon made up — the endpoint does not look subjects up) are never shown.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tours.errors import N_
from tours.models import DailyCount, Hotspot, Scene, Shop, StatEvent, Tour
from tours.validation import InvalidValue

#: what each event's ``subject_id`` names
SUBJECT_TYPES: dict[StatEvent, str] = {
    StatEvent.TOUR_VIEW: "tour",
    StatEvent.SCENE_VIEW: "scene",
    StatEvent.HOTSPOT_OPEN: "hotspot",
    StatEvent.CARD_OPEN: "shop",
    StatEvent.WEBSITE_CLICK: "shop",
    StatEvent.ONLINE_SHOP_CLICK: "shop",
    StatEvent.ROUTE_REQUEST: "shop",
}
#: what a shop's owners see: events about the shop itself, plus opens of its hotspots
SHOP_EVENTS = (StatEvent.CARD_OPEN, StatEvent.WEBSITE_CLICK, StatEvent.ONLINE_SHOP_CLICK,
               StatEvent.ROUTE_REQUEST, StatEvent.HOTSPOT_OPEN)
#: the largest id a subject can have (the column is a 32-bit integer)
MAX_SUBJECT_ID = 2**31 - 1
#: the longest period a dashboard or export covers (two years and a leap day)
MAX_PERIOD_DAYS = 731
#: rows per INSERT statement: 4 parameters each stays far below SQLite's variable limit
ROWS_PER_STATEMENT = 500

#: ``(day, event, subject_id)``
CountKey = tuple[dt.date, str, int]


class InvalidPeriod(InvalidValue):
    message = N_("Enter a start date on or before the end date, at most %(days)d days apart.")


@dataclass(frozen=True)
class Period:
    """Calendar days ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=offset)
                for offset in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class DayTotal:
    day: dt.date
    event: StatEvent
    count: int


@dataclass
class SubjectTotal:
    """One subject's counts in a period, per event; ``name`` is its translations."""

    subject_type: str
    subject_id: int
    name: Mapping[str, str]
    counts: dict[StatEvent, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class CountRow:
    """A stored count with what its subject is called (for the CSV export)."""

    day: dt.date
    event: StatEvent
    subject_type: str
    subject_id: int
    name: Mapping[str, str]
    count: int


# --- days -----------------------------------------------------------------------------------


def city_day(time_zone: str, now: dt.datetime) -> dt.date:
    """The city's calendar day at the aware moment ``now``."""
    return now.astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def clean_period(start: dt.date | None, end: dt.date | None, *, today: dt.date,
                 default_days: int = 30) -> Period:
    """The period a dashboard shows: the last ``default_days`` days up to ``today`` unless
    given; a start after the end or a period longer than :data:`MAX_PERIOD_DAYS` is refused."""
    end = end or (today if start is None else min(today, start + dt.timedelta(
        days=default_days - 1)))
    start = start or end - dt.timedelta(days=default_days - 1)
    if start > end:
        raise InvalidPeriod(field="from", days=MAX_PERIOD_DAYS)
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidPeriod(field="to", days=MAX_PERIOD_DAYS)
    return Period(start, end)


# --- adding ---------------------------------------------------------------------------------


def _dialect_insert(session: Session) -> Any:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"visitor counts need PostgreSQL or SQLite, not {name}")


def add_counts(session: Session, counts: Mapping[CountKey, int]) -> int:
    """Add ``counts`` (``(day, event, subject_id) → n``) to the stored ones; returns how many
    rows were written. Zero and negative numbers are left out. Flushes nothing else and does
    not commit: the caller's transaction makes the whole batch count, or none of it."""
    rows = sorted((day, str(event), subject_id, n)
                  for (day, event, subject_id), n in counts.items() if n > 0)
    if not rows:
        return 0
    insert = _dialect_insert(session)
    for first in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[first:first + ROWS_PER_STATEMENT]
        statement = insert(DailyCount).values([
            {"day": day, "event": event, "subject_id": subject_id, "count": n}
            for day, event, subject_id, n in chunk])
        statement = statement.on_conflict_do_update(
            index_elements=[DailyCount.day, DailyCount.event, DailyCount.subject_id],
            set_={"count": DailyCount.count + statement.excluded.count})
        session.execute(statement)
    return len(rows)


# --- reading --------------------------------------------------------------------------------


def _in_period(period: Period) -> ColumnElement[bool]:
    return and_(DailyCount.day >= period.start, DailyCount.day <= period.end)


def _events_of(subject_type: str) -> list[str]:
    return [event.value for event, kind in SUBJECT_TYPES.items() if kind == subject_type]


_MODELS: dict[str, Any] = {"tour": Tour, "scene": Scene, "hotspot": Hotspot, "shop": Shop}


def daily_totals(session: Session, period: Period) -> list[DayTotal]:
    """Every event's city-wide count per day (only days with counts; existing subjects)."""
    totals: list[DayTotal] = []
    for subject_type, model in _MODELS.items():
        query = (select(DailyCount.day, DailyCount.event, func.sum(DailyCount.count))
                 .where(_in_period(period), DailyCount.event.in_(_events_of(subject_type)),
                        DailyCount.subject_id.in_(select(model.id)))
                 .group_by(DailyCount.day, DailyCount.event))
        totals += [DayTotal(day, StatEvent(event), int(count))
                   for day, event, count in session.execute(query)]
    return sorted(totals, key=lambda total: (total.day, total.event.value))


def _names(session: Session, subject_type: str, ids: Iterable[int]) -> dict[int, Any]:
    """The translations each existing subject of ``ids`` is called by (JSON columns cannot
    be grouped by on PostgreSQL, so names are read after the sums)."""
    model = _MODELS[subject_type]
    column = {"tour": Tour.title, "scene": Scene.title, "shop": Shop.name}[subject_type]
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return dict(session.execute(select(model.id, column).where(model.id.in_(wanted))).all())


def _subject_totals(session: Session, subject_type: str, query: Select[Any]
                    ) -> dict[int, SubjectTotal]:
    """``query`` yields (subject id, event, count) of existing subjects; gathered per
    subject, with its name."""
    sums = session.execute(query).all()
    names = _names(session, subject_type, (subject_id for subject_id, _event, _count in sums))
    found: dict[int, SubjectTotal] = {}
    for subject_id, event, count in sums:
        entry = found.setdefault(subject_id, SubjectTotal(subject_type, subject_id,
                                                          dict(names.get(subject_id) or {})))
        entry.counts[StatEvent(event)] = entry.counts.get(StatEvent(event), 0) + int(count)
    return found


def _ranked(entries: Iterable[SubjectTotal], limit: int) -> list[SubjectTotal]:
    return sorted(entries, key=lambda entry: (-entry.total, entry.subject_id))[:limit]


def _viewed(model: Any, event: StatEvent, period: Period) -> Select[Any]:
    return (select(DailyCount.subject_id, DailyCount.event, func.sum(DailyCount.count))
            .join(model, model.id == DailyCount.subject_id)
            .where(_in_period(period), DailyCount.event == event.value)
            .group_by(DailyCount.subject_id, DailyCount.event))


def top_tours(session: Session, period: Period, limit: int = 10) -> list[SubjectTotal]:
    """The most viewed tours in ``period``."""
    query = _viewed(Tour, StatEvent.TOUR_VIEW, period)
    return _ranked(_subject_totals(session, "tour", query).values(), limit)


def top_scenes(session: Session, period: Period, limit: int = 10) -> list[SubjectTotal]:
    """The most viewed scenes in ``period``."""
    query = _viewed(Scene, StatEvent.SCENE_VIEW, period)
    return _ranked(_subject_totals(session, "scene", query).values(), limit)


def _shop_counts(session: Session, period: Period, shop_id: int | None
                 ) -> dict[int, SubjectTotal]:
    """Per shop: its own events, and the opens of the hotspots that show it."""
    own = (select(DailyCount.subject_id, DailyCount.event, func.sum(DailyCount.count))
           .join(Shop, Shop.id == DailyCount.subject_id)
           .where(_in_period(period), DailyCount.event.in_(_events_of("shop")))
           .group_by(DailyCount.subject_id, DailyCount.event))
    hotspots = (select(Hotspot.shop_id, DailyCount.event, func.sum(DailyCount.count))
                .join(Hotspot, Hotspot.id == DailyCount.subject_id)
                .where(_in_period(period), DailyCount.event == StatEvent.HOTSPOT_OPEN.value,
                       Hotspot.shop_id.is_not(None))
                .group_by(Hotspot.shop_id, DailyCount.event))
    if shop_id is not None:
        own = own.where(DailyCount.subject_id == shop_id)
        hotspots = hotspots.where(Hotspot.shop_id == shop_id)
    found = _subject_totals(session, "shop", own)
    for subject_id, entry in _subject_totals(session, "shop", hotspots).items():
        target = found.setdefault(subject_id, SubjectTotal("shop", subject_id, entry.name))
        for event, count in entry.counts.items():
            target.counts[event] = target.counts.get(event, 0) + count
    return found


def top_shops(session: Session, period: Period, limit: int = 10) -> list[SubjectTotal]:
    """The shops visitors met most in ``period`` (all of :data:`SHOP_EVENTS` added up)."""
    return _ranked(_shop_counts(session, period, None).values(), limit)


def shop_totals(session: Session, shop_id: int, period: Period) -> dict[StatEvent, int]:
    """One shop's count per event of :data:`SHOP_EVENTS` in ``period`` (zero included)."""
    entry = _shop_counts(session, period, shop_id).get(shop_id)
    return {event: (entry.counts.get(event, 0) if entry else 0) for event in SHOP_EVENTS}


def _shop_hotspot_ids(shop_id: int) -> Select[Any]:
    return select(Hotspot.id).where(Hotspot.shop_id == shop_id)


def _of_shop(shop_id: int) -> ColumnElement[bool]:
    """The counts that belong to a shop's numbers."""
    return ((DailyCount.event.in_(_events_of("shop")) & (DailyCount.subject_id == shop_id))
            | ((DailyCount.event == StatEvent.HOTSPOT_OPEN.value)
               & DailyCount.subject_id.in_(_shop_hotspot_ids(shop_id))))


def shop_daily(session: Session, shop_id: int, period: Period) -> list[DayTotal]:
    """One shop's count per day and event (only days with counts)."""
    query = (select(DailyCount.day, DailyCount.event, func.sum(DailyCount.count))
             .where(_in_period(period), _of_shop(shop_id))
             .group_by(DailyCount.day, DailyCount.event)
             .order_by(DailyCount.day, DailyCount.event))
    return [DayTotal(day, StatEvent(event), int(count))
            for day, event, count in session.execute(query)]


def count_rows(session: Session, period: Period, shop_id: int | None = None
               ) -> list[CountRow]:
    """Every stored count in ``period`` whose subject exists, with the subject's name, by day,
    event and subject; with ``shop_id`` only that shop's (its events and its hotspots')."""
    found: list[CountRow] = []
    name_columns: dict[str, Any] = {"tour": Tour.title, "scene": Scene.title,
                                    "hotspot": Hotspot.label, "shop": Shop.name}
    for subject_type, model in _MODELS.items():
        query = (select(DailyCount.day, DailyCount.event, DailyCount.subject_id,
                        DailyCount.count, name_columns[subject_type])
                 .join(model, model.id == DailyCount.subject_id)
                 .where(_in_period(period), DailyCount.event.in_(_events_of(subject_type))))
        if subject_type == "hotspot":
            # a shop's hotspot without a label of its own is called by the shop's name
            query = (query.add_columns(Shop.name)
                     .outerjoin(Shop, Shop.id == Hotspot.shop_id))
        if shop_id is not None:
            query = query.where(_of_shop(shop_id))
        for day, event, subject_id, count, name, *shop_name in session.execute(query):
            label = name or (shop_name[0] if shop_name else None) or {}
            found.append(CountRow(day, StatEvent(event), subject_type, subject_id, dict(label),
                                  int(count)))
    return sorted(found, key=lambda row: (row.day, row.event.value, row.subject_id))


def per_day(totals: Iterable[DayTotal], period: Period) -> dict[StatEvent, list[int]]:
    """``{event: [count of each day of period]}`` for every event, zeros filled in."""
    index = {day: position for position, day in enumerate(period.days)}
    series = {event: [0] * len(index) for event in StatEvent}
    for total in totals:
        if total.day in index:
            series[total.event][index[total.day]] += total.count
    return series
