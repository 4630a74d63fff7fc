"""Counting visits without writing on the request path: a per-process buffer flushed in batches.

:func:`count_visit` (and :func:`count_visits` for a beacon's list) only adds to a dictionary
``(city day, event, subject) → n`` under a lock. A daemon thread of the process writes that
dictionary in one transaction (:func:`tours.visitor_stats.add_counts`, an incrementing upsert,
so every process of a deployment may write the same rows at once) every
``STATS_FLUSH_SECONDS``, sooner once ``STATS_FLUSH_EVENTS`` events are waiting, and once more
when the process exits. The thread starts with the first count a process makes, so a forking
server starts one in each serving process, and commands that never count start none.

A failed write keeps the batch for the next try; after ``STATS_FLUSH_MAX_FAILURES`` failures in
a row the waiting counts are dropped with a warning, so a database that stays away costs
bounded memory. Nothing here ever raises into a request: statistics are worth less than a
visitor's page. The day of a count is the city's calendar day when it was counted (its time
zone is read once per process and again with every flush, never on the request path).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
from collections.abc import Iterable

from flask import Flask, current_app, has_app_context

from server.city_settings import city, load_city
from server.extensions import db
from tours.models import StatEvent
from tours.visitor_stats import MAX_SUBJECT_ID, CountKey, add_counts, city_day

log = logging.getLogger(__name__)

BUFFER_KEY = "flaneur.visit_buffer"
#: distinct counters one process keeps at most while the database does not take them
MAX_WAITING_KEYS = 100_000
#: how long the exit flush waits for a flush already running
EXIT_WAIT_SECONDS = 5.0


class VisitBuffer:
    """The counts one process gathered and has not written yet."""

    def __init__(self, app: Flask, *, flush_seconds: float, flush_events: int,
                 max_failures: int) -> None:
        self.app = app
        self.flush_seconds = flush_seconds
        self.flush_events = flush_events
        self.max_failures = max_failures
        self._counts: dict[CountKey, int] = {}
        self._waiting = 0
        self._lock = threading.Lock()
        #: one flush at a time (the thread's, a test's, the exit's)
        self._flushing = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0
        self._time_zone: str | None = None
        self._dropped_warned = False

    # --- counting (request path: no I/O besides the first time zone read) -----------------

    def add(self, events: Iterable[tuple[StatEvent, int]], now: dt.datetime | None = None
            ) -> None:
        """Count each ``(event, subject_id)`` once, on the city's day of ``now``."""
        try:
            day = city_day(self._zone(), now or dt.datetime.now(dt.UTC))
            with self._lock:
                for event, subject_id in events:
                    if not 0 < subject_id <= MAX_SUBJECT_ID:
                        continue
                    key = (day, StatEvent(event).value, subject_id)
                    if key not in self._counts and len(self._counts) >= MAX_WAITING_KEYS:
                        self._warn_full()
                        continue
                    self._counts[key] = self._counts.get(key, 0) + 1
                    self._waiting += 1
                full = self._waiting >= self.flush_events
            self._ensure_thread()
            if full:
                self._wake.set()
        except Exception:  # counting must never break the request that counts
            log.exception("a visit could not be counted")

    def _zone(self) -> str:
        """The city's time zone: read once (in a request, from its cached settings), then
        again by every flush."""
        if self._time_zone is None:
            if has_app_context() and current_app._get_current_object() is self.app:
                self._time_zone = city().time_zone
            else:
                self._read_time_zone()
        return self._time_zone or str(self.app.config["CITY_TIME_ZONE"])

    def _warn_full(self) -> None:
        if not self._dropped_warned:
            self._dropped_warned = True
            log.warning("visitor statistics: %s counters are waiting to be written; new ones "
                        "are dropped until the database takes them", MAX_WAITING_KEYS)

    def waiting(self) -> int:
        """How many events wait to be written."""
        with self._lock:
            return self._waiting

    # --- writing --------------------------------------------------------------------------

    def _take(self) -> dict[CountKey, int]:
        with self._lock:
            batch, self._counts, self._waiting = self._counts, {}, 0
            self._dropped_warned = False
        return batch

    def _put_back(self, batch: dict[CountKey, int]) -> None:
        with self._lock:
            for key, n in batch.items():
                self._counts[key] = self._counts.get(key, 0) + n
                self._waiting += n

    def flush(self, timeout: float = -1) -> int:
        """Write what waits in one transaction; returns the rows written (0 also when it
        failed). Never raises. ``timeout``: how long to wait for a flush already running."""
        if not self._flushing.acquire(timeout=timeout):
            return 0
        try:
            batch = self._take()
            if not batch:
                return 0
            try:
                with self.app.app_context():
                    try:
                        written = add_counts(db.session, batch)
                        db.session.commit()
                    finally:
                        db.session.remove()
            except Exception:  # noqa: BLE001 - whatever failed, _failed logs it and keeps the batch
                self._failed(batch)
                return 0
            self._failures = 0
            self._read_time_zone()
            return written
        finally:
            self._flushing.release()

    def _read_time_zone(self) -> None:
        """The city's time zone again (an admin may have changed it), off the request path."""
        try:
            with self.app.app_context():
                try:
                    self._time_zone = load_city().time_zone
                finally:
                    db.session.remove()
        except Exception:
            log.warning("visitor statistics: the city's time zone could not be read",
                        exc_info=True)

    def _failed(self, batch: dict[CountKey, int]) -> None:
        self._failures += 1
        events = sum(batch.values())
        if self._failures >= self.max_failures:
            self._failures = 0
            log.warning("visitor statistics: %s counts dropped after %s failed writes",
                        events, self.max_failures, exc_info=True)
            return
        log.warning("visitor statistics: writing %s counts failed (try %s of %s); kept for "
                    "the next flush", events, self._failures, self.max_failures, exc_info=True)
        self._put_back(batch)

    # --- the thread -----------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is not None or self._stopping.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="visit-counts",
                                            daemon=True)
            self._thread.start()
        atexit.register(self.close)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            if self._stopping.is_set():
                break
            self.flush()

    def _stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        atexit.unregister(self.close)
        thread = self._thread
        if thread is not None:
            thread.join(timeout=EXIT_WAIT_SECONDS)

    def close(self) -> None:
        """Stop the thread and write what waits (at process exit)."""
        self._stop()
        self.flush(timeout=EXIT_WAIT_SECONDS)

    def discard(self) -> None:
        """Stop the thread and forget what waits (an app torn down with its database)."""
        self._stop()
        self._take()


