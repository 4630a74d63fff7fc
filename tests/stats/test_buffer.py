"""``server.visitor_stats``: counting only fills a per-process buffer; a thread writes it in
batches (on a timer, at a threshold, at exit); a failing database costs bounded memory and
never an exception in a request."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest
from sqlalchemy import select

from server import visitor_stats
from server.extensions import db
from server.visitor_stats import count_visit, flush_visits, visit_buffer
from tours.models import DailyCount, StatEvent

pytestmark = pytest.mark.database

LATE = dt.datetime(2026, 5, 31, 22, 30, tzinfo=dt.UTC)


def rows(app) -> dict[tuple[dt.date, str, int], int]:
    with app.app_context():
        found = db.session.execute(select(DailyCount.day, DailyCount.event,
                                          DailyCount.subject_id, DailyCount.count)).all()
        db.session.remove()
    return {(day, event, subject): count for day, event, subject, count in found}


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the buffer was not written in time"
        time.sleep(0.05)


def test_counts_go_to_the_citys_day(app, make_app):
    visit_buffer(app).add([(StatEvent.SCENE_VIEW, 4)], now=LATE)
    flush_visits(app)
    assert rows(app) == {(dt.date(2026, 6, 1), "scene_view", 4): 1}  # Europe/Berlin
    new_york = make_app(CITY_TIME_ZONE="America/New_York")
    visit_buffer(new_york).add([(StatEvent.SCENE_VIEW, 4)], now=LATE)
    flush_visits(new_york)
    assert rows(app)[(dt.date(2026, 5, 31), "scene_view", 4)] == 1


def test_count_visit_fills_the_buffer_and_skips_impossible_ids(app):
    with app.app_context():
        count_visit(StatEvent.ROUTE_REQUEST, 9)
        count_visit(StatEvent.ROUTE_REQUEST, 9)
        count_visit(StatEvent.ROUTE_REQUEST, 0)
        count_visit(StatEvent.ROUTE_REQUEST, 2**31)
    assert visit_buffer(app).waiting() == 2
    assert flush_visits(app) == 1
    assert list(rows(app).values()) == [2]


def test_the_thread_writes_when_enough_events_wait(make_app):
    application = make_app(STATS_FLUSH_EVENTS=3, STATS_FLUSH_SECONDS=3600.0)
    with application.app_context():
        count_visit(StatEvent.CARD_OPEN, 1)
        count_visit(StatEvent.CARD_OPEN, 1)
    assert visit_buffer(application).waiting() == 2
    with application.app_context():
        count_visit(StatEvent.CARD_OPEN, 2)
    wait_for(lambda: rows(application) and visit_buffer(application).waiting() == 0)
    assert sorted(rows(application).values()) == [1, 2]


def test_the_thread_writes_on_its_timer_and_at_exit(make_app):
    application = make_app(STATS_FLUSH_SECONDS=0.1)
    with application.app_context():
        count_visit(StatEvent.TOUR_VIEW, 5)
    wait_for(lambda: rows(application) != {})
    buffer = visit_buffer(application)
    buffer.flush_seconds = 3600.0
    with application.app_context():
        count_visit(StatEvent.TOUR_VIEW, 5)
    buffer.close()  # what the interpreter's exit runs
    assert list(rows(application).values()) == [2]


def test_a_failing_database_keeps_the_counts_a_few_times_then_drops_them(
        app, monkeypatch, caplog):
    calls = []

    def broken(session, counts):
        calls.append(dict(counts))
        raise OSError("database unreachable")

    monkeypatch.setattr(visitor_stats, "add_counts", broken)
    buffer = visit_buffer(app)
    buffer.add([(StatEvent.SCENE_VIEW, 1)])
    with caplog.at_level(logging.WARNING, logger="server.visitor_stats"):
        for attempt in range(1, buffer.max_failures):
            assert buffer.flush() == 0  # never raises
            assert buffer.waiting() == 1, attempt
        assert buffer.flush() == 0
    assert buffer.waiting() == 0
    assert len(calls) == buffer.max_failures
    assert "1 counts dropped after 5 failed writes" in caplog.text
    monkeypatch.undo()
    buffer.add([(StatEvent.SCENE_VIEW, 1)])
    assert buffer.flush() == 1
    assert list(rows(app).values()) == [1]


def test_counting_never_raises_into_the_request(app, monkeypatch):
    def no_zone(*_args, **_kwargs):
        raise RuntimeError("settings unreadable")

    monkeypatch.setattr(visitor_stats, "city_day", no_zone)
    with app.app_context():
        count_visit(StatEvent.SCENE_VIEW, 1)
    assert visit_buffer(app).waiting() == 0
