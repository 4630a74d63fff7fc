"""``tours.visitor_stats``: the incrementing upsert (also under concurrent writers) and the
queries the dashboards read. Runs on SQLite and, with ``--postgres``, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from server.extensions import db
from tours import visitor_stats as stats
from tours.models import DailyCount, StatEvent

pytestmark = pytest.mark.database

DAY = dt.date(2026, 5, 31)
PERIOD = stats.Period(dt.date(2026, 5, 1), dt.date(2026, 5, 31))


def stored(app) -> dict[tuple[dt.date, str, int], int]:
    with app.app_context():
        rows = db.session.execute(select(DailyCount.day, DailyCount.event, DailyCount.subject_id,
                                         DailyCount.count)).all()
        db.session.remove()
    return {(day, event, subject): count for day, event, subject, count in rows}


def add(app, counts) -> int:
    with app.app_context():
        written = stats.add_counts(db.session, counts)
        db.session.commit()
        db.session.remove()
    return written


def test_adding_inserts_then_increments(app):
    key = (DAY, StatEvent.SCENE_VIEW.value, 7)
    other = (DAY, StatEvent.CARD_OPEN.value, 7)
    assert add(app, {key: 3, other: 1}) == 2
    assert add(app, {key: 4, (DAY, "scene_view", 8): 0}) == 1  # zero is left out
    assert stored(app) == {key: 7, other: 1}


def test_a_large_batch_is_written_in_several_statements(app):
    counts = {(DAY, StatEvent.SCENE_VIEW.value, subject): subject % 5 + 1
              for subject in range(1, stats.ROWS_PER_STATEMENT * 2 + 20)}
    assert add(app, counts) == len(counts)
    assert add(app, counts) == len(counts)
    assert stored(app) == {key: 2 * n for key, n in counts.items()}


def test_concurrent_flushes_of_two_processes_add_up_exactly(app, make_app):
    """Two apps (two engines: two processes of a deployment) add to the same rows at the same
    moment, again and again; every increment counts."""
    other = make_app()
    rounds = 40
    shared = (DAY, StatEvent.SCENE_VIEW.value, 1)
    barrier = threading.Barrier(2, timeout=30)
    failures: list[BaseException] = []

    def writer(application, own_subject: int, n: int) -> None:
        try:
            for _round in range(rounds):
                barrier.wait()
                with application.app_context():
                    stats.add_counts(db.session, {
                        shared: n, (DAY, StatEvent.SCENE_VIEW.value, own_subject): 1,
                        (DAY, StatEvent.TOUR_VIEW.value, 1): n})
                    db.session.commit()
                    db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=writer, args=(app, 2, 1)),
               threading.Thread(target=writer, args=(other, 3, 2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert stored(app) == {shared: rounds * 3, (DAY, "scene_view", 2): rounds,
                           (DAY, "scene_view", 3): rounds, (DAY, "tour_view", 1): rounds * 3}


def test_concurrent_transactions_wait_for_each_other_on_the_same_row(app, make_app):
    """One transaction has written a row and not committed; the other's upsert of that row
    waits (PostgreSQL: the row lock; SQLite: the write lock) and then adds to it."""
    other = make_app()
    key = (DAY, StatEvent.CARD_OPEN.value, 5)
    add(app, {key: 1})
    first_done = threading.Event()
    second_done = threading.Event()

    def second() -> None:
        with other.app_context():
            stats.add_counts(db.session, {key: 10})
            db.session.commit()
            db.session.remove()
        second_done.set()

    with app.app_context():
        stats.add_counts(db.session, {key: 100})
        thread = threading.Thread(target=second)
        thread.start()
        # the second writer cannot finish while this transaction holds the row
        assert not second_done.wait(0.5)
        db.session.commit()
        db.session.remove()
        first_done.set()
    thread.join(timeout=30)
    assert second_done.is_set()
    assert stored(app) == {key: 111}


# --- periods and days -----------------------------------------------------------------------


def test_the_city_day_follows_its_time_zone():
    late = dt.datetime(2026, 5, 31, 22, 30, tzinfo=dt.UTC)
    assert stats.city_day("Europe/Berlin", late) == dt.date(2026, 6, 1)
    assert stats.city_day("America/New_York", late) == dt.date(2026, 5, 31)


def test_a_period_defaults_to_the_last_30_days_and_refuses_nonsense():
    today = dt.date(2026, 5, 31)
    assert stats.clean_period(None, None, today=today) == stats.Period(
        dt.date(2026, 5, 2), today)
    assert stats.clean_period(dt.date(2026, 1, 1), None, today=today) == stats.Period(
        dt.date(2026, 1, 1), dt.date(2026, 1, 30))
    assert stats.clean_period(None, dt.date(2026, 3, 1), today=today).start == dt.date(
        2026, 1, 31)
    with pytest.raises(stats.InvalidPeriod):
        stats.clean_period(dt.date(2026, 5, 2), dt.date(2026, 5, 1), today=today)
    with pytest.raises(stats.InvalidPeriod):
        stats.clean_period(dt.date(2020, 1, 1), dt.date(2026, 1, 1), today=today)


# --- queries --------------------------------------------------------------------------------


def test_totals_top_lists_and_a_shops_numbers(app, stats_world):
    w = stats_world
    other_day = dt.date(2026, 5, 2)
    add(app, {
        (DAY, "tour_view", w.tour_id): 4,
        (DAY, "scene_view", w.market_id): 9,
        (DAY, "scene_view", w.hall_id): 2,
        (other_day, "scene_view", w.market_id): 1,
        (DAY, "hotspot_open", w.bakery_hotspot_id): 3,
        (DAY, "hotspot_open", w.info_hotspot_id): 1,
        (DAY, "card_open", w.bakery_id): 3,
        (DAY, "website_click", w.bakery_id): 2,
        (other_day, "route_request", w.bakery_id): 1,
        (DAY, "card_open", w.books_id): 1,
        # made-up subjects (a beacon may send any id): never shown
        (DAY, "scene_view", 999_999): 50,
        (DAY, "card_open", 999_999): 50,
        (DAY, "tour_view", 999_999): 50,
        # outside the period
        (dt.date(2026, 4, 30), "scene_view", w.market_id): 70,
    })
    with app.app_context():
        session = db.session
        totals = {(total.day, total.event.value): total.count
                  for total in stats.daily_totals(session, PERIOD)}
        assert totals == {
            (DAY, "tour_view"): 4, (DAY, "scene_view"): 11, (other_day, "scene_view"): 1,
            (DAY, "hotspot_open"): 4, (DAY, "card_open"): 4, (DAY, "website_click"): 2,
            (other_day, "route_request"): 1}
        series = stats.per_day(stats.daily_totals(session, PERIOD), PERIOD)
        assert len(series[StatEvent.SCENE_VIEW]) == 31
        assert series[StatEvent.SCENE_VIEW][-1] == 11
        assert series[StatEvent.ONLINE_SHOP_CLICK] == [0] * 31

        tours = stats.top_tours(session, PERIOD)
        assert [(entry.subject_id, entry.name["en"], entry.total) for entry in tours] == [
            (w.tour_id, "Old town", 4)]
        scenes = stats.top_scenes(session, PERIOD)
        assert [(entry.name["en"], entry.total) for entry in scenes] == [
            ("Market square", 10), ("Hall", 2)]
        shops = stats.top_shops(session, PERIOD)
        assert [(entry.name["en"], entry.total) for entry in shops] == [
            ("Sun Bakery", 9), ("Book Nook", 1)]
        assert shops[0].counts == {StatEvent.CARD_OPEN: 3, StatEvent.WEBSITE_CLICK: 2,
                                   StatEvent.ROUTE_REQUEST: 1, StatEvent.HOTSPOT_OPEN: 3}

        assert stats.shop_totals(session, w.bakery_id, PERIOD) == {
            StatEvent.CARD_OPEN: 3, StatEvent.WEBSITE_CLICK: 2, StatEvent.ONLINE_SHOP_CLICK: 0,
            StatEvent.ROUTE_REQUEST: 1, StatEvent.HOTSPOT_OPEN: 3}
        daily = {(total.day, total.event.value): total.count
                 for total in stats.shop_daily(session, w.bakery_id, PERIOD)}
        assert daily == {(DAY, "card_open"): 3, (DAY, "website_click"): 2,
                         (DAY, "hotspot_open"): 3, (other_day, "route_request"): 1}

        rows = stats.count_rows(session, PERIOD, shop_id=w.bakery_id)
        assert [(row.day, row.event.value, row.subject_type, row.subject_id, row.name["en"],
                 row.count) for row in rows] == [
            (other_day, "route_request", "shop", w.bakery_id, "Sun Bakery", 1),
            (DAY, "card_open", "shop", w.bakery_id, "Sun Bakery", 3),
            # the shop's hotspot has no label of its own: the shop's name
            (DAY, "hotspot_open", "hotspot", w.bakery_hotspot_id, "Sun Bakery", 3),
            (DAY, "website_click", "shop", w.bakery_id, "Sun Bakery", 2)]
        everything = stats.count_rows(session, PERIOD)
        assert len(everything) == 10
        assert {row.subject_id for row in everything} & {999_999} == set()
        assert any(row.name == {"en": "Fountain"} for row in everything)
        db.session.remove()
