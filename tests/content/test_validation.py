"""Rules for angles, positions, slugs and web addresses."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from tours.models import HotspotKind, View
from tours.validation import (
    IncompletePosition,
    InvalidChoice,
    InvalidPeriod,
    InvalidSlug,
    InvalidUrl,
    MissingValue,
    NaiveDateTime,
    NotANumber,
    OutOfRange,
    check_period,
    check_position,
    clean_bearing,
    clean_choice,
    clean_datetime,
    clean_pitch,
    clean_slug,
    clean_url,
    clean_view,
    clean_yaw,
    clean_zoom,
    reverse_bearing,
)


def test_angles_are_normalised_to_one_spelling():
    assert clean_yaw(180, field="yaw") == -180.0
    assert clean_yaw(-180, field="yaw") == -180.0
    assert math.copysign(1, clean_yaw(-0.0, field="yaw")) == 1
    assert clean_bearing(360, field="bearing") == 0.0
    assert clean_bearing(359.5, field="bearing") == 359.5
    assert reverse_bearing(90) == 270.0
    assert reverse_bearing(270) == 90.0
    assert reverse_bearing(180) == 0.0


@pytest.mark.parametrize(("check", "value", "error"), [
    (clean_yaw, 400, OutOfRange),
    (clean_yaw, -180.5, OutOfRange),
    (clean_pitch, 90.1, OutOfRange),
    (clean_pitch, -91, OutOfRange),
    (clean_zoom, 101, OutOfRange),
    (clean_zoom, -1, OutOfRange),
    (clean_bearing, -1, OutOfRange),
    (clean_bearing, 360.01, OutOfRange),
    (clean_yaw, math.nan, OutOfRange),
    (clean_yaw, math.inf, OutOfRange),
    (clean_yaw, "12", NotANumber),
    (clean_yaw, True, NotANumber),
    (clean_yaw, None, NotANumber),
])
def test_angles_out_of_range_or_not_numbers_are_refused(check, value, error):
    with pytest.raises(error) as refused:
        check(value, field="angle")
    assert refused.value.field == "angle"


def test_out_of_range_message_names_the_range():
    with pytest.raises(OutOfRange) as refused:
        clean_yaw(400, field="yaw")
    assert str(refused.value) == "Enter a value from -180 to 180."


def test_views_are_checked_part_by_part():
    assert clean_view({"yaw": 180, "pitch": -10, "zoom": 0}, field="initial_view") == View(
        -180.0, -10.0, 0.0)
    assert clean_view(View(10, 20, 30), field="v") == View(10.0, 20.0, 30.0)
    with pytest.raises(OutOfRange) as refused:
        clean_view({"yaw": 0, "pitch": 95, "zoom": 50}, field="initial_view")
    assert refused.value.field == "initial_view.pitch"
    with pytest.raises(MissingValue) as missing:
        clean_view({"yaw": 0, "pitch": 0}, field="initial_view")
    assert missing.value.field == "initial_view.zoom"


def test_a_position_has_both_coordinates_or_none():
    check_position(None, None)
    check_position(48.1, 11.5)
    with pytest.raises(IncompletePosition) as refused:
        check_position(48.1, None)
    assert refused.value.field == "longitude"


@pytest.mark.parametrize("slug", ["abc", "market-square", "a" * 80, "2026-advent"])
def test_valid_slugs(slug):
    assert clean_slug(f" {slug} ") == slug


@pytest.mark.parametrize("slug", ["ab", "a" * 81, "Market", "straße", "a_b", "a b", "a/b", 12])
def test_invalid_slugs(slug):
    with pytest.raises(InvalidSlug):
        clean_slug(slug)


@pytest.mark.parametrize("url", [
    "https://example.org",
    "http://example.org/path?q=1#top",
    "HTTPS://Example.org/Shop",
    "https://[2001:db8::1]:8443/",
])
def test_absolute_http_addresses_are_accepted(url):
    assert clean_url(f"  {url} ") == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/",
    "/relative/path",
    "relative.html",
    "https:evil.example",
    "https:///evil.example",
    "https:\\\\evil.example",
    "https://bank.example@evil.example/",
    "https://evil.example:99999/",
    "https://exa mple.org/",
    "https://example.org/\nSet-Cookie:x",
    "ftp://example.org/file",
    "",
    "https://" + "a" * 2048 + ".org",
    None,
])
def test_everything_else_is_refused(url):
    with pytest.raises(InvalidUrl):
        clean_url(url)


def test_choices_take_members_or_values():
    assert clean_choice("shop", HotspotKind, field="kind") is HotspotKind.SHOP
    assert clean_choice(HotspotKind.URL, HotspotKind, field="kind") is HotspotKind.URL
    with pytest.raises(InvalidChoice) as refused:
        clean_choice("billboard", HotspotKind, field="kind")
    assert "shop, info, url" in str(refused.value)


def test_times_need_a_zone_and_periods_an_order():
    aware = dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert clean_datetime(aware, field="t") == dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    assert clean_datetime(None, field="t") is None
    with pytest.raises(NaiveDateTime):
        clean_datetime(dt.datetime(2026, 12, 1, 9), field="t")
    check_period(aware, None, field="until")
    check_period(aware, aware + dt.timedelta(days=1), field="until")
    with pytest.raises(InvalidPeriod) as refused:
        check_period(aware, aware, field="until")
    assert refused.value.field == "until"