def visit_buffer(app: Flask | None = None) -> VisitBuffer:
    """The app's buffer (the current app's without an argument)."""
    buffer: VisitBuffer = (app or current_app).extensions[BUFFER_KEY]
    return buffer


def count_visit(event: StatEvent, subject_id: int) -> None:
    """Count one ``event`` about ``subject_id`` (call inside an app context); written later,
    never on this request's path, and never raising."""
    visit_buffer().add(((event, subject_id),))


def count_visits(events: Iterable[tuple[StatEvent, int]]) -> None:
    """Count several events at once (a beacon's list)."""
    visit_buffer().add(events)


def flush_visits(app: Flask) -> int:
    """Write ``app``'s waiting counts now (tests, commands); returns the rows written."""
    return visit_buffer(app).flush()


def discard_visits(app: Flask) -> None:
    """Forget ``app``'s waiting counts and stop its thread (test apps torn down)."""
    buffer = app.extensions.get(BUFFER_KEY)
    if buffer is not None:
        buffer.discard()


def init_app(app: Flask) -> None:
    app.extensions[BUFFER_KEY] = VisitBuffer(
        app, flush_seconds=float(app.config["STATS_FLUSH_SECONDS"]),
        flush_events=int(app.config["STATS_FLUSH_EVENTS"]),
        max_failures=int(app.config["STATS_FLUSH_MAX_FAILURES"]))
