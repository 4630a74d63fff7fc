"""The shop link checker at work: the ``check_shop_links`` job, keeping it scheduled, and
``flask shops check-links``.

The job checks a batch of due addresses (see :mod:`tours.link_checks`) and queues itself
again, so once queued it keeps running without a cron. It is first queued when a ``flask
worker`` starts (not a ``--drain`` run), by the first request of a web process that runs in-app
workers (``JOB_WORKERS`` > 0), by ``flask shops check-links`` and by the editors' "Check links
now" button; ``LINK_CHECK_SCHEDULE=false``
leaves it alone.

The network checks run with no database transaction open (on SQLite a write would hold the
database's lock for as long as the slowest shop's server takes); the results are written at
the end, in the transaction that marks the job done.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from server.extensions import db
from server.jobs import JobContext, handler_registry
from tours import link_checks
from tours.link_checker import CheckResult, LinkChecker
from tours.link_checks import CHECK_LINKS_JOB, DueLink
from tours.models import LinkCheckOutcome, Shop, utcnow

log = logging.getLogger(__name__)

CHECKER_KEY = "flaneur.link_checker"


def link_checker(app: Flask) -> LinkChecker:
    """The application's checker, with its limits from the configuration (tests may replace
    ``app.extensions["flaneur.link_checker"]`` to hand it another network)."""
    checker = app.extensions.get(CHECKER_KEY)
    if checker is None:
        config = app.config
        checker = app.extensions[CHECKER_KEY] = LinkChecker(
            timeout=config["LINK_CHECK_TIMEOUT_SECONDS"],
            deadline=config["LINK_CHECK_DEADLINE_SECONDS"],
            allow_private=config["LINK_CHECK_ALLOW_PRIVATE"])
    return checker


def _interval(app: Flask) -> dt.timedelta:
    return dt.timedelta(hours=app.config["LINK_CHECK_INTERVAL_HOURS"])


def _check(checker: LinkChecker, link: DueLink) -> CheckResult:
    try:
        return checker.check(link.url)
    except Exception as error:
        log.exception("checking %s of shop %s failed", link.field, link.shop_id)
        return CheckResult(LinkCheckOutcome.UNREACHABLE, None,
                           f"check failed: {type(error).__name__}")


def run_check_links(ctx: JobContext) -> None:
    """Job ``check_shop_links``: check a batch of due shop addresses, record the results and
    queue the next run."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    batch = app.config["LINK_CHECK_BATCH"]
    now = utcnow()
    cutoff = link_checks.checked_before(ctx.payload, interval=_interval(app), now=now)
    with Session(db.engine) as reading:
        due = link_checks.due_links(reading, checked_before=cutoff, limit=batch + 1)
    todo = due[:batch]
    checker = link_checker(app)
    results = []
    for number, link in enumerate(todo):
        ctx.report_progress(int(100 * number / max(1, len(todo))), "checking")
        results.append((link, _check(checker, link)))
    ctx.check()
    for link, result in results:
        link_checks.record_check(ctx.session, link, result)
    link_checks.schedule_after_batch(
        ctx.session, job=None, more_due=len(due) > batch, payload=ctx.payload,
        interval=_interval(app), excluding_job=ctx.job_id,
        max_attempts=app.config["JOB_MAX_ATTEMPTS"])


class _FirstRequest:
    """Queues the job once per process, at its first request (cheap afterwards)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.done = False
        self._lock = threading.Lock()

    def __call__(self) -> None:
        if self.done:
            return
        with self._lock:
            if self.done:
                return
            self.done = True
        try:
            with Session(db.engine) as session, session.begin():
                link_checks.ensure_scheduled(
                    session, max_attempts=self.app.config["JOB_MAX_ATTEMPTS"])
        except SQLAlchemyError:
            # a database without its tables yet (before `flask db upgrade`), or an outage:
            # the dashboard's button and `flask shops check-links` still start it
            log.warning("could not queue the shop link check", exc_info=True)


@click.command("check-links")
@click.option("--due-only", is_flag=True,
              help="Check only the addresses whose last check is older than "
                   "LINK_CHECK_INTERVAL_HOURS (or changed); without it, every address.")
@with_appcontext
def check_links_command(due_only: bool) -> None:
    """Check the website and online-shop addresses of published shops now and print what was
    found; the results appear on the editors' freshness dashboard."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    now = utcnow()
    cutoff = now - _interval(app) if due_only else now
    checker = link_checker(app)
    session = db.session
    counts: dict[LinkCheckOutcome, int] = dict.fromkeys(LinkCheckOutcome, 0)
    while True:
        due = link_checks.due_links(session, checked_before=cutoff, limit=50)
        session.rollback()  # no transaction stays open while the network is asked
        if not due:
            break
        for link in due:
            result = _check(checker, link)
            link_checks.record_check(session, link, result)
            session.commit()
            counts[result.outcome] += 1
            shop = session.get(Shop, link.shop_id)
            click.echo(f"{shop.slug if shop else link.shop_id} {link.field} {link.url}: "
                       f"{result.outcome.value} ({result.detail})")
    link_checks.ensure_scheduled(session, max_attempts=app.config["JOB_MAX_ATTEMPTS"])
    session.commit()
    click.echo(", ".join(f"{outcome.value}: {count}" for outcome, count in counts.items()))


def init_app(app: Flask) -> None:
    from server.shops_cli import shops_group

    handler_registry(app).register(CHECK_LINKS_JOB, run_check_links)
    shops_group.add_command(check_links_command)
    if app.config["LINK_CHECK_ALLOW_PRIVATE"]:
        app.logger.warning(
            "LINK_CHECK_ALLOW_PRIVATE is on: the shop link checker may reach private, loopback "
            "and link-local addresses. This setting is for tests only.")
    if app.config["LINK_CHECK_SCHEDULE"]:
        first = _FirstRequest(app)
        # a standing `flask worker` makes sure the check is queued, and so does a web process
        # that runs jobs itself, at its first request
        handler_registry(app).on_worker_start(lambda _app: first())
        if app.config["JOB_WORKERS"] > 0:
            app.before_request(first)
