"""``/healthz`` reports the database and both storages."""

from __future__ import annotations

import time

from server import create_app
from tests.support.apps import base_config


def test_healthy_app_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert response.headers["Cache-Control"] == "no-store"


def test_unreachable_database_answers_503_naming_it(tmp_path):
    # nothing listens on port 1 of loopback: the connection is refused at once
    config = base_config("postgresql+psycopg://flaneur@127.0.0.1:1/flaneur", tmp_path)
    app = create_app(config)
    started = time.monotonic()
    response = app.test_client().get("/healthz")
    elapsed = time.monotonic() - started
    print(f"database unreachable: 503 after {elapsed * 1000:.0f} ms")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("unreachable")
    assert elapsed < 10
