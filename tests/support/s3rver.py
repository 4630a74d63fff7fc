"""s3rver on loopback: an S3 server that keeps its objects on disk and enforces CORS.

moto's server answers every ``Origin`` and forgets everything when it stops; s3rver (npm,
pinned in ``tools/s3rver/``, installed by ``make s3rver``) applies the bucket's CORS
configuration like S3 does and serves a restarted server's data again. It has no bucket
policies or lifecycle rules (``NotImplemented``) and serves every object to anyone.

``running_s3rver()`` starts one (a fresh data folder unless given, a free port unless given)
and stops it; the session fixture ``s3rver`` shares one per run — every test makes its own
bucket.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.support.requirements import require
from tests.support.s3 import S3TestServer

TOOL_FOLDER = Path(__file__).resolve().parents[2] / "tools" / "s3rver"
ENTRY_POINT = TOOL_FOLDER / "node_modules" / "s3rver" / "bin" / "s3rver.js"
#: s3rver's built-in account; it checks the key id, not (version 4) signatures
ACCESS_KEY_ID = "S3RVER"
SECRET_ACCESS_KEY = "S3RVER"
REGION = "us-east-1"
#: how long a start may take before the test fails (Node starts in well under a second)
START_SECONDS = 20.0
STOP_SECONDS = 10.0
_LISTENING = re.compile(r"S3rver listening on [0-9.]+:(\d+)")


@dataclass(frozen=True)
class S3rver(S3TestServer):
    """A running s3rver."""

    directory: Path
    port: int
    access_key_id: ClassVar[str] = ACCESS_KEY_ID
    secret_access_key: ClassVar[str] = SECRET_ACCESS_KEY
    client_options: ClassVar[dict[str, Any]] = {
        "signature_version": "s3v4", "request_checksum_calculation": "when_required",
        "response_checksum_validation": "when_required"}


def s3rver_installed() -> bool:
    return ENTRY_POINT.exists() and shutil.which("node") is not None


@contextlib.contextmanager
def running_s3rver(directory: Path | None = None, port: int = 0) -> Iterator[S3rver]:
    """Start s3rver on 127.0.0.1 (``port`` 0: a free one) keeping its data in ``directory``
    (a temporary folder, removed afterwards, unless given); yield it; stop it."""
    if not s3rver_installed():
        raise RuntimeError(f"s3rver is not installed in {TOOL_FOLDER}: run `make s3rver`")
    own_folder = directory is None
    folder = Path(tempfile.mkdtemp(prefix="flaneur-s3rver-")) if directory is None else directory
    folder.mkdir(parents=True, exist_ok=True)
    log = Path(tempfile.mkdtemp(prefix="flaneur-s3rver-log-")) / "s3rver.log"
    # Node 17+ (OpenSSL 3) left out DES, which s3rver uses for list continuation tokens
    environment = {**os.environ, "NODE_OPTIONS": "--openssl-legacy-provider"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["node", str(ENTRY_POINT), "-d", str(folder), "-a", "127.0.0.1", "-p", str(port),
             "--silent"],
            stdout=output, stderr=subprocess.STDOUT, env=environment, cwd=TOOL_FOLDER,
        )
    try:
        bound = _wait_until_listening(process, log)
        yield S3rver(f"http://127.0.0.1:{bound}", folder, bound)
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
        shutil.rmtree(log.parent, ignore_errors=True)
        if own_folder:
            shutil.rmtree(folder, ignore_errors=True)


def _wait_until_listening(process: subprocess.Popen[bytes], log: Path) -> int:
    """The port s3rver reports once it listens (it prints one line); fails after a bound."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        text = log.read_text(errors="replace")
        found = _LISTENING.search(text)
        if found:
            return int(found[1])
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"s3rver did not start (exit code {process.poll()}): {text}")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def s3rver() -> Iterator[S3rver]:
    """One s3rver for the run; every test creates buckets of its own."""
    require(s3rver_installed(), "s3rver", "run `make s3rver` (npm ci in tools/s3rver)")
    with running_s3rver() as server:
        yield server
