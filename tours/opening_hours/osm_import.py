"""Reading OSM ``opening_hours`` strings (the common subset in docs/opening-hours.md) into the
stored form, for imports of OSM-style data.

OSM's own rule applies: a later rule replaces earlier ones for the days it selects, so a
weekday rule after a date rule wins on the dates of that weekday. Holiday rules need a holiday
calendar and are left out with a note; so is anything the stored form cannot hold.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from tours.errors import N_
from tours.opening_hours.exports import OSM_DAYS, OSM_MONTHS
from tours.opening_hours.stored import (
    MAX_SPECIAL_DAYS,
    MAX_YEAR,
    MIN_YEAR,
    MINUTES_PER_DAY,
    ReversedDates,
    Span,
    TooManyDays,
    TooManyEntries,
    clean_opening_hours,
    clock,
    closing_clock,
)
from tours.validation import InvalidValue, NotText, TextTooLong

#: OSM strings longer than this are refused before parsing (to_osm's longest output is ~17 000)
MAX_OSM_LENGTH = 20_000
MAX_OSM_RULES = 250


class UnsupportedOsmSyntax(InvalidValue):
    message = N_("This opening_hours value uses syntax Flaneur does not understand: %(part)s")


class InvalidOsmDate(InvalidValue):
    message = N_("This opening_hours value names a date that does not exist: %(part)s")


@dataclasses.dataclass(frozen=True)
class OsmNote:
    """Something an import could not take over as written; ``message`` is marked with N_."""

    message: str
    params: Mapping[str, str]

    def __str__(self) -> str:
        return self.message % dict(self.params)


@dataclasses.dataclass(frozen=True)
class OsmImport:
    """The stored form read from an OSM string, and what was left out or changed."""

    hours: dict[str, Any]
    notes: tuple[OsmNote, ...]


HOLIDAYS_SKIPPED = N_("Public and school holidays (PH, SH) cannot be imported and were left "
                      "out: %(rule)s")
YEARS_ADDED = N_("Dates without a year were imported for %(years)s only: %(rule)s")

_OSM_SPACE = re.compile(r"\s*")
_OSM_TOKEN = re.compile(r"""(?:
     (?P<always>24/7)
    |(?P<time>[0-9]{1,2}:[0-9]{2})(?![0-9:])
    |(?P<year>[0-9]{4})(?![0-9:])
    |(?P<number>[0-9]{1,2})(?![0-9:])
    |(?P<word>[A-Za-z]+)
    |(?P<punct>[-,:])
    )""", re.VERBOSE)
_OSM_DASHES = str.maketrans("–—−", "---")
_OSM_WEEKDAYS = {name.lower(): index + 1 for index, name in enumerate(OSM_DAYS)}
_OSM_MONTHS = {name.lower(): index + 1 for index, name in enumerate(OSM_MONTHS)}
_OSM_HOLIDAYS = frozenset({"ph", "sh"})
_OSM_OFF = frozenset({"off", "closed"})
_OSM_OPEN = "open"


@dataclasses.dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


@dataclasses.dataclass(frozen=True)
class _MonthDay:
    year: int | None
    month: int
    day: int


@dataclasses.dataclass
class _OsmRule:
    """One rule: which days (weekdays, or date ranges) and their times (empty: off)."""

    text: str
    weekdays: frozenset[int] = frozenset()
    dates: list[tuple[_MonthDay, _MonthDay]] = dataclasses.field(default_factory=list)
    spans: tuple[Span, ...] = ()
    holidays: bool = False


class _OsmRuleParser:
    """Recursive descent over one rule's tokens (the grammar is in docs/opening-hours.md)."""

    def __init__(self, text: str, field: str) -> None:
        self.text = text
        self.field = field
        self.tokens = self._tokenize(text)
        self.position = 0

    def _tokenize(self, text: str) -> list[_Token]:
        tokens = []
        position = _OSM_SPACE.match(text).end()
        while position < len(text):
            match = _OSM_TOKEN.match(text, position)
            if match is None or match.lastgroup is None:
                raise self._unsupported(text[position:])
            tokens.append(_Token(match.lastgroup, match[0], position))
            position = _OSM_SPACE.match(text, match.end()).end()
        return tokens

    def _unsupported(self, part: str) -> UnsupportedOsmSyntax:
        return UnsupportedOsmSyntax(field=self.field, part=_excerpt(part))

    def _peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _next(self, *kinds: str) -> _Token:
        token = self._peek()
        if token is None or token.kind not in kinds:
            raise self._unsupported(self.text[token.position:] if token else self.text)
        self.position += 1
        return token

    def _accept(self, kind: str, text: str | None = None) -> bool:
        token = self._peek()
        if token is None or token.kind != kind or (
                text is not None and token.text.lower() != text):
            return False
        self.position += 1
        return True

    def parse(self) -> _OsmRule:
        rule = _OsmRule(text=self.text.strip())
        first = self._peek()
        if first is not None and first.kind == "always":
            self.position += 1
            rule.weekdays = frozenset(range(1, 8))
            rule.spans = ((0, MINUTES_PER_DAY),)
        else:
            self._parse_selector(rule, first)
            self._accept("punct", ":")
            rule.spans = self._parse_times()
        if self._peek() is not None:
            raise self._unsupported(self.text[self.tokens[self.position].position:])
        return rule

    def _parse_selector(self, rule: _OsmRule, first: _Token | None) -> None:
        word = first.text.lower() if first is not None and first.kind == "word" else ""
        if word in _OSM_WEEKDAYS or word in _OSM_HOLIDAYS:
            self._parse_weekdays(rule)
        elif first is not None and (first.kind == "year" or word in _OSM_MONTHS):
            self._parse_dates(rule)
        elif first is None or (first.kind != "time" and word not in (*_OSM_OFF, _OSM_OPEN)):
            raise self._unsupported(self.text)
        else:
            rule.weekdays = frozenset(range(1, 8))

    def _parse_weekdays(self, rule: _OsmRule) -> None:
        days: set[int] = set()
        while True:
            word = self._next("word").text.lower()
            if word in _OSM_HOLIDAYS:
                rule.holidays = True
            elif word in _OSM_WEEKDAYS:
                start = end = _OSM_WEEKDAYS[word]
                if self._accept("punct", "-"):
                    end = self._weekday()
                days.update(((start - 1 + offset) % 7) + 1
                            for offset in range((end - start) % 7 + 1))
            else:
                raise self._unsupported(self.text[self.tokens[self.position - 1].position:])
            if not self._accept("punct", ","):
                break
        rule.weekdays = frozenset(days)

    def _weekday(self) -> int:
        token = self._next("word")
        if token.text.lower() not in _OSM_WEEKDAYS:
            raise self._unsupported(self.text[token.position:])
        return _OSM_WEEKDAYS[token.text.lower()]

    def _parse_dates(self, rule: _OsmRule) -> None:
        while True:
            start = self._month_day(year_allowed=True)
            end = start
            if self._accept("punct", "-"):
                end = self._date_end(start)
            rule.dates.append((start, end))
            if not self._accept("punct", ","):
                break

    def _month_day(self, *, year_allowed: bool) -> _MonthDay:
        token = self._peek()
        year = None
        if year_allowed and token is not None and token.kind == "year":
            year = int(self._next("year").text)
        month_token = self._next("word")
        month = _OSM_MONTHS.get(month_token.text.lower())
        if month is None:
            raise self._unsupported(self.text[month_token.position:])
        return _MonthDay(year, month, int(self._next("number").text))

    def _date_end(self, start: _MonthDay) -> _MonthDay:
        """The end of a date range: ``2026 Dec 26``, ``Dec 26`` or just ``26`` (its year is
        None unless written)."""
        token = self._peek()
        if token is not None and token.kind == "number":
            return _MonthDay(None, start.month, int(self._next("number").text))
        return self._month_day(year_allowed=start.year is not None)

    def _parse_times(self) -> tuple[Span, ...]:
        """The times of a rule: ``off``/``closed`` is none; no times (or ``open``) all day."""
        token = self._peek()
        word = token.text.lower() if token is not None and token.kind == "word" else ""
        if token is None or word == _OSM_OPEN:
            self.position += token is not None
            return ((0, MINUTES_PER_DAY),)
        if word in _OSM_OFF:
            self.position += 1
            return ()
        spans = [self._span()]
        while self._accept("punct", ","):
            spans.append(self._span())
        return tuple(spans)

    def _span(self) -> Span:
        """``09:00-18:00``, overnight ``22:00-02:00`` or ``22:00-26:00``: at most 24 hours."""
        first = self._next("time")
        if not self._accept("punct", "-"):
            raise self._unsupported(self.text[first.position:])
        last = self._next("time")
        opens, closes = _osm_clock(first.text), _osm_clock(last.text)
        if (opens >= MINUTES_PER_DAY or closes > 2 * MINUTES_PER_DAY
                or (closes > MINUTES_PER_DAY and closes - opens > MINUTES_PER_DAY)):
            raise self._unsupported(self.text[first.position:last.position + len(last.text)])
        if closes > MINUTES_PER_DAY:
            closes -= MINUTES_PER_DAY
        return opens, closes - opens if closes > opens else closes + MINUTES_PER_DAY - opens


