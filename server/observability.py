"""What operators see of a running Flaneur: a request id, structured logs and metrics.

- **Request id.** Every request gets one: the ``X-Request-ID`` a proxy sent (when it looks like
  an id: 1–64 letters, digits, ``.``, ``_``, ``-``), else a new random one. It is sent back in
  ``X-Request-ID`` and stamped on every log line written while the request runs, so a proxy's
  log, the app's log and an error report meet.
- **Logs.** With ``LOG_FORMAT=json`` (the default in production) the app's loggers write one
  JSON object per line to stderr: ``time``, ``level``, ``logger``, ``message``, the request id
  and the event's own fields. Each request ends with one ``"event": "request"`` line (method,
  route rule, path without the query string, status, duration, bytes) and each job attempt
  with one ``"event": "job"`` line (id, kind, attempt, outcome, duration). Nothing about the
  visitor is logged: no address, no user agent, no query string (it may hold what they
  searched for).
- **Metrics.** ``GET /metrics`` answers in the Prometheus text format: request counts and
  latencies by route rule, job durations and outcomes by kind, tiling failures, and the job
  queue's depth by kind (read from the database at each scrape). It answers only requests from
  the machine itself that came through no proxy, or that carry ``Authorization: Bearer
  <METRICS_TOKEN>``; everyone else gets 404. Under gunicorn, set ``PROMETHEUS_MULTIPROC_DIR``
  to an empty folder shared by the web workers and ``flask worker`` processes of one machine,
  and every process's numbers are added up (``prometheus_client``'s multiprocess mode).
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
)
from flask.logging import default_handler
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from server.extensions import db
from tours.models import Job, JobStatus

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
METRICS_KEY = "flaneur.metrics"
ACCESS_LOGGER = "server.access"
JOBS_LOGGER = "server.jobs"
#: latency buckets in seconds: tiles and JSON answer in milliseconds, uploads take seconds
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
JOB_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)
#: the job kind whose failures are counted apart (a panorama that could not be tiled)
TILING_JOB = "tile_panorama"


# --- request ids ----------------------------------------------------------------------------


def request_id() -> str | None:
    """The id of the request being served (None outside a request)."""
    if not has_request_context():
        return None
    return g.get("request_id")


def _take_request_id() -> None:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


# --- structured logs ------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        identifier = getattr(record, "request_id", None) or request_id()
        if identifier:
            entry["request_id"] = identifier
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr for the app's loggers when ``LOG_FORMAT`` is ``json``."""
    if app.config["LOG_FORMAT"] != "json":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.set_name("flaneur-json")
    app.logger.removeHandler(default_handler)
    if not any(existing.get_name() == "flaneur-json" for existing in app.logger.handlers):
        app.logger.addHandler(handler)
    app.logger.setLevel(logging.INFO)
    # the app's lines are complete here; the root logger would print them a second time
    app.logger.propagate = False


def log_job(kind: str, job_id: int, attempt: int, outcome: str, seconds: float) -> None:
    """The line and the metrics of one finished job attempt (called by the job worker)."""
    logging.getLogger(JOBS_LOGGER).info(
        "job %s (%s) %s in %.2f s", job_id, kind, outcome, seconds,
        extra={"fields": {"event": "job", "job_id": job_id, "kind": kind, "attempt": attempt,
                          "outcome": outcome, "duration_ms": round(seconds * 1000, 1)}})
    found = current_app.extensions.get(METRICS_KEY) if has_app_context() else None
    if found is not None:
        found.job_duration.labels(kind=kind, outcome=outcome).observe(seconds)
        if kind == TILING_JOB and outcome == "failed":
            found.tiling_failures.inc()


# --- metrics --------------------------------------------------------------------------------


class QueueDepth(Collector):
    """``flaneur_job_queue_depth{kind}``: jobs waiting (queued) and running, read at scrape."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        waiting = GaugeMetricFamily("flaneur_job_queue_depth",
                                    "Jobs queued and not yet finished, by kind and status",
                                    labels=["kind", "status"])
        try:
            with self.app.app_context(), Session(db.engine) as session:
                rows = session.execute(
                    select(Job.kind, Job.status, func.count(Job.id))
                    .where(Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
                    .group_by(Job.kind, Job.status)).all()
        except SQLAlchemyError:
            rows = []
        for kind, status, count in rows:
            waiting.add_metric([kind, status.value], count)
        yield waiting


class Metrics:
    """The app's metrics (one set per application, so tests never share numbers)."""

    def __init__(self, app: Flask) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("flaneur_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("flaneur_http_request_duration_seconds",
                                 "Time to answer a request", ["method", "route"],
                                 buckets=REQUEST_BUCKETS, registry=self.registry)
        self.job_duration = Histogram("flaneur_job_duration_seconds",
                                      "Time a job attempt took, by kind and outcome",
                                      ["kind", "outcome"], buckets=JOB_BUCKETS,
                                      registry=self.registry)
        self.tiling_failures = Counter("flaneur_tiling_failures",
                                       "Tiling attempts that failed", registry=self.registry)
        self.queue = QueueDepth(app)

    def exposition(self) -> bytes:
        """The text format: this process's numbers, or every process's in multiprocess mode."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
        else:
            registry = self.registry
        text = generate_latest(registry)
        scrape = CollectorRegistry()
        scrape.register(self.queue)
        return text + generate_latest(scrape)


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def _finish_request(response: Response) -> Response:
    identifier = g.get("request_id")
    if identifier:
        response.headers[REQUEST_ID_HEADER] = identifier
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    route = _route()
    metrics: Metrics | None = current_app.extensions.get(METRICS_KEY)
    if metrics is not None and request.endpoint != "observability.metrics":
        metrics.requests.labels(method=request.method, route=route,
                                status=str(response.status_code)).inc()
        metrics.latency.labels(method=request.method, route=route).observe(seconds)
    logging.getLogger(ACCESS_LOGGER).info(
        "%s %s %s", request.method, request.path, response.status_code,
        extra={"fields": {"event": "request", "method": request.method, "route": route,
                          "path": request.path, "status": response.status_code,
                          "duration_ms": round(seconds * 1000, 1),
                          "bytes": response.calculate_content_length()}})
    return response


# --- the endpoint ---------------------------------------------------------------------------


def _may_read_metrics() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    offered = request.headers.get("Authorization")
    if offered is not None:
        # a scraper that names a secret must name the right one, wherever it asks from
        return bool(token) and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode())
    # the machine itself, directly: a request relayed by a proxy on this machine is not
    if any(name in request.headers for name in ("X-Forwarded-For", "Forwarded", "X-Real-IP")):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


bp = Blueprint("observability", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    """The Prometheus text format, for the machine itself or a bearer of ``METRICS_TOKEN``."""
    metrics: Metrics | None = current_app.extensions.get(METRICS_KEY)
    if metrics is None or not _may_read_metrics():
        abort(404)
    response = Response(metrics.exposition(), mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request(_take_request_id)
    app.after_request(_finish_request)
    if app.config["METRICS_ENABLED"]:
        app.extensions[METRICS_KEY] = Metrics(app)
        app.register_blueprint(bp)
