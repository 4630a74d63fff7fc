"""Opening hours with hand-written expectations: the stored form, "open now" (overnight, lunch
breaks, special days, DST nights in several zones), the schema.org and OSM exports and the OSM
reader. tests/shops/test_opening_hours_properties.py checks the same against an oracle."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tours.i18n import UnknownLanguage
from tours.opening_hours import (
    ClosedWithTimes,
    InvalidDate,
    InvalidOsmDate,
    InvalidTime,
    InvalidWeekday,
    MalformedEntry,
    MissingTimes,
    NotAFlag,
    NotOpeningHours,
    OverlappingDays,
    OverlappingTimes,
    ReversedDates,
    TooManyDays,
    TooManyEntries,
    UnknownKey,
    UnknownTimeZone,
    UnsupportedOsmSyntax,
    clean_opening_hours,
    clean_time_zone,
    parse_osm,
    read_osm,
    status_at,
    to_osm,
    to_schema_org,
    to_schema_org_special,
    wall_time_instant,
)
from tours.validation import InvalidValue, MissingValue, NotText, TextTooLong

BERLIN = "Europe/Berlin"
UTC = dt.UTC


def weekly(*rows: tuple[int, str, str]) -> list[dict[str, Any]]:
    return [{"day": day, "opens": opens, "closes": closes} for day, opens, closes in rows]


def hours(*rows: tuple[int, str, str], special: list[dict[str, Any]] | None = None
          ) -> dict[str, Any]:
    return {"weekly": weekly(*rows), "special": special or []}


def closed(first: str, last: str | None = None) -> dict[str, Any]:
    return {"from": first, "to": last or first, "closed": True}


def special(first: str, *intervals: tuple[str, str], last: str | None = None
            ) -> dict[str, Any]:
    return {"from": first, "to": last or first,
            "intervals": [{"opens": opens, "closes": closes} for opens, closes in intervals]}


def local(zone: str, *parts: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold)


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def same_instant(moment: dt.datetime | None, expected: dt.datetime) -> bool:
    """Aware datetimes in one zone compare by wall time (fold ignored), so compare in UTC."""
    return moment is not None and moment.astimezone(UTC) == expected.astimezone(UTC)


#: a shop with a lunch break on weekdays and short Saturday hours (2026-03-02 is a Monday)
SHOP = hours(*[(day, "09:00", "12:30") for day in range(1, 6)],
             *[(day, "14:00", "18:30") for day in range(1, 6)],
             (6, "09:00", "14:00"))


# --- the stored form ------------------------------------------------------------------------

def test_the_stored_form_is_sorted_and_normalised():
    cleaned = clean_opening_hours({
        "weekly": [{"day": 2, "opens": "14:00", "closes": "18:00:00"},
                   {"day": 5, "opens": "18:00", "closes": "00:00"},
                   {"day": 2, "opens": " 09:00", "closes": "12:00"},
                   {"day": 7, "opens": "00:00", "closes": "00:00"}],
        "special": [{"from": "2026-12-31", "intervals": [{"opens": "20:00", "closes": "03:00"}],
                     "reason": {"en": " New Year's Eve ", "fr": ""}},
                    {"from": "2026-12-24", "to": "2026-12-26"}],
    })
    assert cleaned == {
        "weekly": [{"day": 2, "opens": "09:00", "closes": "12:00"},
                   {"day": 2, "opens": "14:00", "closes": "18:00"},
                   {"day": 5, "opens": "18:00", "closes": "24:00"},
                   {"day": 7, "opens": "00:00", "closes": "24:00"}],
        "special": [{"from": "2026-12-24", "to": "2026-12-26", "closed": True, "intervals": [],
                     "reason": {}},
                    {"from": "2026-12-31", "to": "2026-12-31", "closed": False,
                     "intervals": [{"opens": "20:00", "closes": "03:00"}],
                     "reason": {"en": "New Year's Eve"}}],
    }
    assert clean_opening_hours(cleaned) == cleaned


def test_no_hours_is_not_the_same_as_always_closed():
    assert clean_opening_hours(None) == {}
    assert clean_opening_hours({}) == {}
    assert clean_opening_hours({"weekly": []}) == {"weekly": [], "special": []}
    assert clean_opening_hours({"special": None}) == {"weekly": [], "special": []}


def test_back_to_back_intervals_and_a_24_hour_day_are_allowed():
    cleaned = clean_opening_hours(hours((1, "09:00", "12:00"), (1, "12:00", "18:00"),
                                        (2, "06:00", "06:00"), (3, "06:00", "08:00")))
    assert [row["closes"] for row in cleaned["weekly"]] == ["12:00", "18:00", "06:00", "08:00"]


def test_a_special_period_may_cover_a_leap_year():
    cleaned = clean_opening_hours(hours(special=[closed("2028-01-01", "2028-12-31")]))
    assert cleaned["special"][0]["to"] == "2028-12-31"


@pytest.mark.parametrize(("value", "error", "field"), [
    ("Mo-Fr 09:00-18:00", NotOpeningHours, "opening_hours"),
    ({"weekly": [], "holidays": []}, UnknownKey, "opening_hours"),
    ({"weekly": "Mo 09:00"}, MalformedEntry, "opening_hours.weekly"),
    ({"weekly": ["Mo 09:00-12:00"]}, MalformedEntry, "opening_hours.weekly.0"),
    (hours((0, "09:00", "12:00")), InvalidWeekday, "opening_hours.weekly.0.day"),
    (hours((8, "09:00", "12:00")), InvalidWeekday, "opening_hours.weekly.0.day"),
    (hours((True, "09:00", "12:00")), InvalidWeekday, "opening_hours.weekly.0.day"),
    ({"weekly": [{"day": "1", "opens": "09:00", "closes": "12:00"}]}, InvalidWeekday,
     "opening_hours.weekly.0.day"),
    ({"weekly": [{"opens": "09:00", "closes": "12:00"}]}, MissingValue,
     "opening_hours.weekly.0.day"),
    ({"weekly": [{"day": 1, "opens": "09:00"}]}, MissingValue, "opening_hours.weekly.0.closes"),
    ({"weekly": [{"day": 1, "opens": "9", "closes": "1", "note": "x"}]}, UnknownKey,
     "opening_hours.weekly.0"),
    (hours((1, "09:00", "12:00"), (2, "24:00", "12:00")), InvalidTime,
     "opening_hours.weekly.1.opens"),
    (hours((1, "9:00", "12:00")), InvalidTime, "opening_hours.weekly.0.opens"),
    (hours((1, "09:00", "12:60")), InvalidTime, "opening_hours.weekly.0.closes"),
    (hours((1, "09:00", "24:01")), InvalidTime, "opening_hours.weekly.0.closes"),
    (hours((1, "09:00", "12:00:30")), InvalidTime, "opening_hours.weekly.0.closes"),
    (hours((1, "٠٩:٠٠", "12:00")), InvalidTime, "opening_hours.weekly.0.opens"),
    ({"weekly": [{"day": 1, "opens": 900, "closes": "12:00"}]}, InvalidTime,
     "opening_hours.weekly.0.opens"),
    (hours((1, "09:00", "12:00"), (1, "11:00", "13:00")), OverlappingTimes,
     "opening_hours.weekly.1"),
    (hours((1, "22:00", "04:00"), (2, "03:00", "05:00")), OverlappingTimes,
     "opening_hours.weekly.1"),
    (hours((1, "01:00", "03:00"), (7, "22:00", "02:00")), OverlappingTimes,
     "opening_hours.weekly.1"),
    (hours((3, "10:00", "10:00"), (3, "12:00", "13:00")), OverlappingTimes,
     "opening_hours.weekly.1"),
    (hours(*[(1 + index % 7, f"{index // 7:02d}:00", f"{index // 7:02d}:30")
             for index in range(51)]), TooManyEntries, "opening_hours.weekly"),
    (hours(special=[closed("2026-13-01")]), InvalidDate, "opening_hours.special.0.from"),
    (hours(special=[closed("24.12.2026")]), InvalidDate, "opening_hours.special.0.from"),
    (hours(special=[closed("2026-W52-4")]), InvalidDate, "opening_hours.special.0.from"),
    (hours(special=[closed("1850-12-24")]), InvalidDate, "opening_hours.special.0.from"),
    (hours(special=[{"to": "2026-12-24", "closed": True}]), MissingValue,
     "opening_hours.special.0.from"),
    (hours(special=[closed("2026-12-24", "2026-12-23")]), ReversedDates,
     "opening_hours.special.0.to"),
    (hours(special=[closed("2026-01-01", "2027-01-02")]), TooManyDays,
     "opening_hours.special.0.to"),
    (hours(special=[{**special("2026-12-24", ("09:00", "12:00")), "closed": True}]),
     ClosedWithTimes, "opening_hours.special.0.intervals"),
    (hours(special=[{"from": "2026-12-24", "closed": False}]), MissingTimes,
     "opening_hours.special.0.intervals"),
    (hours(special=[{"from": "2026-12-24", "closed": "yes"}]), NotAFlag,
     "opening_hours.special.0.closed"),
    (hours(special=[special("2026-12-24", ("08:00", "12:00"), ("22:00", "09:00"))]),
     OverlappingTimes, "opening_hours.special.0.intervals.1"),
    (hours(special=[special("2026-12-24", *[(f"{hour:02d}:00", f"{hour:02d}:30")
                                             for hour in range(11)])]),
     TooManyEntries, "opening_hours.special.0.intervals"),
    (hours(special=[closed("2026-12-24", "2026-12-26"), closed("2026-12-20", "2026-12-24")]),
     OverlappingDays, "opening_hours.special.1"),
    (hours(special=[closed("2026-01-01")] * 101), TooManyEntries, "opening_hours.special"),
    (hours(special=[{**closed("2026-12-24"), "reason": {"de": "x" * 121}}]), TextTooLong,
     "opening_hours.special.0.reason.de"),
    (hours(special=[{**closed("2026-12-24"), "reason": {"it": "Natale"}}]), UnknownLanguage,
     "opening_hours.special.0.reason.it"),
])
def test_invalid_hours_are_refused_naming_the_field(value: Any, error: type[InvalidValue],
                                                     field: str):
    with pytest.raises(error) as raised:
        clean_opening_hours(value)
    assert raised.value.field == field
    assert str(raised.value)  # the message formats with its parameters


def test_the_field_prefix_is_the_callers():
    with pytest.raises(InvalidTime) as raised:
        clean_opening_hours(hours((1, "9", "12:00")), field="shops.3.opening_hours")
    assert raised.value.field == "shops.3.opening_hours.weekly.0.opens"


@pytest.mark.parametrize("name", ["Europe/Berlin", "America/Mexico_City", "UTC",
                                  " America/Toronto "])
def test_known_time_zones_are_accepted(name: str):
    assert clean_time_zone(name) == name.strip()


@pytest.mark.parametrize("name", ["Europe", "Mars/Olympus_Mons", "../etc/passwd",
                                  "/etc/localtime", "localtime", "Factory", "", None, 1,
                                  "Europe/Berlin\x00", "x" * 100])
def test_unknown_time_zones_are_refused(name: object):
    with pytest.raises(UnknownTimeZone) as raised:
        clean_time_zone(name)
    assert raised.value.field == "time_zone"


# --- open now -------------------------------------------------------------------------------

def test_a_lunch_break_closes_and_reopens_the_shop():
    morning = status_at(SHOP, BERLIN, local(BERLIN, 2026, 3, 2, 11, 0))
    assert morning.is_open
    assert morning.known
    assert same_instant(morning.closes_at, local(BERLIN, 2026, 3, 2, 12, 30))
    assert morning.opens_at is None
    lunch = status_at(SHOP, BERLIN, local(BERLIN, 2026, 3, 2, 12, 30))
    assert not lunch.is_open
    assert same_instant(lunch.opens_at, local(BERLIN, 2026, 3, 2, 14, 0))
    assert lunch.closes_at is None


def test_after_saturday_the_shop_opens_on_monday_morning():
    status = status_at(SHOP, BERLIN, local(BERLIN, 2026, 3, 7, 14, 0))
    assert not status.is_open
    assert same_instant(status.opens_at, local(BERLIN, 2026, 3, 9, 9, 0))


def test_times_are_returned_in_the_shops_zone_whatever_zone_now_is_in():
    status = status_at(SHOP, BERLIN, utc(2026, 3, 2, 10, 0, 42))
    assert status.is_open
    assert same_instant(status.closes_at, local(BERLIN, 2026, 3, 2, 12, 30))
    assert status.closes_at.tzinfo == ZoneInfo(BERLIN)


def test_an_overnight_interval_runs_into_the_next_day():
    bar = hours((5, "20:00", "02:00"), (6, "20:00", "02:00"))
    early = status_at(bar, BERLIN, local(BERLIN, 2026, 3, 7, 1, 30))
    assert early.is_open
    assert same_instant(early.closes_at, local(BERLIN, 2026, 3, 7, 2, 0))
    sunday = status_at(bar, BERLIN, local(BERLIN, 2026, 3, 8, 1, 59))
    assert sunday.is_open
    monday = status_at(bar, BERLIN, local(BERLIN, 2026, 3, 9, 1, 0))
    assert not monday.is_open
    assert same_instant(monday.opens_at, local(BERLIN, 2026, 3, 13, 20, 0))


def test_back_to_back_intervals_merge_into_one_opening():
    shop = hours((5, "18:00", "24:00"), (6, "00:00", "02:00"), (6, "02:00", "03:00"),
                 (1, "09:00", "12:00"), (1, "12:00", "18:00"))
    friday = status_at(shop, BERLIN, local(BERLIN, 2026, 3, 6, 20, 0))
    assert same_instant(friday.closes_at, local(BERLIN, 2026, 3, 7, 3, 0))
    monday = status_at(shop, BERLIN, local(BERLIN, 2026, 3, 9, 10, 0))
    assert same_instant(monday.closes_at, local(BERLIN, 2026, 3, 9, 18, 0))


def test_a_shop_open_around_the_clock_never_closes():
    always = parse_osm("24/7")
    status = status_at(always, BERLIN, local(BERLIN, 2026, 3, 29, 2, 30))
    assert status.is_open
    assert status.closes_at is None
    assert status.opens_at is None


def test_a_closure_within_the_horizon_ends_the_open_period():
    shop = parse_osm("24/7; 2026 Dec 25 off")
    status = status_at(shop, BERLIN, local(BERLIN, 2026, 12, 20, 12, 0))
    assert same_instant(status.closes_at, local(BERLIN, 2026, 12, 25, 0, 0))
    reopening = status_at(shop, BERLIN, local(BERLIN, 2026, 12, 25, 12, 0))
    assert not reopening.is_open
    assert same_instant(reopening.opens_at, local(BERLIN, 2026, 12, 26, 0, 0))
    far = status_at(shop, BERLIN, local(BERLIN, 2026, 12, 1, 12, 0))
    assert far.is_open
    assert far.closes_at is None


def test_a_special_closure_overrides_the_weekly_hours():
    shop = {**SHOP, "special": [closed("2026-12-24", "2026-12-26")]}
    status = status_at(shop, BERLIN, local(BERLIN, 2026, 12, 24, 10, 0))  # a Thursday
    assert not status.is_open
    assert same_instant(status.opens_at, local(BERLIN, 2026, 12, 28, 9, 0))
    before = status_at(shop, BERLIN, local(BERLIN, 2026, 12, 23, 16, 0))
    assert same_instant(before.closes_at, local(BERLIN, 2026, 12, 23, 18, 30))


def test_a_special_day_with_its_own_hours_replaces_the_weekly_ones():
    shop = {**SHOP, "special": [special("2026-12-24", ("10:00", "13:00"))]}
    status = status_at(shop, BERLIN, local(BERLIN, 2026, 12, 24, 9, 30))
    assert not status.is_open
    assert same_instant(status.opens_at, local(BERLIN, 2026, 12, 24, 10, 0))
    status = status_at(shop, BERLIN, local(BERLIN, 2026, 12, 24, 12, 45))
    assert status.is_open
    assert same_instant(status.closes_at, local(BERLIN, 2026, 12, 24, 13, 0))
    afternoon = status_at(shop, BERLIN, local(BERLIN, 2026, 12, 24, 15, 0))
    assert not afternoon.is_open
    assert same_instant(afternoon.opens_at, local(BERLIN, 2026, 12, 25, 9, 0))


def test_a_closed_holiday_does_not_cut_short_the_night_before():
    """The Saturday bar open until 02:00 is open at 01:00 on a Sunday holiday."""
    bar = hours((6, "22:00", "02:00"), special=[closed("2026-04-05")])  # Easter Sunday
    status = status_at(bar, BERLIN, local(BERLIN, 2026, 4, 5, 1, 0))
    assert status.is_open
    assert same_instant(status.closes_at, local(BERLIN, 2026, 4, 5, 2, 0))


def test_a_special_days_overnight_interval_runs_into_the_next_day():
    shop = hours((4, "10:00", "18:00"),
                 special=[special("2026-12-31", ("20:00", "03:00")), closed("2027-01-01")])
    status = status_at(shop, BERLIN, local(BERLIN, 2027, 1, 1, 2, 0))
    assert status.is_open
    assert same_instant(status.closes_at, local(BERLIN, 2027, 1, 1, 3, 0))
    after = status_at(shop, BERLIN, local(BERLIN, 2027, 1, 1, 3, 0))
    assert not after.is_open
    assert same_instant(after.opens_at, local(BERLIN, 2027, 1, 7, 10, 0))


def test_unknown_hours_are_neither_open_nor_closed():
    status = status_at({}, BERLIN, utc(2026, 3, 2, 10, 0))
    assert not status.known
    assert not status.is_open
    assert status.opens_at is None
    assert status.closes_at is None


def test_a_shop_that_is_always_closed_is_known_and_never_opens():
    status = status_at({"weekly": [], "special": []}, BERLIN, utc(2026, 3, 2, 10, 0))
    assert status.known
    assert not status.is_open
    assert status.opens_at is None


def test_an_opening_far_ahead_is_found_within_a_year():
    shop = hours(special=[special("2026-12-24", ("10:00", "12:00"))])
    soon = status_at(shop, BERLIN, utc(2026, 3, 2, 10, 0))
    assert same_instant(soon.opens_at, local(BERLIN, 2026, 12, 24, 10, 0))
    too_far = status_at(shop, BERLIN, utc(2025, 12, 1, 10, 0))
    assert too_far.opens_at is None


def test_status_needs_an_aware_moment_and_a_known_zone():
    with pytest.raises(ValueError, match="aware"):
        status_at(SHOP, BERLIN, dt.datetime(2026, 3, 2, 10, 0))
    with pytest.raises(UnknownTimeZone):
        status_at(SHOP, "Berlin", utc(2026, 3, 2, 10, 0))


def test_stored_hours_are_checked_again_before_use():
    with pytest.raises(OverlappingTimes):
        status_at(hours((1, "09:00", "12:00"), (1, "10:00", "11:00")), BERLIN,
                  utc(2026, 3, 2, 10, 0))


# --- daylight saving time -------------------------------------------------------------------

def test_wall_times_become_the_first_instant_showing_them():
    berlin = ZoneInfo(BERLIN)
    # an ordinary time
    assert wall_time_instant(berlin, dt.datetime(2026, 3, 2, 9, 0)) == utc(2026, 3, 2, 8, 0)
    # skipped (02:00 -> 03:00 on 2026-03-29): the moment of the jump
    assert wall_time_instant(berlin, dt.datetime(2026, 3, 29, 2, 30)) == utc(2026, 3, 29, 1, 0)
    assert wall_time_instant(berlin, dt.datetime(2026, 3, 29, 2, 0)) == utc(2026, 3, 29, 1, 0)
    assert wall_time_instant(berlin, dt.datetime(2026, 3, 29, 3, 0)) == utc(2026, 3, 29, 1, 0)
    # repeated (03:00 -> 02:00 on 2026-10-25): the first occurrence
    assert wall_time_instant(berlin, dt.datetime(2026, 10, 25, 2, 30)) == utc(2026, 10, 25, 0, 30)
    assert wall_time_instant(berlin, dt.datetime(2026, 10, 25, 3, 0)) == utc(2026, 10, 25, 2, 0)


def test_berlin_spring_forward_night():
    """2026-03-29: the clocks jump from 02:00 (CET) to 03:00 (CEST) at 01:00 UTC."""
    bar = hours((6, "22:00", "03:00"))
    status = status_at(bar, BERLIN, utc(2026, 3, 29, 0, 30))  # 01:30 CET
    assert status.is_open
    # 03:00 CEST: four real hours after 22:00 CET
    assert same_instant(status.closes_at, utc(2026, 3, 29, 1, 0))
    assert status.closes_at.utcoffset() == dt.timedelta(hours=2)

    until_half_past_two = hours((6, "22:00", "02:30"))
    status = status_at(until_half_past_two, BERLIN, utc(2026, 3, 29, 0, 59))
    assert status.is_open
    assert same_instant(status.closes_at, utc(2026, 3, 29, 1, 0))  # 02:30 does not exist: the jump

    late_opening = hours((7, "02:30", "05:00"))
    status = status_at(late_opening, BERLIN, utc(2026, 3, 28, 22, 0))
    assert not status.is_open
    assert same_instant(status.opens_at, utc(2026, 3, 29, 1, 0))  # opens the moment 02:30 is passed

    skipped = hours((7, "02:00", "02:45"))
    status = status_at(skipped, BERLIN, utc(2026, 3, 28, 22, 0))
    # not this night, which has no such times, but a week later
    assert same_instant(status.opens_at, local(BERLIN, 2026, 4, 5, 2, 0))


def test_berlin_fall_back_night():
    """2026-10-25: the clocks go back from 03:00 (CEST) to 02:00 (CET) at 01:00 UTC."""
    night = hours((7, "01:00", "03:00"))
    opening = status_at(night, BERLIN, utc(2026, 10, 24, 22, 0))
    assert same_instant(opening.opens_at, utc(2026, 10, 24, 23, 0))  # 01:00 CEST
    second_quarter_past_two = status_at(night, BERLIN, utc(2026, 10, 25, 1, 15))
    assert second_quarter_past_two.is_open
    # 03:00 CET: three real hours after 01:00 CEST
    assert same_instant(second_quarter_past_two.closes_at, utc(2026, 10, 25, 2, 0))

    until_half_past_two = hours((6, "22:00", "02:30"))
    first = status_at(until_half_past_two, BERLIN, utc(2026, 10, 25, 0, 15))
    assert first.is_open
    assert same_instant(first.closes_at, utc(2026, 10, 25, 0, 30))  # the first 02:30 (CEST)
    assert first.closes_at.fold == 0
    second = status_at(until_half_past_two, BERLIN, utc(2026, 10, 25, 1, 15))  # 02:15 again
    assert not second.is_open

    from_half_past_two = hours((7, "02:30", "04:00"))
    status = status_at(from_half_past_two, BERLIN, utc(2026, 10, 25, 1, 15))
    assert status.is_open
    assert same_instant(status.closes_at, utc(2026, 10, 25, 3, 0))  # 04:00 CET


def test_mexico_city_keeps_its_clock_since_2022():
    mexico = "America/Mexico_City"
    night = hours((7, "02:00", "03:00"))
    # On 2022-04-03 Mexico still skipped 02:00-03:00: the interval never opened.
    status = status_at(night, mexico, local(mexico, 2022, 4, 3, 1, 0))
    assert same_instant(status.opens_at, local(mexico, 2022, 4, 10, 2, 0))
    # On 2025-04-06 (the old switch date) nothing is skipped any more: one real hour.
    status = status_at(night, mexico, local(mexico, 2025, 4, 6, 2, 30))
    assert status.is_open
    assert same_instant(status.closes_at, utc(2025, 4, 6, 9, 0))
    assert status.closes_at.utcoffset() == dt.timedelta(hours=-6)
    summer = status_at(SHOP, mexico, utc(2025, 7, 7, 16, 0))  # 10:00 local, no DST
    assert summer.is_open
    assert same_instant(summer.closes_at, utc(2025, 7, 7, 18, 30))


def test_lord_howe_moves_its_clocks_by_half_an_hour():
    """2026-10-04: Lord Howe Island jumps from 02:00 (+10:30) to 02:30 (+11:00)."""
    lord_howe = "Australia/Lord_Howe"
    status = status_at(hours((7, "01:00", "02:15")), lord_howe, utc(2026, 10, 3, 14, 45))
    assert status.is_open
    # 02:15 is skipped: the jump to 02:30 (+11:00) closes the shop
    assert same_instant(status.closes_at, utc(2026, 10, 3, 15, 30))
    assert status.closes_at.utcoffset() == dt.timedelta(hours=11)
    skipped = hours((7, "02:00", "02:30"), (1, "09:00", "10:00"))
    status = status_at(skipped, lord_howe, utc(2026, 10, 3, 14, 45))
    assert not status.is_open
    assert same_instant(status.opens_at, local(lord_howe, 2026, 10, 5, 9, 0))


def test_toronto_fall_back_keeps_the_first_one_oclock():
    toronto = "America/Toronto"
    shop = hours((7, "00:00", "01:30"))  # 2026-11-01: 02:00 EDT -> 01:00 EST at 06:00 UTC
    status = status_at(shop, toronto, utc(2026, 11, 1, 5, 0))
    assert status.is_open
    assert same_instant(status.closes_at, utc(2026, 11, 1, 5, 30))  # 01:30 EDT, the first one
    assert not status_at(shop, toronto, utc(2026, 11, 1, 6, 15)).is_open  # 01:15 EST


# --- schema.org -----------------------------------------------------------------------------

def test_weekly_hours_become_opening_hours_specifications():
    shop = hours((1, "09:00", "12:30"), (1, "14:00", "18:30"), (5, "22:00", "02:00"),
                 (6, "10:00", "24:00"), (7, "06:00", "06:00"))
    assert to_schema_org(shop) == [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Monday",
         "opens": "09:00:00", "closes": "12:30:00"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Monday",
         "opens": "14:00:00", "closes": "18:30:00"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Friday",
         "opens": "22:00:00", "closes": "02:00:00"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Saturday",
         "opens": "10:00:00", "closes": "23:59:59"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Sunday",
         "opens": "06:00:00", "closes": "05:59:59"},
    ]
    assert to_schema_org({}) == []


def test_special_hours_become_special_opening_hours_specifications():
    shop = hours((1, "09:00", "18:00"), special=[
        {**closed("2026-12-25", "2026-12-26"), "reason": {"en": "Christmas"}},
        special("2026-12-24", ("09:00", "12:00"), ("13:00", "24:00")),
    ])
    assert to_schema_org_special(shop) == [
        {"@type": "OpeningHoursSpecification", "validFrom": "2026-12-24",
         "validThrough": "2026-12-24", "opens": "09:00:00", "closes": "12:00:00"},
        {"@type": "OpeningHoursSpecification", "validFrom": "2026-12-24",
         "validThrough": "2026-12-24", "opens": "13:00:00", "closes": "23:59:59"},
        {"@type": "OpeningHoursSpecification", "validFrom": "2026-12-25",
         "validThrough": "2026-12-26", "opens": "00:00:00", "closes": "00:00:00"},
    ]
    assert to_schema_org_special(None) == []


# --- OSM: writing ---------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (SHOP, "Mo-Fr 09:00-12:30,14:00-18:30; Sa 09:00-14:00"),
    (hours(*[(day, "00:00", "24:00") for day in range(1, 8)]), "24/7"),
    (hours(*[(day, "00:00", "24:00") for day in range(1, 8)],
           special=[closed("2026-12-25")]), "24/7; 2026 Dec 25 off"),
    (hours(*[(day, "00:00", "24:00") for day in range(1, 7)], (7, "10:00", "12:00")),
     "Mo-Sa 00:00-24:00; Su 10:00-12:00"),
    (hours((1, "10:00", "12:00"), (3, "10:00", "12:00"), (5, "10:00", "12:00"),
           (6, "10:00", "16:00"), (7, "10:00", "16:00")),
     "Mo,We,Fr 10:00-12:00; Sa,Su 10:00-16:00"),
    (hours(*[(day, "08:00", "12:00") for day in (1, 2, 3, 5)]), "Mo-We,Fr 08:00-12:00"),
    (hours((5, "22:00", "02:00"), (6, "22:00", "02:00")), "Fr,Sa 22:00-02:00"),
    (hours((1, "06:00", "06:00")), "Mo 06:00-30:00"),
    (hours((1, "18:00", "00:00")), "Mo 18:00-24:00"),
    (hours((1, "09:00", "18:00"), special=[
        {**special("2026-12-24", ("09:00", "12:00")), "reason": {"de": "Heiligabend"}},
        closed("2026-12-25", "2026-12-26")]),
     "Mo 09:00-18:00; 2026 Dec 24 09:00-12:00; 2026 Dec 25-2026 Dec 26 off"),
    (hours(special=[special("2026-03-01", ("22:00", "02:00"), last="2026-03-07")]),
     "2026 Mar 01-2026 Mar 07 22:00-02:00"),
    ({"weekly": [], "special": []}, "off"),
    ({}, ""),
])
def test_osm_strings_for_known_hours(value: dict[str, Any], expected: str):
    assert to_osm(value) == expected


# --- OSM: reading ---------------------------------------------------------------------------

TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize(("text", "expected"), [
    ("Mo-Fr 09:00-12:30,14:00-18:30; Sa 09:00-14:00",
     "Mo-Fr 09:00-12:30,14:00-18:30; Sa 09:00-14:00"),
    ("mo-fr 9:00 - 18:00", "Mo-Fr 09:00-18:00"),
    ("Mo–Fr 09:00–18:00", "Mo-Fr 09:00-18:00"),
    ("Mo-Fr: 09:00-18:00", "Mo-Fr 09:00-18:00"),
    ("Mo,We,Fr 10:00-12:00", "Mo,We,Fr 10:00-12:00"),
    ("Fr-Mo 10:00-12:00", "Mo,Fr-Su 10:00-12:00"),
    ("Mo-Fr 09:00-18:00; We 09:00-12:00", "Mo,Tu,Th,Fr 09:00-18:00; We 09:00-12:00"),
    ("Mo-Sa 09:00-18:00; Su off", "Mo-Sa 09:00-18:00"),
    ("Mo-Fr 09:00-18:00; Fr closed", "Mo-Th 09:00-18:00"),
    ("Mo-Fr 08:00-12:00; Mo-Fr 14:00-18:00", "Mo-Fr 14:00-18:00"),
    ("22:00-02:00", "Mo-Su 22:00-02:00"),
    ("Sa 22:00-26:00", "Sa 22:00-02:00"),
    ("Mo 06:00-30:00", "Mo 06:00-30:00"),
    ("Mo 06:00-06:00", "Mo 06:00-30:00"),
    ("Mo 00:00-00:00", "Mo 00:00-24:00"),
    ("24/7", "24/7"),
    ("Mo-Su 00:00-24:00", "24/7"),
    ("Mo-Su", "24/7"),
    ("Mo-Fr open", "Mo-Fr 00:00-24:00"),
    ("off", "off"),
    ("closed", "off"),
    ("Mo-Fr 09:00-18:00;", "Mo-Fr 09:00-18:00"),
    ("Mo-Fr 09:00-18:00; 2026 Dec 24 09:00-12:00; 2026 Dec 25-2026 Dec 26 off",
     "Mo-Fr 09:00-18:00; 2026 Dec 24 09:00-12:00; 2026 Dec 25-2026 Dec 26 off"),
    ("2026 Dec 24-26 off", "2026 Dec 24-2026 Dec 26 off"),
    ("2026 Dec 28-Jan 02 off", "2026 Dec 28-2027 Jan 02 off"),
    ("2026 Dec 5 10:00-14:00", "2026 Dec 05 10:00-14:00"),
    ("2026 Dec 24,2026 Dec 31 10:00-14:00",
     "2026 Dec 24 10:00-14:00; 2026 Dec 31 10:00-14:00"),
    ("2026 Dec 24-2026 Dec 26 off; 2026 Dec 24 09:00-12:00",
     "2026 Dec 24 09:00-12:00; 2026 Dec 25-2026 Dec 26 off"),
    # a weekday rule after a date rule wins on that weekday's dates (2026-12-26 is a Saturday)
    ("2026 Dec 24-2026 Dec 27 off; Sa 10:00-12:00",
     "Sa 10:00-12:00; 2026 Dec 24-2026 Dec 25 off; 2026 Dec 27 off"),
    ("2026 Dec 24 off; off", "off"),
    ("", ""),
    ("   ", ""),
])
def test_known_osm_strings_are_read(text: str, expected: str):
    assert to_osm(parse_osm(text, today=TODAY)) == expected


def test_read_osm_gives_the_stored_form():
    assert parse_osm("Sa 22:00-02:00; 2026 Dec 25-26 off") == {
        "weekly": [{"day": 6, "opens": "22:00", "closes": "02:00"}],
        "special": [{"from": "2026-12-25", "to": "2026-12-26", "closed": True, "intervals": [],
                     "reason": {}}],
    }


def test_public_holiday_rules_are_left_out_with_a_note():
    imported = read_osm("Mo-Fr 09:00-18:00; PH off")
    assert to_osm(imported.hours) == "Mo-Fr 09:00-18:00"
    assert [str(note) for note in imported.notes] == [
        "Public and school holidays (PH, SH) cannot be imported and were left out: PH off"]
    mixed = read_osm("Mo-Fr,PH 09:00-18:00; SH off")
    assert to_osm(mixed.hours) == "Mo-Fr 09:00-18:00"
    assert len(mixed.notes) == 2
    only_holidays = read_osm("PH off")
    assert only_holidays.hours == {}  # nothing known about ordinary days
    assert len(only_holidays.notes) == 1


def test_dates_without_a_year_are_placed_in_this_and_the_next_year():
    imported = read_osm("Mo-Fr 09:00-18:00; Dec 25 off; Dec 31-Jan 01 10:00-12:00",
                        today=TODAY)
    assert to_osm(imported.hours) == (
        "Mo-Fr 09:00-18:00; 2026 Dec 25 off; 2026 Dec 31-2027 Jan 01 10:00-12:00; "
        "2027 Dec 25 off; 2027 Dec 31-2028 Jan 01 10:00-12:00")
    assert {note.params["years"] for note in imported.notes} == {"2026/2027"}
    after_christmas = read_osm("Dec 25 off", today=dt.date(2026, 12, 26))
    assert to_osm(after_christmas.hours) == "2027 Dec 25 off"
    leap = read_osm("Mo 10:00-12:00; Feb 29 off", today=dt.date(2027, 6, 1))
    assert to_osm(leap.hours) == "Mo 10:00-12:00; 2028 Feb 29 off"


@pytest.mark.parametrize(("text", "error", "part"), [
    ('Mo-Fr 09:00-18:00 || "by appointment"', UnsupportedOsmSyntax, '|| "by appointment"'),
    ("sunrise-sunset", UnsupportedOsmSyntax, "sunrise-sunset"),
    ("Mo-Fr 09:00+", UnsupportedOsmSyntax, "+"),
    ("Mo[1] 10:00-12:00", UnsupportedOsmSyntax, "[1] 10:00-12:00"),
    ("week 01-10 Mo 10:00-12:00", UnsupportedOsmSyntax, "week 01-10 Mo 10:00-12:00"),
    ("Jan-Mar Mo-Fr 10:00-12:00", UnsupportedOsmSyntax, "-Mar Mo-Fr 10:00-12:00"),
    ("Mo-Fr 09:00-18:00, Sa 10:00-14:00", UnsupportedOsmSyntax, "Sa 10:00-14:00"),
    ("easter off", UnsupportedOsmSyntax, "easter off"),
    ("Mo-Fr 10:00-36:00", UnsupportedOsmSyntax, "10:00-36:00"),
    ("Mo 24:00-26:00", UnsupportedOsmSyntax, "24:00-26:00"),
    ("Mo 10:60-12:00", UnsupportedOsmSyntax, "10:60-12:00"),
    ("Mo 10:00", UnsupportedOsmSyntax, "10:00"),
    ("Mo-Xy 10:00-12:00", UnsupportedOsmSyntax, "Xy 10:00-12:00"),
    ("Mo 10:00-12:00 off", UnsupportedOsmSyntax, "off"),
    ("24/7 off", UnsupportedOsmSyntax, "off"),
    ("Dec 25-2026 Dec 26 off", UnsupportedOsmSyntax, "2026 Dec 26 off"),
    ("2026 Feb 30 off", InvalidOsmDate, "2026 Feb 30 off"),
    ("2026 Dec 26-24 off", ReversedDates, None),
    ("2026 Jan 01-2027 Jan 05 off", TooManyDays, None),
    ("Mo 09:00-12:00,11:00-13:00", OverlappingTimes, None),
])
def test_osm_syntax_outside_the_subset_is_refused_clearly(
        text: str, error: type[InvalidValue], part: str | None):
    with pytest.raises(error) as raised:
        parse_osm(text, today=TODAY)
    assert raised.value.field == "opening_hours"
    if part is not None:
        assert raised.value.params["part"] == part
        assert part in str(raised.value)


def test_osm_values_that_are_too_big_are_refused_before_parsing():
    with pytest.raises(NotText):
        parse_osm(42)
    with pytest.raises(TextTooLong):
        parse_osm("Mo 09:00-12:00" + " " * 20_000)
    with pytest.raises(TooManyEntries):
        parse_osm("Mo 09:00-12:00;" * 300)


def test_the_longest_stored_form_fits_into_an_osm_value():
    """100 special entries of 10 intervals each, written by to_osm, are read back."""
    entries = [special(str(dt.date(2026, 1, 1) + dt.timedelta(days=2 * index)),
                       *[(f"{hour:02d}:00", f"{hour:02d}:30") for hour in range(10)],
                       last=str(dt.date(2026, 1, 2) + dt.timedelta(days=2 * index)))
               for index in range(100)]
    shop = clean_opening_hours(hours(*[(1 + index % 7, f"{index // 7:02d}:00",
                                        f"{index // 7:02d}:30") for index in range(50)],
                                     special=entries))
    assert parse_osm(to_osm(shop)) == shop
