"""Visitor statistics for the city's editors (``/edit/statistics``) and for each shop's owners
(``/my/shops/<id>/statistics``), with CSV exports of the same numbers.

The counts come from :mod:`tours.visitor_stats` (per city day, only subjects that exist).
The page draws a line per event over the days in the browser with Chart.js
(``static/viewer/src/editor/statistics.js``, from the ``data-chart`` attribute); the tables
under it hold the same numbers, so they are also the charts' accessible alternative. Pages
and exports are never cached.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from flask import Blueprint, abort, make_response, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from server.city_settings import city
from server.error_pages import render_error_page
from server.extensions import db
from server.security import current_account, roles_required
from server.shop_exports import guard_formula
from server.shop_presenter import text
from tours import shops
from tours import visitor_stats as stats
from tours.errors import DomainError
from tours.models import Role, StatEvent, utcnow

bp = Blueprint("stats_pages", __name__)
CSV_COLUMNS = ("day", "event", "subject_type", "subject_id", "subject_name", "count")
TOP_LIMIT = 10
#: the dates a period may name (no count is older than Flaneur)
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


def event_labels() -> dict[str, str]:
    """What each event is called on the dashboards (and in the charts' legend)."""
    return {
        StatEvent.TOUR_VIEW.value: _("Tour views"),
        StatEvent.SCENE_VIEW.value: _("Scene views"),
        StatEvent.HOTSPOT_OPEN.value: _("Hotspots opened"),
        StatEvent.CARD_OPEN.value: _("Shop cards opened"),
        StatEvent.WEBSITE_CLICK.value: _("Website visits"),
        StatEvent.ONLINE_SHOP_CLICK.value: _("Online shop visits"),
        StatEvent.ROUTE_REQUEST.value: _("Route requests"),
    }


class PeriodRefused(Exception):
    """``?from=``/``?to=`` that are no dates, or a period the rules refuse; the message says
    why (translated)."""


def _date(name: str) -> dt.date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise PeriodRefused(_("Enter dates as YYYY-MM-DD, such as 2026-05-31.")) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        # the default period around a date near year 1 or 9999 would overflow the calendar
        raise PeriodRefused(_("Enter a date from %(first)s to %(last)s.",
                              first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()))
    return day


def requested_period() -> tuple[stats.Period, str | None]:
    """The period in ``?from=`` and ``?to=`` (the last 30 days by default), and why the asked
    one was refused (then the default period is shown, answered with 400)."""
    today = stats.city_day(city().time_zone, utcnow())
    try:
        return stats.clean_period(_date("from"), _date("to"), today=today), None
    except PeriodRefused as refused:
        message = str(refused)
    except DomainError as exc:
        message = _(exc.message, **exc.params)
    return stats.clean_period(None, None, today=today), message


def _period_for_export() -> stats.Period:
    period, refused = requested_period()
    if refused:
        abort(make_response(render_error_page(BadRequest(), text=refused)))
    return period


def chart_data(period: stats.Period, totals: list[stats.DayTotal],
               events: tuple[StatEvent, ...]) -> dict[str, Any]:
    """What the chart script draws: the days and one line per event."""
    labels = event_labels()
    series = stats.per_day(totals, period)
    return {"days": [day.isoformat() for day in period.days],
            "series": [{"event": event.value, "label": labels[event.value],
                        "counts": series[event]} for event in events]}


def day_rows(period: stats.Period, totals: list[stats.DayTotal],
             events: tuple[StatEvent, ...]) -> list[dict[str, Any]]:
    """The chart as a table: one row per day (newest first), a column per event."""
    series = stats.per_day(totals, period)
    rows = [{"day": day, "counts": [series[event][position] for event in events]}
            for position, day in enumerate(period.days)]
    return list(reversed(rows))


def _top(entries: list[stats.SubjectTotal]) -> list[dict[str, Any]]:
    return [{"id": entry.subject_id, "name": text(entry.name) or f"#{entry.subject_id}",
             "counts": {event.value: count for event, count in entry.counts.items()},
             "total": entry.total} for entry in entries]


def _csv(rows: list[stats.CountRow], filename: str) -> Response:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row.day.isoformat(), row.event.value, row.subject_type,
                         row.subject_id, guard_formula(text(row.name)), row.count])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _csv_name(stem: str, period: stats.Period) -> str:
    return f"{stem}-{period.start.isoformat()}-{period.end.isoformat()}.csv"


def _page(html: str, refused: str | None) -> Response:
    response = make_response(html, 400 if refused else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/edit/statistics")
@roles_required(Role.EDITOR)
def dashboard() -> Response:
    """The whole walk's counts in a period: a chart per day, the top tours, scenes, shops."""
    period, refused = requested_period()
    totals = stats.daily_totals(db.session, period)
    events = tuple(StatEvent)
    sums = {event.value: sum(counts) for event, counts in
            stats.per_day(totals, period).items()}
    return _page(render_template(
        "editor/statistics.html", period=period, labels=event_labels(), events=events,
        chart=chart_data(period, totals, events), days=day_rows(period, totals, events),
        sums=sums,
        tours=_top(stats.top_tours(db.session, period, TOP_LIMIT)),
        scenes=_top(stats.top_scenes(db.session, period, TOP_LIMIT)),
        shops=_top(stats.top_shops(db.session, period, TOP_LIMIT)),
        shop_events=stats.SHOP_EVENTS,
        csv_url=url_for("stats_pages.dashboard_csv", **{"from": period.start.isoformat(),
                                                        "to": period.end.isoformat()}),
        form_url=url_for("stats_pages.dashboard"), shop=None, refused=refused), refused)


@bp.get("/edit/statistics.csv")
@roles_required(Role.EDITOR)
def dashboard_csv() -> Response:
    """Every count of the period: day, event, subject type, id and name, count."""
    period = _period_for_export()
    return _csv(stats.count_rows(db.session, period), _csv_name("statistics", period))


@bp.get("/my/shops/<int:shop_id>/statistics")
@roles_required(Role.EDITOR, Role.SHOP_OWNER)
def shop(shop_id: int) -> Response:
    """One shop's numbers: its card opened, its website and online shop followed, routes
    asked to it and its hotspots opened (its owners and editors only)."""
    found = shops.shop_for(db.session, current_account(), shop_id)
    period, refused = requested_period()
    totals = stats.shop_daily(db.session, found.id, period)
    events = stats.SHOP_EVENTS
    sums = {event.value: count for event, count in
            stats.shop_totals(db.session, found.id, period).items()}
    return _page(render_template(
        "editor/statistics.html", period=period, labels=event_labels(), events=events,
        chart=chart_data(period, totals, events), days=day_rows(period, totals, events),
        sums=sums, tours=None, scenes=None, shops=None, shop_events=events,
        csv_url=url_for("stats_pages.shop_csv", shop_id=found.id,
                        **{"from": period.start.isoformat(), "to": period.end.isoformat()}),
        form_url=url_for("stats_pages.shop", shop_id=found.id),
        shop={"id": found.id, "name": text(found.name) or found.slug}, refused=refused),
        refused)


@bp.get("/my/shops/<int:shop_id>/statistics.csv")
@roles_required(Role.EDITOR, Role.SHOP_OWNER)
def shop_csv(shop_id: int) -> Response:
    """The shop's counts of the period as CSV (same columns as the editors' export)."""
    found = shops.shop_for(db.session, current_account(), shop_id)
    period = _period_for_export()
    return _csv(stats.count_rows(db.session, period, shop_id=found.id),
                _csv_name(f"statistics-{found.slug}", period))
