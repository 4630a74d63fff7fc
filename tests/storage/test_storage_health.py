"""``/healthz`` checks both storages and fails fast, within the configured limits, when down."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from server.storage import StorageError, storage_from_url
from tests.support.s3 import MotoS3, hanging_endpoint, running_moto_server, worst_case_seconds

#: short limits, so the failure tests are quick; the bound below is derived from them
LIMITS = {"STORAGE_CONNECT_TIMEOUT": 0.5, "STORAGE_READ_TIMEOUT": 0.5, "STORAGE_MAX_ATTEMPTS": 2}
#: room for a slow, busy CI machine on top of the computed worst case
MARGIN_SECONDS = 2.0


def bound() -> float:
    return worst_case_seconds(LIMITS["STORAGE_CONNECT_TIMEOUT"], LIMITS["STORAGE_READ_TIMEOUT"],
                              LIMITS["STORAGE_MAX_ATTEMPTS"]) + MARGIN_SECONDS


def timed_healthz(app: Flask, what: str) -> tuple[int, dict[str, Any]]:
    client = app.test_client()
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    print(f"healthz with {what}: {response.status_code} after {elapsed:.2f} s "
          f"(bound {bound():.1f} s)")
    assert elapsed < bound()
    return response.status_code, response.get_json()


def test_healthy_s3_storages_answer_200(make_app: Callable[..., Flask], moto_s3: MotoS3):
    bucket = moto_s3.create_bucket()
    app = make_app(ORIGINALS_STORAGE_URL=moto_s3.storage_url(bucket, "originals"),
                   PUBLIC_STORAGE_URL=moto_s3.storage_url(bucket, "public"), **LIMITS)
    status, body = timed_healthz(app, "S3 up")
    assert status == 200
    assert body["checks"] == {"database": "ok", "originals_storage": "ok", "public_storage": "ok"}


def test_a_stopped_s3_server_answers_503_naming_the_storage(make_app: Callable[..., Flask]):
    with running_moto_server() as (s3, stop):
        app = make_app(PUBLIC_STORAGE_URL=s3.storage_url(s3.create_bucket()), **LIMITS)
        assert timed_healthz(app, "S3 up")[0] == 200
        stop()
        status, body = timed_healthz(app, "S3 stopped (connection refused)")
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["public_storage"] == "unreachable: StorageError"
    assert body["checks"]["originals_storage"] == "ok"
    assert body["checks"]["database"] == "ok"


def test_a_hanging_s3_server_answers_503_within_the_read_timeout(
        make_app: Callable[..., Flask]):
    with hanging_endpoint() as endpoint:
        url = (f"s3://originals/x?endpoint_url={endpoint}&addressing_style=path"
               "&access_key_id=k&secret_access_key=s")
        app = make_app(ORIGINALS_STORAGE_URL=url, **LIMITS)
        status, body = timed_healthz(app, "S3 hanging (read timeout)")
    assert status == 503
    assert body["checks"]["originals_storage"] == "unreachable: StorageError"
    assert body["checks"]["public_storage"] == "ok"


def test_a_missing_bucket_answers_503(make_app: Callable[..., Flask], moto_s3: MotoS3):
    app = make_app(PUBLIC_STORAGE_URL=moto_s3.storage_url("never-created"), **LIMITS)
    status, body = timed_healthz(app, "a missing bucket")
    assert status == 503
    assert body["checks"]["public_storage"] == "unreachable: StorageError"


def test_a_vanished_local_folder_answers_503(make_app: Callable[..., Flask], tmp_path: Path):
    folder = tmp_path / "originals"
    app = make_app(ORIGINALS_STORAGE_URL=folder.as_uri())
    assert app.test_client().get("/healthz").status_code == 200
    shutil.rmtree(folder)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["originals_storage"] == "unreachable: StorageError"


@pytest.mark.parametrize("operation", ["check", "put", "get", "list"])
def test_every_call_to_a_hanging_server_gives_up_in_time(operation: str):
    limits = {"connect_timeout": 0.5, "read_timeout": 0.5, "max_attempts": 2}
    with hanging_endpoint() as endpoint:
        storage = storage_from_url(
            f"s3://tiles?endpoint_url={endpoint}&access_key_id=k&secret_access_key=s", **limits)
        calls = {"check": storage.check, "put": lambda: storage.put("a.jpg", b"x"),
                 "get": lambda: storage.get("a.jpg"), "list": lambda: list(storage.list_keys())}
        started = time.monotonic()
        with pytest.raises(StorageError, match="timeout"):
            calls[operation]()
        elapsed = time.monotonic() - started
    limit = worst_case_seconds(**limits) + MARGIN_SECONDS
    print(f"{operation} against a hanging S3 server failed after {elapsed:.2f} s "
          f"(bound {limit:.1f} s)")
    # both attempts were made: the retry limit is honoured, not just the timeout
    assert 2 * limits["read_timeout"] <= elapsed < limit
