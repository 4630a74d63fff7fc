"""The production path: gunicorn serving the app with production settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.live_server import free_port

REPO = Path(__file__).resolve().parents[1]



def _wait_for(url: str, deadline: float) -> int:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL
                return int(response.status)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.slow
def test_gunicorn_serves_the_app_in_production_mode(database_url, tmp_path):
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "FLANEUR_ENV": "production",
        "SECRET_KEY": "p" * 48,
        "DATABASE_URL": database_url,
        "ORIGINALS_STORAGE_URL": "memory://originals",
        "PUBLIC_STORAGE_URL": "memory://public",
        "JOB_WORKERS": "0",
        # every worker's numbers in one scrape (prometheus_client's multiprocess mode)
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
             "--graceful-timeout", "5", "server:create_app()"],
            cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 30) == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.status == 200
        for _ in range(6):
            _wait_for(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            scraped = response.read().decode()
        served = sum(sample.value for family in text_string_to_metric_families(scraped)
                     for sample in family.samples
                     if sample.name == "flaneur_http_requests_total"
                     and sample.labels["route"] == "/healthz")
        # production logs are JSON lines, one per request, with its id
        logged = [json.loads(line) for line in log.read_text().splitlines()
                  if line.startswith("{")]
        requests = [entry for entry in logged if entry.get("event") == "request"]
        assert all(entry["request_id"] for entry in requests)
        health_checks = [entry for entry in requests if entry["route"] == "/healthz"]
        assert len(health_checks) >= 7  # the start-up wait may have asked more than once
        # both workers' counts, added up: as many as were answered
        assert served == len(health_checks)
    except Exception:
        print(log.read_text())
        raise
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_production_refuses_to_start_with_the_development_secret(database_url):
    env = {**os.environ, "FLANEUR_ENV": "production", "DATABASE_URL": database_url}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "server", "routes"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
