"""The stored form of opening hours: cleaning editors' input, and reading it back in minutes.

The rules the form encodes are in the package docstring (``tours/opening_hours/__init__.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from tours.errors import N_
from tours.i18n import clean_translations
from tours.validation import InvalidValue, MissingValue

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
MAX_WEEKLY_INTERVALS = 50
MAX_SPECIAL_ENTRIES = 100
MAX_SPECIAL_INTERVALS = 10
MAX_SPECIAL_DAYS = 366
MAX_REASON_LENGTH = 120
MIN_YEAR = 1900
MAX_YEAR = 2999
MAX_TIME_ZONE_LENGTH = 64

_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::00)?")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*")
#: keys zoneinfo knows that are not IANA zones a shop can be in
_NOT_SHOP_ZONES = frozenset({"localtime", "Factory", "posixrules"})


class NotOpeningHours(InvalidValue):
    message = N_("Give the opening hours as weekly hours and special days.")


class MalformedEntry(InvalidValue):
    message = N_("This entry is not in the expected form.")


class UnknownKey(InvalidValue):
    message = N_("Unknown entry %(key)s.")


class TooManyEntries(InvalidValue):
    message = N_("Enter at most %(maximum)d entries.")


class InvalidTime(InvalidValue):
    message = N_("Enter a time as HH:MM from 00:00 to 23:59 (24:00 only as closing time).")


class InvalidWeekday(InvalidValue):
    message = N_("Choose a day of the week from 1 (Monday) to 7 (Sunday).")


class InvalidDate(InvalidValue):
    message = N_("Enter a date as YYYY-MM-DD between the years %(minimum)d and %(maximum)d.")


class NotAFlag(InvalidValue):
    message = N_("Choose yes or no.")


class ReversedDates(InvalidValue):
    message = N_("The last day must not be before the first day.")


class TooManyDays(InvalidValue):
    message = N_("Special hours may cover at most %(maximum)d days at once.")


class ClosedWithTimes(InvalidValue):
    message = N_("Days marked as closed cannot have opening times.")


class MissingTimes(InvalidValue):
    message = N_("Give opening times or mark the days as closed.")


class OverlappingTimes(InvalidValue):
    message = N_("These opening times overlap other opening times.")


class OverlappingDays(InvalidValue):
    message = N_("These special days overlap other special days.")


class UnknownTimeZone(InvalidValue):
    message = N_("Unknown time zone “%(zone)s”: use a name such as Europe/Berlin.")


#: one interval in minutes: (opens after midnight 0..1439, duration 1..1440)
Span = tuple[int, int]


def clean_time_zone(value: object, *, field: str = "time_zone") -> str:
    """An IANA time zone name the system's tz database knows (``Europe/Berlin``)."""
    if not isinstance(value, str):
        raise UnknownTimeZone(field=field, zone="")
    name = value.strip()
    if (len(name) > MAX_TIME_ZONE_LENGTH or not _TIME_ZONE.fullmatch(name)
            or name in _NOT_SHOP_ZONES or name not in _known_time_zones()):
        raise UnknownTimeZone(field=field, zone=name[:MAX_TIME_ZONE_LENGTH])
    return name


@functools.cache
def _known_time_zones() -> frozenset[str]:
    """zoneinfo's list, read once: scanning the tz database takes tens of milliseconds."""
    return frozenset(zoneinfo.available_timezones())


