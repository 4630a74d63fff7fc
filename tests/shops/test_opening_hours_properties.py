"""Opening hours against an independent, deliberately simple oracle (property-based).

The oracle restates the rules of docs/opening-hours.md in the plainest way it can and shares no
code with tours.opening_hours:

* the intervals of a local date are the special entry's covering it, else the weekday's; each
  one runs from its wall-clock start for its length in wall-clock minutes (overnight ones into
  the next day);
* at a UTC minute ``m`` the shop's clock has shown, at most, the wall time ``H(m)`` (the
  maximum over all minutes up to ``m``: the clock only goes back when DST ends). "A wall time
  stands for the first instant showing it or later" then means: the shop is open at ``m`` iff
  ``start <= H(m) < end`` for an interval of the local date of ``H(m)`` or the day before;
* closing and opening times are found by stepping minute by minute, at most
  ``ORACLE_DAYS`` ahead; beyond that the implementation may say anything later, or None.

Every run is the same: the settings below use ``derandomize=True`` (examples derived from the
test's own name, no example database), so CI never meets a new example by chance. Explore
further by raising ``max_examples`` locally.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tours.i18n import LANGUAGES
from tours.opening_hours import (
    clean_opening_hours,
    parse_osm,
    read_osm,
    status_at,
    to_osm,
    to_schema_org,
    to_schema_org_special,
)
from tours.validation import InvalidValue

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
#: moments are checked in the first CHECKED_DAYS of a timeline that runs ORACLE_DAYS further
CHECKED_DAYS = 1
ORACLE_DAYS = 7
MOST_CHECKS = 40
ZONES = ("Europe/Berlin", "America/Mexico_City", "America/Toronto", "Australia/Sydney",
         "Australia/Lord_Howe")
#: minutes of the day around which DST switches happen, plus midnight and late evening
INTERESTING_MINUTES = (0, 60, 90, 120, 135, 150, 165, 180, 210, 1320, 1410, 1439)

PROPERTIES = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


# --- the oracle -----------------------------------------------------------------------------

def clock_minutes(text: str) -> int:
    hours, minutes = text.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def wall_intervals(hours: dict[str, Any], day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The naive wall-clock [start, end) of the intervals starting on ``day``."""
    rows = [row for row in hours["weekly"] if row["day"] == day.isoweekday()]
    for entry in hours["special"]:
        if dt.date.fromisoformat(entry["from"]) <= day <= dt.date.fromisoformat(entry["to"]):
            rows = [] if entry.get("closed") else entry["intervals"]
            break
    midnight = dt.datetime(day.year, day.month, day.day)  # a wall time: no zone
    intervals = []
    for row in rows:
        opens, closes = clock_minutes(row["opens"]), clock_minutes(row["closes"])
        length = closes - opens if closes > opens else closes + 24 * 60 - opens
        start = midnight + dt.timedelta(minutes=opens)
        intervals.append((start, start + dt.timedelta(minutes=length)))
    return intervals


@dataclasses.dataclass(frozen=True)
class Expected:
    is_open: bool
    #: the next minute at which that changes, None when not before ``horizon``
    change: dt.datetime | None
    #: the first minute the oracle did not look at
    horizon: dt.datetime


@dataclasses.dataclass(frozen=True)
class Timeline:
    """Open or closed, minute by minute from the UTC minute ``first`` on."""

    first: dt.datetime
    states: list[bool]

    @property
    def horizon(self) -> dt.datetime:
        return self.first + len(self.states) * MINUTE

    def expected(self, now: dt.datetime) -> Expected:
        index = (now - self.first) // MINUTE
        for later in range(index + 1, len(self.states)):
            if self.states[later] != self.states[index]:
                return Expected(self.states[index], self.first + later * MINUTE, self.horizon)
        return Expected(self.states[index], None, self.horizon)

    def changes(self) -> list[dt.datetime]:
        return [self.first + index * MINUTE for index in range(1, len(self.states))
                if self.states[index] != self.states[index - 1]]


