"""A throwaway PostgreSQL cluster on loopback, for the PostgreSQL test run.

PostgreSQL refuses to run as root, so when the tests run as root the server is started as the
``postgres`` system user. The cluster lives in a temporary folder and is removed afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator

from tests.support.live_server import free_port


def find_pg_bin() -> str | None:
    """The newest installed PostgreSQL server's ``bin`` folder, or None."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2])
    )
    for path in reversed(candidates):
        if os.path.exists(os.path.join(path, "initdb")):
            return path
    found = shutil.which("initdb")
    return os.path.dirname(found) if found else None



def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextlib.contextmanager
def throwaway_cluster(database: str = "flaneur_test") -> Iterator[str]:
    """Start a cluster on a free loopback port; yield a SQLAlchemy URL to a fresh database."""
    pg_bin = find_pg_bin()
    if pg_bin is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    root = tempfile.mkdtemp(prefix="flaneur-pg-")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = os.path.join(root, "data")
    port = free_port()
    subprocess.run(
        _as_server_user([f"{pg_bin}/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
        check=True, capture_output=True, timeout=120,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off " \
              "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    subprocess.run(
        _as_server_user([f"{pg_bin}/pg_ctl", "-D", data, "-l", os.path.join(root, "server.log"),
                         "-w", "-t", "60", "-o", options, "start"]),
        check=True, capture_output=True, timeout=90,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            result = subprocess.run(
                [f"{pg_bin}/psql", f"postgresql://postgres@127.0.0.1:{port}/postgres", "-Atc",
                 f"CREATE DATABASE {database}"],
                capture_output=True, timeout=30, check=False,
            )
            if result.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(result.stderr.decode())
            time.sleep(0.2)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run(
            _as_server_user([f"{pg_bin}/pg_ctl", "-D", data, "-m", "immediate", "stop"]),
            capture_output=True, timeout=60, check=False,
        )
        shutil.rmtree(root, ignore_errors=True)