def clean_opening_hours(value: object, *, field: str = "opening_hours") -> dict[str, Any]:
    """The stored form of ``value`` (see the package docstring), sorted and normalised.

    None and ``{}`` mean "not known" and give ``{}``. Closing at midnight is stored as
    ``24:00``. Errors name the dotted path of the offending part in the input
    (``opening_hours.weekly.2.closes``); indexes count the entries as given, before sorting.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise NotOpeningHours(field=field)
    if not value:
        return {}
    _refuse_unknown_keys(value, ("weekly", "special"), field)
    weekly = _clean_weekly(value.get("weekly"), field=f"{field}.weekly")
    special = _clean_special(value.get("special"), field=f"{field}.special")
    return {"weekly": weekly, "special": special}


def _refuse_unknown_keys(value: Mapping[Any, Any], allowed: Sequence[str], field: str) -> None:
    for key in value:
        if key not in allowed:
            raise UnknownKey(field=field, key=str(key)[:40])


def _entries(value: object, *, field: str, maximum: int) -> list[Mapping[Any, Any]]:
    """A list of maps with at most ``maximum`` items (None is the empty list)."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise MalformedEntry(field=field)
    if len(value) > maximum:
        raise TooManyEntries(field=field, maximum=maximum)
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise MalformedEntry(field=f"{field}.{index}")
    return list(value)


def minutes_of(value: object, *, field: str, closing: bool) -> int:
    """Minutes after midnight of ``HH:MM`` (``HH:MM:00`` is accepted too); ``24:00`` only when
    ``closing``."""
    if value is None:
        raise MissingValue(field=field)
    match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise InvalidTime(field=field)
    hours, minutes = int(match[1]), int(match[2])
    if closing and (hours, minutes) == (24, 0):
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise InvalidTime(field=field)
    return hours * 60 + minutes


def span_of(entry: Mapping[Any, Any], *, field: str) -> Span:
    """The (opens, duration) of ``{"opens", "closes"}``: closing at or before the opening
    time runs into the next day, and equal times are 24 hours."""
    opens = minutes_of(entry.get("opens"), field=f"{field}.opens", closing=False)
    closes = minutes_of(entry.get("closes"), field=f"{field}.closes", closing=True)
    duration = closes - opens if closes > opens else closes + MINUTES_PER_DAY - opens
    return opens, duration