def oracle(hours: dict[str, Any], zone_name: str, start: dt.datetime, days: int) -> Timeline:
    """The shop's state for every minute of ``days`` days from the minute of ``start``."""
    zone = ZoneInfo(zone_name)

    def wall(minute: dt.datetime) -> dt.datetime:
        return minute.astimezone(zone).replace(tzinfo=None)

    @functools.cache
    def intervals(day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        return wall_intervals(hours, day)

    def is_open(shown: dt.datetime) -> bool:
        today = shown.date()
        return any(begin <= shown < end
                   for day in (today - dt.timedelta(days=1), today)
                   for begin, end in intervals(day))

    first = start.astimezone(UTC).replace(second=0, microsecond=0)
    shown = max(wall(first - step * MINUTE) for step in range(1, 24 * 60 + 1))
    states = []
    for step in range(days * 24 * 60):
        shown = max(shown, wall(first + step * MINUTE))
        states.append(is_open(shown))
    return Timeline(first, states)


# --- generated hours ------------------------------------------------------------------------

def find_transitions(zone_name: str, years: range) -> list[dt.datetime]:
    """The UTC minutes at which ``zone_name`` changes its offset in ``years`` (day by day, then
    halving to the minute)."""
    zone = ZoneInfo(zone_name)

    def offset(moment: dt.datetime) -> dt.timedelta | None:
        return moment.astimezone(zone).utcoffset()

    found = []
    day = dt.datetime(years.start, 1, 1, tzinfo=UTC)
    while day.year < years.stop:
        following = day + dt.timedelta(days=1)
        if offset(day) != offset(following):
            low, high = day, following
            while high - low > MINUTE:
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if offset(middle) == offset(low):
                    low = middle
                else:
                    high = middle
            found.append(high)
        day = following
    return found


TRANSITIONS = {zone: find_transitions(zone, range(2021, 2028)) for zone in ZONES}


@st.composite
def moments(draw: st.DrawFn) -> tuple[str, dt.datetime]:
    """A zone and an aware instant, mostly within hours or days of one of its DST switches."""
    zone = draw(st.sampled_from(ZONES))
    if draw(st.integers(0, 4)) and TRANSITIONS[zone]:
        base = draw(st.sampled_from(TRANSITIONS[zone]))
        minutes = draw(st.one_of(st.integers(-6 * 60, 6 * 60),
                                 st.integers(-3 * 24 * 60, 3 * 24 * 60)))
    else:
        base = dt.datetime(2021, 1, 1, tzinfo=UTC)
        minutes = draw(st.integers(0, 7 * 365 * 24 * 60))
    seconds = draw(st.sampled_from((0, 0, 0, 1, 30, 59)))
    return zone, base + dt.timedelta(minutes=minutes, seconds=seconds)


def minutes_of_day() -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from(INTERESTING_MINUTES),
                     st.integers(0, 24 * 4 - 1).map(lambda quarter: quarter * 15),
                     st.integers(0, 24 * 60 - 1))


@st.composite
def cyclic_intervals(draw: st.DrawFn, cycle_days: int, most: int) -> list[tuple[int, int]]:
    """Non-overlapping (start minute in the cycle, length) pairs on a cycle of ``cycle_days``
    days, each 1..1440 minutes long; some touch, some wrap round the end of the cycle."""
    count = draw(st.integers(0, most))
    points = sorted(draw(st.lists(
        st.builds(lambda day, minute: day * 24 * 60 + minute,
                  st.one_of(st.integers(0, cycle_days - 1),
                            st.sampled_from((5, 6) if cycle_days == 7 else (0,))),
                  minutes_of_day()),
        min_size=2 * count, max_size=2 * count)))
    cycle = cycle_days * 24 * 60
    turn = draw(st.sampled_from((0, 0, draw(st.integers(0, cycle - 1)))))
    spans = []
    for index in range(count):
        start, end = points[2 * index], points[2 * index + 1]
        length = min(end - start, 24 * 60)
        if length > 0:
            spans.append(((start + turn) % cycle, length))
    if draw(st.integers(0, 9)) == 0 and not spans:
        spans = [(draw(st.integers(0, cycle - 1)), 24 * 60)]
    return spans