def _osm_clock(text: str) -> int:
    """Minutes of ``H:MM`` (OSM writes times of the next day as 24:00..48:00); minutes over 59
    make it out of range."""
    hours, minutes = (int(part) for part in text.split(":"))
    return hours * 60 + minutes if minutes <= 59 else 3 * MINUTES_PER_DAY


def _excerpt(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[:limit]}…"


class _DatedDays:
    """Which rule rules each date, with OSM's "a later rule replaces an earlier one for the
    days it selects" applied as rules come in (a weekday rule replaces dates too)."""

    def __init__(self) -> None:
        self.rule_of: dict[dt.date, int] = {}
        self.by_weekday: dict[int, set[dt.date]] = {day: set() for day in range(1, 8)}

    def assign(self, first: dt.date, last: dt.date, rule: int) -> None:
        for offset in range((last - first).days + 1):
            day = first + dt.timedelta(days=offset)
            self.rule_of[day] = rule
            self.by_weekday[day.isoweekday()].add(day)

    def release(self, weekdays: Iterable[int]) -> None:
        for weekday in weekdays:
            for day in self.by_weekday[weekday]:
                self.rule_of.pop(day, None)
            self.by_weekday[weekday].clear()

    def runs(self) -> list[tuple[dt.date, dt.date, int]]:
        """Maximal runs of consecutive dates ruled by the same rule: (first, last, rule)."""
        runs: list[tuple[dt.date, dt.date, int]] = []
        for day in sorted(self.rule_of):
            rule = self.rule_of[day]
            if runs and runs[-1][2] == rule and runs[-1][1] + dt.timedelta(days=1) == day:
                runs[-1] = (runs[-1][0], day, rule)
            else:
                runs.append((day, day, rule))
        return runs


