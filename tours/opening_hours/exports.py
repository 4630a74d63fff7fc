"""Exports of the stored form: schema.org ``OpeningHoursSpecification`` and OSM
``opening_hours``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from tours.opening_hours.stored import (
    MINUTES_PER_DAY,
    Span,
    clean_opening_hours,
    clock,
    minutes_of,
    schedule_of,
)

ISO_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
OSM_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _schema_time(time: str) -> str:
    """schema.org's ``HH:MM:SS``. It has no 24:00: midnight at the end of the day is 23:59:59
    (Google's own advice for "open until midnight")."""
    return "23:59:59" if time == "24:00" else f"{time}:00"


def _schema_closes(opens: str, closes: str) -> str:
    """``closes`` for schema.org, where ``opens == closes`` would read as closed: a 24-hour
    interval from 06:00 ends at 05:59:59 there."""
    if opens == closes:
        minutes = (minutes_of(opens, field="", closing=False) - 1) % MINUTES_PER_DAY
        return f"{clock(minutes)}:59"
    return _schema_time(closes)


def to_schema_org(hours: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """schema.org ``OpeningHoursSpecification`` objects for the weekly hours, one per interval
    (``openingHoursSpecification``); an overnight interval has ``closes`` before ``opens``."""
    stored = clean_opening_hours(hours)
    return [{"@type": "OpeningHoursSpecification",
             "dayOfWeek": f"https://schema.org/{ISO_DAYS[row['day'] - 1]}",
             "opens": _schema_time(row["opens"]),
             "closes": _schema_closes(row["opens"], row["closes"])}
            for row in stored.get("weekly", [])]


def to_schema_org_special(hours: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """``specialOpeningHoursSpecification`` objects: one per interval of every special entry,
    valid from its first to its last day; closed days have opens = closes = 00:00:00."""
    stored = clean_opening_hours(hours)
    specifications = []
    for entry in stored.get("special", []):
        validity = {"@type": "OpeningHoursSpecification",
                    "validFrom": entry["from"], "validThrough": entry["to"]}
        if entry["closed"]:
            specifications.append({**validity, "opens": "00:00:00", "closes": "00:00:00"})
        specifications.extend(
            {**validity, "opens": _schema_time(interval["opens"]),
             "closes": _schema_closes(interval["opens"], interval["closes"])}
            for interval in entry["intervals"])
    return specifications


def _osm_span(span: Span) -> str:
    """``09:00-18:00``; overnight ``22:00-02:00``; 24 hours from 06:00 as ``06:00-30:00``
    (OSM's extended time, as ``06:00-06:00`` has no agreed meaning there)."""
    opens, duration = span
    end = opens + duration
    if end > MINUTES_PER_DAY and duration < MINUTES_PER_DAY:
        end -= MINUTES_PER_DAY
    return f"{clock(opens)}-{clock(end)}"


def _osm_days(days: Sequence[int]) -> str:
    """``Mo-Fr``, ``Sa,Su``, ``Mo,We-Fr`` from sorted ISO days: runs of three or more days are
    ranges."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        names = [OSM_DAYS[day - 1] for day in run]
        parts.append(f"{names[0]}-{names[-1]}" if len(run) >= 3 else ",".join(names))
    return ",".join(parts)


def _osm_date(day: dt.date) -> str:
    return f"{day.year} {OSM_MONTHS[day.month - 1]} {day.day:02d}"


def to_osm(hours: Mapping[str, Any] | None) -> str:
    """The OSM ``opening_hours`` string: weekly rules (equal days grouped), then one rule per
    special entry, which OSM lets override the weekly ones. "" when no hours are known, "off"
    when the shop is never open. Reasons are not part of OSM and are left out."""
    stored = clean_opening_hours(hours)
    if not stored:
        return ""
    schedule = schedule_of(stored)
    rules = []
    if all(schedule.weekly.get(day) == ((0, MINUTES_PER_DAY),) for day in range(1, 8)):
        rules.append("24/7")
    else:
        groups: dict[tuple[Span, ...], list[int]] = {}
        for day in range(1, 8):
            if schedule.weekly.get(day):
                groups.setdefault(schedule.weekly[day], []).append(day)
        rules.extend(f"{_osm_days(days)} {','.join(map(_osm_span, spans))}"
                     for spans, days in groups.items())
    for first, last, spans in schedule.special:
        dates = _osm_date(first) if first == last else f"{_osm_date(first)}-{_osm_date(last)}"
        rules.append(f"{dates} {','.join(map(_osm_span, spans)) if spans else 'off'}")
    return "; ".join(rules) or "off"
