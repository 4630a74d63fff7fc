"""While the database cannot be reached, every request is answered at once with 503 and
``Retry-After`` (JSON under ``/api/``, the error page elsewhere), never a 500 or a hang."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask

from tests.support.live_server import free_port

pytestmark = pytest.mark.database


@pytest.fixture
def unreachable(make_app: Callable[..., Flask]) -> Flask:
    """An app whose PostgreSQL server is gone (nothing listens on its port)."""
    return make_app(SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:"
                                            f"{free_port()}/flaneur")


@pytest.mark.parametrize("path", ["/api/walk/tours", "/api/shops", "/api/route/destinations"])
def test_the_api_answers_503_with_retry_after(unreachable: Flask, path: str) -> None:
    started = time.monotonic()
    response = unreachable.test_client().get(path)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["message"].startswith("The service is unavailable for a moment")
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("path", ["/", "/shops", "/tours/old-town"])
def test_pages_answer_503_with_the_error_page(unreachable: Flask, path: str) -> None:
    response = unreachable.test_client().get(path, headers={"Accept-Language": "de"})

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "text/html" in response.headers["Content-Type"]
    assert "Der Dienst ist gerade nicht erreichbar" in response.get_data(as_text=True)


def test_the_health_check_names_the_database(unreachable: Flask) -> None:
    response = unreachable.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] != "ok"
