"""Test apps: the configuration they start from, their database copy, and their tear-down.

``tests/conftest.py`` builds the ``app`` fixture from these; modules that share one app across
many tests (module-scoped worlds) use the same pieces.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from server.bucket_setup import cors_rule
from server.extensions import db
from tests.support.s3 import S3TestServer
from tours.models import Base

#: tables the migrations fill with defaults; emptying them would leave later tests without
SEEDED_TABLES = frozenset({"shop_category"})


def base_config(database_uri: str, instance: Path) -> dict[str, Any]:
    """The configuration every test app starts from."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-anything",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "ORIGINALS_STORAGE_URL": "memory://originals",
        "PUBLIC_STORAGE_URL": "memory://public",
        "JOB_WORKERS": 0,
        # no link check job queued by the first request: tests never reach the internet, and
        # count the jobs they make (tests/shops/test_link_checks.py turns it on)
        "LINK_CHECK_SCHEDULE": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "INSTANCE_FOR_TESTS": str(instance),
    }


#: groups of tests that run in the production configuration's storage when ``--s3`` is given
BUCKET_GROUPS = frozenset({"browser", "fuzz"})
#: pages served on any loopback port may read a test bucket's public objects
LOOPBACK_ORIGINS = ("http://127.0.0.1:*",)


def bucket_storage(server: S3TestServer) -> dict[str, str]:
    """The production configuration's storage settings: the originals and the public objects
    under two prefixes of a fresh bucket on ``server``, browsers fetching public objects
    straight from the bucket, which lets pages on loopback read them (the CORS rule that
    ``flask storage setup`` writes for a site's origins)."""
    bucket = server.create_bucket()
    server.client.put_bucket_cors(
        Bucket=bucket, CORSConfiguration={"CORSRules": [cors_rule(LOOPBACK_ORIGINS)]})
    return {
        "ORIGINALS_STORAGE_URL": server.storage_url(bucket, "originals"),
        "PUBLIC_STORAGE_URL": server.storage_url(
            bucket, "public", public_url=f"{server.endpoint_url}/{bucket}"),
    }


def uses_buckets(request: pytest.FixtureRequest) -> bool:
    """Whether the requesting test (or module) keeps its objects in S3 buckets (``--s3``)."""
    return bool(request.config.getoption("--s3")) and any(
        request.node.get_closest_marker(group) for group in BUCKET_GROUPS)


def database_for(database_url: str, folder: Path) -> str:
    """A database URL of the app's own: a copy of the migrated SQLite template in ``folder``,
    or the run's PostgreSQL database (emptied again by :func:`close_app`)."""
    if not database_url.startswith("sqlite:///"):
        return database_url
    copy = folder / "flaneur.sqlite3"
    shutil.copyfile(database_url.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"


def close_app(app: Flask) -> None:
    """Close the app's connections; on PostgreSQL empty every table but the seeded ones."""
    from server.visitor_stats import discard_visits

    # visitor counts still waiting would be written into the next test's database
    discard_visits(app)
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables
                               if t.name not in SEEDED_TABLES)
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()