def clock(minutes: int) -> str:
    """``HH:MM`` of minutes after midnight (1440 is ``24:00``; up to 2880 for OSM's next-day
    times)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def closing_clock(span: Span) -> str:
    """The stored ``closes`` of a span: midnight is ``24:00``, never ``00:00``."""
    end = (span[0] + span[1]) % MINUTES_PER_DAY
    return "24:00" if end == 0 else clock(end)


def _first_overlap(starts: list[tuple[int, int, int]], cycle: int) -> int | None:
    """The input index of an interval overlapping another one, or None.

    ``starts`` holds (start, duration, index) on a repeating cycle of ``cycle`` minutes (a week
    for the weekly hours, a day for a special entry), so an interval wrapping round the end of
    the cycle is compared with the first one. The later of two entries is blamed.
    """
    if not starts:
        return None
    ordered = sorted(starts)
    first_start, _, first_index = ordered[0]
    for (start, duration, index), (next_start, _, next_index) in pairwise(
            [*ordered, (first_start + cycle, 0, first_index)]):
        if start + duration > next_start:
            return max(index, next_index)
    return None


def _clean_weekly(value: object, *, field: str) -> list[dict[str, Any]]:
    entries = _entries(value, field=field, maximum=MAX_WEEKLY_INTERVALS)
    rows: list[tuple[int, Span, int]] = []
    for index, entry in enumerate(entries):
        entry_field = f"{field}.{index}"
        _refuse_unknown_keys(entry, ("day", "opens", "closes"), entry_field)
        day = entry.get("day")
        if day is None:
            raise MissingValue(field=f"{entry_field}.day")
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 7:
            raise InvalidWeekday(field=f"{entry_field}.day")
        rows.append((day, span_of(entry, field=entry_field), index))
    overlap = _first_overlap(
        [((day - 1) * MINUTES_PER_DAY + span[0], span[1], index) for day, span, index in rows],
        MINUTES_PER_WEEK)
    if overlap is not None:
        raise OverlappingTimes(field=f"{field}.{overlap}")
    return [{"day": day, "opens": clock(span[0]), "closes": closing_clock(span)}
            for day, span, _ in sorted(rows)]


def _date(value: object, *, field: str) -> dt.date:
    if value is None:
        raise MissingValue(field=field)
    match = _DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3])) if match else None
    except ValueError:
        day = None
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InvalidDate(field=field, minimum=MIN_YEAR, maximum=MAX_YEAR)
    return day


def _clean_special_entry(entry: Mapping[Any, Any], *, field: str
                         ) -> tuple[dt.date, dt.date, tuple[Span, ...], dict[str, str]]:
    _refuse_unknown_keys(entry, ("from", "to", "closed", "intervals", "reason"), field)
    first = _date(entry.get("from"), field=f"{field}.from")
    last = first if entry.get("to") is None else _date(entry["to"], field=f"{field}.to")
    if last < first:
        raise ReversedDates(field=f"{field}.to")
    if (last - first).days >= MAX_SPECIAL_DAYS:
        raise TooManyDays(field=f"{field}.to", maximum=MAX_SPECIAL_DAYS)
    interval_field = f"{field}.intervals"
    intervals = _entries(entry.get("intervals"), field=interval_field,
                         maximum=MAX_SPECIAL_INTERVALS)
    closed = entry.get("closed", not intervals)
    if not isinstance(closed, bool):
        raise NotAFlag(field=f"{field}.closed")
    if closed and intervals:
        raise ClosedWithTimes(field=interval_field)
    if not closed and not intervals:
        raise MissingTimes(field=interval_field)
    spans = []
    for index, interval in enumerate(intervals):
        _refuse_unknown_keys(interval, ("opens", "closes"), f"{interval_field}.{index}")
        spans.append(span_of(interval, field=f"{interval_field}.{index}"))
    overlap = _first_overlap([(*span, index) for index, span in enumerate(spans)],
                             MINUTES_PER_DAY)
    if overlap is not None:
        raise OverlappingTimes(field=f"{interval_field}.{overlap}")
    reason = clean_translations(entry.get("reason"), field=f"{field}.reason",
                                max_length=MAX_REASON_LENGTH)
    return first, last, tuple(sorted(spans)), reason


def _clean_special(value: object, *, field: str) -> list[dict[str, Any]]:
    entries = _entries(value, field=field, maximum=MAX_SPECIAL_ENTRIES)
    cleaned = [(*_clean_special_entry(entry, field=f"{field}.{index}"), index)
               for index, entry in enumerate(entries)]
    cleaned.sort(key=lambda item: item[0])
    for earlier, later in pairwise(cleaned):
        if later[0] <= earlier[1]:
            raise OverlappingDays(field=f"{field}.{max(earlier[4], later[4])}")
    return [{"from": first.isoformat(), "to": last.isoformat(), "closed": not spans,
             "intervals": [{"opens": clock(span[0]), "closes": closing_clock(span)}
                           for span in spans],
             "reason": reason}
            for first, last, spans, reason, _ in cleaned]


@dataclasses.dataclass(frozen=True)
class Schedule:
    """The stored form in minutes, ready for looking up a date's intervals."""

    weekly: dict[int, tuple[Span, ...]]
    special: tuple[tuple[dt.date, dt.date, tuple[Span, ...]], ...]

    def spans_on(self, day: dt.date) -> tuple[Span, ...]:
        """The intervals starting on ``day``: a special entry's, else the weekday's."""
        for first, last, spans in self.special:
            if first <= day <= last:
                return spans
        return self.weekly.get(day.isoweekday(), ())


def schedule_of(stored: Mapping[str, Any]) -> Schedule:
    """The :class:`Schedule` of an already cleaned stored form (not ``{}``)."""
    weekly: dict[int, list[Span]] = {}
    for row in stored["weekly"]:
        weekly.setdefault(row["day"], []).append(span_of(row, field=""))
    special = tuple(
        (dt.date.fromisoformat(entry["from"]), dt.date.fromisoformat(entry["to"]),
         tuple(span_of(interval, field="") for interval in entry["intervals"]))
        for entry in stored["special"])
    return Schedule({day: tuple(spans) for day, spans in weekly.items()}, special)