def stored_times(start: int, length: int, midnight: str) -> dict[str, str]:
    """``{"opens", "closes"}`` of a span, writing midnight as ``midnight`` (00:00 or 24:00)."""
    end = (start + length) % (24 * 60)
    closes = midnight if end == 0 else f"{end // 60:02d}:{end % 60:02d}"
    return {"opens": f"{start // 60:02d}:{start % 60:02d}", "closes": closes}


reasons = st.dictionaries(st.sampled_from(LANGUAGES),
                          st.text(st.characters(categories=["L", "N", "Zs", "P"]), max_size=30),
                          max_size=2)


@st.composite
def special_entries(draw: st.DrawFn, around: dt.date, spread: int) -> list[dict[str, Any]]:
    """Up to three non-overlapping special entries starting within ``spread`` days of
    ``around``, closed or with their own (possibly overnight) intervals."""
    entries = []
    offset = draw(st.integers(-spread, spread))
    for _ in range(draw(st.integers(0, 3))):
        length = draw(st.integers(1, 3))
        first = around + dt.timedelta(days=offset)
        last = first + dt.timedelta(days=length - 1)
        midnight = draw(st.sampled_from(("00:00", "24:00")))
        spans = draw(cyclic_intervals(1, 3))
        entry: dict[str, Any] = {"from": first.isoformat(), "to": last.isoformat(),
                                 "reason": draw(reasons)}
        if spans:
            entry["intervals"] = [stored_times(start, span, midnight) for start, span in spans]
        else:
            entry["closed"] = True
        entries.append(entry)
        offset += length + draw(st.integers(0, 3))
    return entries


@st.composite
def opening_hours(draw: st.DrawFn, around: dt.date, spread: int = 3) -> dict[str, Any]:
    """Valid hours in their stored form (not necessarily normalised or sorted)."""
    if draw(st.integers(0, 14)) == 0:
        weekly_spans = [(day * 24 * 60, 24 * 60) for day in range(7)]  # around the clock
    else:
        weekly_spans = draw(cyclic_intervals(7, 8))
    midnight = draw(st.sampled_from(("00:00", "24:00")))
    weekly = [{"day": start // (24 * 60) + 1,
               **stored_times(start % (24 * 60), length, midnight)}
              for start, length in weekly_spans]
    weekly = draw(st.permutations(weekly))
    return {"weekly": list(weekly), "special": draw(special_entries(around, spread))}


@st.composite
def shops_at_a_moment(draw: st.DrawFn) -> tuple[dict[str, Any], str, dt.datetime]:
    zone, now = draw(moments())
    return draw(opening_hours(now.astimezone(ZoneInfo(zone)).date())), zone, now


@st.composite
def any_hours(draw: st.DrawFn) -> dict[str, Any]:
    day = draw(st.dates(dt.date(1900, 1, 10), dt.date(2999, 12, 1)))
    return draw(opening_hours(day, spread=20))


# --- properties -----------------------------------------------------------------------------

def in_utc(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def check_status(hours: dict[str, Any], zone: str, now: dt.datetime, expected: Expected
                 ) -> None:
    status = status_at(hours, zone, now)
    assert status.known
    assert status.is_open == expected.is_open, now
    change, other = ((status.closes_at, status.opens_at) if status.is_open
                     else (status.opens_at, status.closes_at))
    assert other is None
    if expected.change is not None:
        assert in_utc(change) == expected.change, now
    else:
        assert change is None or in_utc(change) >= expected.horizon, now
    for moment in (status.closes_at, status.opens_at):
        assert moment is None or moment.tzinfo == ZoneInfo(zone)


@PROPERTIES
@given(shops_at_a_moment())
def test_status_agrees_with_the_oracle(case: tuple[dict[str, Any], str, dt.datetime]):
    """At the drawn moment, and at and just before every change in the next days."""
    hours, zone, now = case
    timeline = oracle(hours, zone, now, CHECKED_DAYS + ORACLE_DAYS)
    last_checked = timeline.first + CHECKED_DAYS * 24 * 60 * MINUTE
    moments = {now}
    for change in timeline.changes():
        if change < last_checked:
            moments.update((change - MINUTE, change))
    for moment in sorted(moments)[:MOST_CHECKS]:
        check_status(hours, zone, moment, timeline.expected(moment))


def test_the_oracle_knows_the_rules():
    """The oracle itself, on the hand-written DST cases (so a wrong oracle cannot hide)."""
    berlin = "Europe/Berlin"
    bar = {"weekly": [{"day": 6, "opens": "22:00", "closes": "03:00"}], "special": []}
    spring = dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert oracle(bar, berlin, spring, 1).expected(spring) == Expected(
        True, dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC), spring + dt.timedelta(days=1))
    night = {"weekly": [{"day": 7, "opens": "01:00", "closes": "03:00"}], "special": []}
    autumn = dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert oracle(night, berlin, autumn, 1).changes() == [
        dt.datetime(2026, 10, 24, 23, 0, tzinfo=UTC), dt.datetime(2026, 10, 25, 2, 0, tzinfo=UTC)]
    holiday = {**bar, "special": [{"from": "2026-04-05", "to": "2026-04-05", "closed": True}]}
    easter = dt.datetime(2026, 4, 4, 23, 0, tzinfo=UTC)
    assert oracle(holiday, berlin, easter, 1).expected(easter).is_open


