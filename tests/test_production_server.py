"""The production path: gunicorn serving the app with production settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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
    env = {
        **os.environ,
        "FLANEUR_ENV": "production",
        "SECRET_KEY": "p" * 48,
        "DATABASE_URL": database_url,
        "ORIGINALS_STORAGE_URL": "memory://originals",
        "PUBLIC_STORAGE_URL": "memory://public",
        "JOB_WORKERS": "0",
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