def _date_ranges(rule: _OsmRule, today: dt.date, field: str
                 ) -> tuple[list[tuple[dt.date, dt.date]], bool]:
    """The concrete date ranges of a date rule; a range without a year is taken in this and
    the next year (whatever is not over yet). Also returns whether that happened."""
    ranges: list[tuple[dt.date, dt.date]] = []
    yearless = False
    for start, end in rule.dates:
        years = [start.year] if start.year is not None else [today.year, today.year + 1]
        yearless = yearless or start.year is None
        for year in years:
            try:
                first = dt.date(year, start.month, start.day)
                last = dt.date(year if end.year is None else end.year, end.month, end.day)
            except ValueError:
                if start.year is None and (start.month, start.day) == (2, 29):
                    continue  # Feb 29 every year: only the leap years have one
                raise InvalidOsmDate(field=field, part=_excerpt(rule.text)) from None
            if end.year is None and end.month < start.month:  # Dec 24-Jan 02
                last = _next_year(last, field, rule.text)
            if first.year < MIN_YEAR or last.year > MAX_YEAR:
                raise InvalidOsmDate(field=field, part=_excerpt(rule.text))
            if last < first:
                raise ReversedDates(field=field)
            if (last - first).days >= MAX_SPECIAL_DAYS:
                raise TooManyDays(field=field, maximum=MAX_SPECIAL_DAYS)
            if start.year is not None or last >= today:
                ranges.append((first, last))
    return ranges, yearless


