"""The production topology on one machine (``tools/prod_stack.py``, ``make prod``): gunicorn,
two niced ``flask worker`` processes, PostgreSQL, Redis and s3rver, all on loopback and
configured through the environment only.

One stack for the module (it takes some seconds to start): an editor uploads a panorama over
HTTP, a worker process tiles it, its tiles come from the bucket, the metrics add up every
process, and SIGTERM stops everything cleanly.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.requirements import require
from tests.support.upload_files import panorama_file
from tools.prod_stack import REPO, S3RVER, Stack, find_pg_bin, running_stack

pytestmark = pytest.mark.slow

#: made in the stack's own database by the stack's own code (no HTTP sign-in needed)
EDITOR_SNIPPET = """
from server import create_app
from server.extensions import db
from server.passwords import Argon2PasswordHasher
from tours.accounts import create_user, issue_token
from tours.models import Role
app = create_app()
with app.app_context():
    user = create_user(db.session, Argon2PasswordHasher(), email="editor@stack.example",
                       role=Role.EDITOR, password="quiet harbour lantern seven 12")
    _token, secret = issue_token(db.session, user, "stack test")
    db.session.commit()
print(secret)
"""


def stack_available() -> None:
    """Skip (or, in CI, fail) when a part of the stack is not installed."""
    require(S3RVER.exists(), "s3rver", "run `make test` (it installs tools/s3rver)")
    try:
        find_pg_bin()
    except RuntimeError:
        require(False, "PostgreSQL's server", "apt-get install postgresql")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack_available()
    with running_stack(tmp_path_factory.mktemp("stack"), web_workers=2) as running:
        yield running


def editor_token(stack: Stack) -> str:
    result = subprocess.run([sys.executable, "-c", EDITOR_SNIPPET], cwd=REPO, env=stack.env(),
                            capture_output=True, check=True, timeout=60)
    return result.stdout.decode().strip().splitlines()[-1]


def call(url: str, *, token: str | None = None, data: bytes | None = None,
         content_type: str | None = None) -> tuple[int, bytes, Any]:
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")  # noqa: S310 - loopback
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for key, value in fields.items():
        out.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n"
                  f"{value}\r\n".encode())
    out.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
              f"filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n".encode())
    out.write(data)
    out.write(f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def niceness(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])  # the 19th field of /proc/<pid>/stat, counted after the name


def test_an_upload_is_tiled_by_a_worker_process_and_served_from_the_bucket(stack: Stack
                                                                           ) -> None:
    token = editor_token(stack)
    body, content_type = multipart({"author": "Ana Ruiz", "licence": "CC-BY-4.0"},
                                   "market.jpg", panorama_file(3, width=1024))

    status, answer, _headers = call(f"{stack.base_url}/api/panoramas", token=token, data=body,
                                    content_type=content_type)
    assert status == 201, answer
    panorama = json.loads(answer)["panorama"]["id"]
    deadline = time.monotonic() + 120
    while True:
        status, answer, _headers = call(f"{stack.base_url}/api/panoramas/{panorama}",
                                        token=token)
        shown = json.loads(answer)
        if shown["status"] in ("ready", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert shown["status"] == "ready", shown
    # a tile, straight from the public bucket
    preview = shown["manifest"]["keys"]["preview"].format(face="f")
    tile_key = f"panoramas/{panorama}/{shown['current_revision']}/{preview}"
    status, tile, headers = call(f"{stack.s3_url}/flaneur-public/public/{tile_key}")
    assert status == 200, tile_key
    assert headers["Content-Type"] == "image/jpeg"
    assert tile[:2] == b"\xff\xd8"

    # the workers run at lower priority; gunicorn's do not
    workers = [process.pid for name, process in stack.processes.items()
               if name.startswith("worker")]
    assert len(workers) == 2
    assert all(niceness(pid) >= 10 for pid in workers)
    assert niceness(stack.processes["web"].pid) < 10

    # one scrape sees the worker process's job and the web processes' requests
    status, text, _headers = call(f"{stack.base_url}/metrics")
    assert status == 200
    samples = [sample for family in text_string_to_metric_families(text.decode())
               for sample in family.samples]
    assert any(sample.name == "flaneur_job_duration_seconds_count"
               and sample.labels == {"kind": "tile_panorama", "outcome": "done"}
               and sample.value >= 1 for sample in samples)
    assert any(sample.name == "flaneur_http_requests_total"
               and sample.labels["route"] == "/api/panoramas" for sample in samples)


def test_the_configuration_is_only_the_environment(stack: Stack) -> None:
    env = stack.env()
    assert env["FLANEUR_ENV"] == "production"
    assert env["JOB_WORKERS"] == "0"
    assert all(url.startswith(("postgresql+psycopg://postgres@127.0.0.1",
                               "redis://127.0.0.1", "s3://"))
               for url in (env["DATABASE_URL"], env["RATELIMIT_STORAGE_URI"],
                           env["ORIGINALS_STORAGE_URL"], env["PUBLIC_STORAGE_URL"]))
    # nothing but loopback listens: every address of the stack is 127.0.0.1
    assert json.loads((stack.folder / "stack.json").read_text())["base_url"].startswith(
        "http://127.0.0.1:")
    assert os.environ.get("FLANEUR_ENV") != "production"  # the tests' own process untouched


def test_browsers_get_the_bucket_address_of_public_objects(tmp_path: Path) -> None:
    """``public_url`` names the bucket and the storage appends the full key, prefix included
    (it once named the prefix too, and every tile URL of the walk was a 404)."""
    from server.storage.urls import storage_from_url

    stack = Stack(tmp_path, {"web": 8000, "postgres": 55432, "redis": 56379, "s3": 54568})
    storage = storage_from_url(stack.env()["PUBLIC_STORAGE_URL"], connect_timeout=1,
                               read_timeout=1, max_attempts=1)
    assert storage.public_url("panoramas/p/r/1/f/0/0.jpg") == (
        "http://127.0.0.1:54568/flaneur-public/public/panoramas/p/r/1/f/0/0.jpg")