@PROPERTIES
@given(any_hours())
def test_generated_hours_are_valid_and_cleaning_is_stable(hours: dict[str, Any]):
    cleaned = clean_opening_hours(hours)
    assert clean_opening_hours(cleaned) == cleaned
    assert len(to_schema_org(cleaned)) == len(hours["weekly"])
    assert len(to_schema_org_special(cleaned)) == sum(
        len(entry.get("intervals", [])) or 1 for entry in hours["special"])


@PROPERTIES
@given(any_hours())
def test_osm_strings_read_back_to_the_same_hours(hours: dict[str, Any]):
    """Everything but the reasons (OSM has no place for them) survives the round trip."""
    cleaned = clean_opening_hours(hours)
    without_reasons = {**cleaned,
                       "special": [{**entry, "reason": {}} for entry in cleaned["special"]]}
    imported = read_osm(to_osm(cleaned))
    assert imported.hours == without_reasons
    assert imported.notes == ()


def outcome(function: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any
            ) -> dict[str, Any] | InvalidValue:
    """What ``function`` returns, or the InvalidValue it raises (any other error fails)."""
    try:
        return function(*args, **kwargs)
    except InvalidValue as error:
        return error


OSM_VOCABULARY = ("Mo", "Tu", "Fr", "Su", "PH", "SH", "Dec", "Feb", "2026", "9999", "0000", "24",
                  "29", "30", "1", "09:00", "24:00", "26:00", "48:00", "99:99", "24/7", "off",
                  "closed", "open", "-", "–", ",", ";", ":", " ", "  ", "+", '"', "||", "[1]",
                  "week", "sunrise", "\x00", "é", "\n")


@FUZZ
@given(st.one_of(st.text(max_size=200),
                 st.lists(st.sampled_from(OSM_VOCABULARY), max_size=30).map("".join),
                 st.lists(st.sampled_from(OSM_VOCABULARY), max_size=12).map(" ".join)))
def test_osm_garbage_never_crashes(text: str):
    result = outcome(parse_osm, text, today=dt.date(2026, 6, 1))
    if isinstance(result, InvalidValue):
        assert result.field == "opening_hours"
        assert str(result)
    else:
        assert clean_opening_hours(result) == result


JSON_KEYS = ("weekly", "special", "day", "opens", "closes", "from", "to", "closed", "intervals",
             "reason", "de")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 3000) | st.floats(allow_nan=True)
    | st.sampled_from(("09:00", "24:00", "00:00", "2026-12-24", "9999-12-31", "x", "")),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(JSON_KEYS) | st.text(max_size=3), inner, max_size=5),
    max_leaves=25)


@FUZZ
@given(json_values)
def test_any_json_is_cleaned_or_refused_clearly(value: Any):
    result = outcome(clean_opening_hours, value)
    if isinstance(result, InvalidValue):
        assert result.field.startswith("opening_hours")
        assert str(result)
    else:
        assert clean_opening_hours(result) == result