def _next_year(day: dt.date, field: str, text: str) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # Feb 29 does not come back next year
        raise InvalidOsmDate(field=field, part=_excerpt(text)) from None


def read_osm(text: object, *, field: str = "opening_hours", today: dt.date | None = None
             ) -> OsmImport:
    """Read an OSM ``opening_hours`` string of the subset in docs/opening-hours.md into the
    stored form, with notes on what could not be taken over (holiday rules, yearless dates).

    ``today`` places dates without a year (``Dec 25 off``) in this and the next year; it
    defaults to the machine's date. Syntax outside the subset raises
    :class:`UnsupportedOsmSyntax`; so do invalid or overlapping times, through
    :func:`clean_opening_hours`.
    """
    if not isinstance(text, str):
        raise NotText(field=field)
    if len(text) > MAX_OSM_LENGTH:
        raise TextTooLong(field=field, maximum=MAX_OSM_LENGTH)
    today = today or dt.date.today()
    rules = [rule for rule in text.translate(_OSM_DASHES).split(";") if rule.strip()]
    if len(rules) > MAX_OSM_RULES:
        raise TooManyEntries(field=field, maximum=MAX_OSM_RULES)
    weekly: dict[int, tuple[Span, ...]] = {}
    dated = _DatedDays()
    contents: list[tuple[Span, ...]] = []
    notes: list[OsmNote] = []
    used = False
    for rule_text in rules:
        rule = _OsmRuleParser(rule_text, field).parse()
        if rule.holidays:
            notes.append(OsmNote(HOLIDAYS_SKIPPED, {"rule": _excerpt(rule.text, 80)}))
        used = used or bool(rule.weekdays or rule.dates)
        if rule.dates:
            ranges, yearless = _date_ranges(rule, today, field)
            if yearless:
                notes.append(OsmNote(YEARS_ADDED, {
                    "years": f"{today.year}/{today.year + 1}", "rule": _excerpt(rule.text, 80)}))
            contents.append(rule.spans)
            for first, last in ranges:
                dated.assign(first, last, len(contents) - 1)
        else:
            weekly.update(dict.fromkeys(rule.weekdays, rule.spans))
            dated.release(rule.weekdays)
    if not used:
        return OsmImport({}, tuple(notes))
    raw = {
        "weekly": [{"day": day, "opens": clock(opens), "closes": closing_clock((opens, length))}
                   for day, spans in weekly.items() for opens, length in spans],
        "special": [{"from": first.isoformat(), "to": last.isoformat(),
                     "closed": not contents[rule],
                     "intervals": [{"opens": clock(opens),
                                    "closes": closing_clock((opens, length))}
                                   for opens, length in contents[rule]]}
                    for first, last, rule in dated.runs()],
    }
    try:
        hours = clean_opening_hours(raw, field=field)
    except InvalidValue as error:  # the paths of the generated form mean nothing to the writer
        error.field = field
        raise
    return OsmImport(hours, tuple(notes))


def parse_osm(text: object, *, field: str = "opening_hours", today: dt.date | None = None
              ) -> dict[str, Any]:
    """The stored form of an OSM ``opening_hours`` string (see :func:`read_osm`)."""
    return read_osm(text, field=field, today=today).hours
