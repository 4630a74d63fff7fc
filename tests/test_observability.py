"""Request ids, JSON log lines and the Prometheus metrics (``server/observability.py``)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from server.config import ConfigError, load_config
from server.jobs import handler_registry
from server.jobs.worker import Worker
from server.observability import JsonFormatter
from tests.jobs.helpers import add_job

pytestmark = pytest.mark.database


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "JOB_HANDLER_MODULES": ("tests.jobs.handlers",),
            "JOB_RETRY_SECONDS": 0.01, "JOB_MAX_ATTEMPTS": 1}


@pytest.fixture
def lines(app: Flask) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The app's log as the JSON lines ``LOG_FORMAT=json`` writes (caught in memory)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    app.logger.addHandler(handler)
    level = app.logger.level
    app.logger.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    finally:
        app.logger.removeHandler(handler)
        app.logger.setLevel(level)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_every_answer_carries_a_request_id_and_keeps_a_sane_one_it_was_given(client) -> None:
    fresh = client.get("/healthz")
    given = client.get("/healthz", headers={"X-Request-ID": "proxy-7f3a.1"})
    odd = client.get("/healthz", headers={"X-Request-ID": "no spaces <please>"})

    assert len(fresh.headers["X-Request-ID"]) == 32
    assert given.headers["X-Request-ID"] == "proxy-7f3a.1"
    assert odd.headers["X-Request-ID"] not in ("no spaces <please>", "")


def test_each_request_ends_with_one_json_line_without_the_visitors_traces(client, lines) -> None:
    client.get("/api/shops?q=secret+wish", headers={"X-Request-ID": "abc-123",
                                                     "User-Agent": "Probe/1.0"})

    [line] = [entry for entry in lines() if entry.get("event") == "request"]
    assert line["request_id"] == "abc-123"
    assert line["method"] == "GET"
    assert line["route"] == "/api/shops"
    assert line["path"] == "/api/shops"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["level"] == "info"
    text = json.dumps(line)
    assert "secret" not in text
    assert "Probe" not in text
    assert "127.0.0.1" not in text


def test_a_job_attempt_ends_with_one_json_line_and_its_metrics(app: Flask, client, lines,
                                                               tmp_path) -> None:
    done = add_job(app, "test.record", path=str(tmp_path / "proof"))
    failed = add_job(app, "test.fail", path=str(tmp_path / "proof"), message="boom")
    worker = Worker.from_config(app, handler_registry(app), "observed")

    worker.run(drain=True)

    jobs = {entry["job_id"]: entry for entry in lines() if entry.get("event") == "job"}
    assert jobs[done]["outcome"] == "done"
    assert jobs[done]["kind"] == "test.record"
    assert jobs[failed]["outcome"] == "failed"
    assert jobs[failed]["attempt"] == 1
    numbers = samples(client.get("/metrics").get_data(as_text=True))
    assert numbers[("flaneur_job_duration_seconds_count",
                    (("kind", "test.fail"), ("outcome", "failed")))] == 1
    assert numbers[("flaneur_job_duration_seconds_count",
                    (("kind", "test.record"), ("outcome", "done")))] == 1


def test_metrics_count_requests_by_route_and_show_the_queue(app: Flask, client,
                                                             tmp_path) -> None:
    for _ in range(3):
        client.get("/api/shops")
    client.get("/no/such/page")
    add_job(app, "test.record", path=str(tmp_path / "proof"))

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    numbers = samples(response.get_data(as_text=True))
    assert numbers[("flaneur_http_requests_total",
                    (("method", "GET"), ("route", "/api/shops"), ("status", "200")))] == 3
    assert numbers[("flaneur_http_requests_total",
                    (("method", "GET"), ("route", "<unmatched>"), ("status", "404")))] == 1
    assert numbers[("flaneur_http_request_duration_seconds_count",
                    (("method", "GET"), ("route", "/api/shops")))] == 3
    assert numbers[("flaneur_job_queue_depth",
                    (("kind", "test.record"), ("status", "queued")))] == 1
    assert numbers[("flaneur_tiling_failures_total", ())] == 0


@pytest.mark.parametrize("headers", [
    {"X-Forwarded-For": "203.0.113.9"},      # relayed by a proxy on this machine
    {"Forwarded": "for=203.0.113.9"},
    {"Authorization": "Bearer wrong"},
])
def test_metrics_are_only_for_the_machine_itself(client, headers: dict[str, str]) -> None:
    assert client.get("/metrics", headers=headers).status_code == 404


def test_metrics_from_elsewhere_need_the_token(make_app: Callable[..., Flask]) -> None:
    app = make_app(METRICS_TOKEN="a-long-random-scrape-token")
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}

    assert client.get("/metrics", environ_base=outside).status_code == 404
    assert client.get("/metrics", environ_base=outside, headers={
        "Authorization": "Bearer a-long-random-scrape-token"}).status_code == 200


def test_metrics_can_be_switched_off(make_app: Callable[..., Flask]) -> None:
    app = make_app(METRICS_ENABLED=False)

    assert app.test_client().get("/metrics").status_code == 404


def test_json_logging_is_the_production_default(make_app: Callable[..., Flask],
                                                tmp_path: Path) -> None:
    assert load_config({"FLANEUR_ENV": "production"}, tmp_path)["LOG_FORMAT"] == "json"
    assert load_config({}, tmp_path)["LOG_FORMAT"] == "text"
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        load_config({"LOG_FORMAT": "xml"}, tmp_path)
    app = make_app(LOG_FORMAT="json")
    assert [handler.get_name() for handler in app.logger.handlers] == ["flaneur-json"]
    assert app.logger.propagate is False


def test_production_refuses_a_short_metrics_token(tmp_path: Path) -> None:
    from server.config import check_config

    production = {"FLANEUR_ENV": "production", "SECRET_KEY": "k" * 40}
    check_config({**load_config(production, tmp_path), "SECRET_KEY": "k" * 40})
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        check_config({**load_config({**production, "METRICS_TOKEN": "short"}, tmp_path),
                      "SECRET_KEY": "k" * 40})
