"""Flaneur's production topology on one machine, for a trial and for the tests: ``make prod``.

It starts, all on loopback and configured only through environment variables:

- PostgreSQL (Debian's server; a cluster of its own in the stack's folder, run as the
  ``postgres`` user when started by root),
- Redis (shared rate limits; nothing kept on disk),
- an S3-compatible server that keeps its objects on disk (``s3rver``, installed by ``make``
  into ``tools/s3rver``), with a private bucket for originals and a public one for tiles,
  set up by ``flask storage setup``,
- gunicorn with several workers (``gthread``), the web processes running no jobs,
- two ``flask worker`` processes at lower CPU priority (``nice``) with their thread pools
  capped, so tiling cannot starve visitors.

``python tools/prod_stack.py up`` runs it in the foreground until Ctrl-C (or SIGTERM), which
stops the app processes gracefully (in-flight requests finish, running jobs finish or return
to the queue) and then the servers. Everything lives in one folder (``instance/prod`` by
default): the database, the bucket's objects, a generated secret key, the processes' logs and
``stack.json`` with the addresses, which tests and ``bench/load.py`` read. Starting again
keeps the data.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
S3RVER = REPO / "tools" / "s3rver" / "node_modules" / ".bin" / "s3rver"
#: s3rver's fixed credentials
S3_KEY = "S3RVER"
ORIGINALS_BUCKET = "flaneur-originals"
PUBLIC_BUCKET = "flaneur-public"
#: the ports of a trial stack; tests ask for free ones instead
DEFAULT_PORTS = {"web": 8000, "postgres": 55432, "redis": 56379, "s3": 54568}
#: how long a server may take to start, and the app processes to stop
START_SECONDS = 60.0
STOP_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``check`` every 0.1 s for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")
        time.sleep(0.1)


def port_open(port: int) -> bool:
    with contextlib.closing(socket.socket()) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL
            return 200 <= response.status < 500
    except OSError:
        return False


def find_pg_bin() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                        key=lambda path: int(path.parts[-3]))
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL's server is not installed (apt-get install postgresql)")


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: root runs it as the ``postgres`` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Stack:
    """The stack's folder, ports and processes."""

    folder: Path
    ports: dict[str, int]
    web_workers: int = 4
    job_workers: int = 2
    job_threads: int = 1
    #: where PostgreSQL keeps its cluster (default: the stack's folder); it must be reachable
    #: by the ``postgres`` user when root starts the stack
    postgres_root: Path | None = None
    #: more settings for every process (tests shorten job leases, say)
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: list[object] = field(default_factory=list)

    @property
    def pg_root(self) -> Path:
        return self.postgres_root or self.folder / "postgres"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['web']}"

    @property
    def database_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.ports['postgres']}/flaneur"

    @property
    def s3_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def secret_key(self) -> str:
        path = self.folder / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def env(self) -> dict[str, str]:
        """The app's whole configuration: environment variables only."""
        s3 = f"endpoint_url={self.s3_url}&addressing_style=path&region=us-east-1" \
             f"&access_key_id={S3_KEY}&secret_access_key={S3_KEY}"
        return {
            **os.environ,
            "FLANEUR_ENV": "production",
            "SECRET_KEY": self.secret_key(),
            "DATABASE_URL": self.database_url,
            "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "ORIGINALS_STORAGE_URL": f"s3://{ORIGINALS_BUCKET}/originals?{s3}",
            # public_url is where browsers find the bucket: the full key (with the storage's
            # prefix, `public/`) is appended to it
            "PUBLIC_STORAGE_URL": f"s3://{PUBLIC_BUCKET}/public?{s3}"
                                  f"&public_url={self.s3_url}/{PUBLIC_BUCKET}",
            # the bucket's CORS rule admits the site (``flask storage setup``)
            "STORAGE_CORS_ORIGINS": self.base_url,
            # the web processes answer visitors; jobs run in the worker processes
            "JOB_WORKERS": "0",
            "FLASK_APP": "server",
            **self.extra_env,
        }

    def serving_env(self) -> dict[str, str]:
        """The long-running processes' environment: their metrics are added up across
        processes (one-off commands keep theirs to themselves)."""
        return {**self.env(), "PROMETHEUS_MULTIPROC_DIR": str(self.folder / "metrics")}

    def worker_env(self) -> dict[str, str]:
        """A job worker's environment: one tiling thread and single-threaded numeric
        libraries, so the workers together use at most their share of the cores."""
        return {**self.serving_env(), "TILING_THREADS": "1", "OMP_NUM_THREADS": "1",
                "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "OPENCV_FOR_THREADS_NUM": "1"}

    # --- the servers --------------------------------------------------------------------

    def _log(self, name: str) -> object:
        path = self.folder / "logs" / f"{name}.log"
        handle = path.open("ab")
        self.logs.append(handle)
        return handle

    def _spawn(self, name: str, command: list[str], *, env: dict[str, str] | None = None
               ) -> subprocess.Popen[bytes]:
        log = self._log(name)
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log,  # type: ignore[arg-type]
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def start_postgres(self) -> None:
        pg_bin = find_pg_bin()
        root = self.pg_root
        data = root / "data"
        if not data.exists():
            root.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(root, "postgres", "postgres")
            subprocess.run(as_postgres([str(pg_bin / "initdb"), "-D", str(data), "-U",
                                        "postgres", "-A", "trust", "-E", "UTF8",
                                        "--locale=C.UTF-8"]),
                           check=True, capture_output=True, timeout=120)
        options = f"-c listen_addresses=127.0.0.1 -p {self.ports['postgres']} -k {root} " \
                  "-c max_connections=200"
        subprocess.run(as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data), "-l",
                                    str(root / "server.log"), "-w", "-t", "60", "-o", options,
                                    "start"]),
                       check=True, capture_output=True, timeout=90)
        admin = f"postgresql://postgres@127.0.0.1:{self.ports['postgres']}/postgres"
        exists = subprocess.run([str(pg_bin / "psql"), admin, "-Atc",
                                 "SELECT 1 FROM pg_database WHERE datname = 'flaneur'"],
                                check=True, capture_output=True, timeout=30).stdout.strip()
        if not exists:
            subprocess.run([str(pg_bin / "psql"), admin, "-Atc", "CREATE DATABASE flaneur"],
                           check=True, capture_output=True, timeout=30)

    def stop_postgres(self) -> None:
        data = self.pg_root / "data"
        if data.exists():
            subprocess.run(as_postgres([str(find_pg_bin() / "pg_ctl"), "-D", str(data), "-m",
                                        "fast", "stop"]),
                           capture_output=True, timeout=60, check=False)

    def start_redis(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self._spawn("redis", [binary, "--bind", "127.0.0.1", "--port", str(self.ports["redis"]),
                              "--save", "", "--appendonly", "no", "--protected-mode", "yes"])
        wait_until(lambda: port_open(self.ports["redis"]), START_SECONDS, "redis-server")

    def start_s3(self) -> None:
        if not S3RVER.exists():
            raise RuntimeError("s3rver is not installed: run `make s3rver` (make test and "
                               "make prod do it)")
        (self.folder / "s3").mkdir(exist_ok=True)
        # Node 20's OpenSSL needs the legacy provider for s3rver's listings of > 1000 keys
        self._spawn("s3", [str(S3RVER), "--directory", str(self.folder / "s3"), "--address",
                           "127.0.0.1", "--port", str(self.ports["s3"]), "--silent",
                           "--no-vhost-buckets"],
                    env={**os.environ, "NODE_OPTIONS": "--openssl-legacy-provider"})
        wait_until(lambda: port_open(self.ports["s3"]), START_SECONDS, "s3rver")
        self._make_buckets()

    def stop_s3(self) -> None:
        """Stop the S3 server (its objects stay on disk; ``start_s3`` serves them again)."""
        process = self.processes.pop("s3", None)
        if process is not None:
            process.terminate()
            process.wait(timeout=10)

    def _make_buckets(self) -> None:
        import boto3
        from botocore.config import Config

        client = boto3.client("s3", endpoint_url=self.s3_url, region_name="us-east-1",
                              aws_access_key_id=S3_KEY, aws_secret_access_key=S3_KEY,
                              config=Config(s3={"addressing_style": "path"}))
        present = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
        for bucket in (ORIGINALS_BUCKET, PUBLIC_BUCKET):
            if bucket not in present:
                client.create_bucket(Bucket=bucket)

    # --- the app ------------------------------------------------------------------------

    def flask(self, *arguments: str, check: bool = True, timeout: float = 600
              ) -> subprocess.CompletedProcess[bytes]:
        """Run ``flask <arguments>`` with the stack's configuration."""
        result = subprocess.run([str(VENV_BIN / "flask"), "--app", "server", *arguments],
                                cwd=REPO, env=self.env(), check=False, capture_output=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(arguments)} failed:\n"
                               + result.stderr.decode(errors="replace")[-3000:])
        return result

    def start_app(self) -> None:
        metrics = self.folder / "metrics"
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir()
        self._spawn("web", [str(VENV_BIN / "gunicorn"), "-w", str(self.web_workers),
                            "-k", "gthread", "--threads", "4", "-b",
                            f"127.0.0.1:{self.ports['web']}", "--graceful-timeout", "20",
                            "--timeout", "120", "server:create_app()"], env=self.serving_env())
        for number in range(1, self.job_workers + 1):
            self._spawn(f"worker-{number}", [
                "nice", "-n", "10", str(VENV_BIN / "flask"), "--app", "server", "worker",
                "--threads", str(self.job_threads), "--grace-seconds", "20"],
                env=self.worker_env())
        wait_until(lambda: http_ok(f"{self.base_url}/healthz"), START_SECONDS, "gunicorn")

    def stop_app(self) -> None:
        """SIGTERM to gunicorn and the workers: requests and jobs under way finish (or jobs
        return to the queue), then they exit."""
        app = [name for name in self.processes if name == "web" or name.startswith("worker")]
        for name in app:
            with contextlib.suppress(ProcessLookupError):
                self.processes[name].send_signal(signal.SIGTERM)
        for name in app:
            try:
                self.processes[name].wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.processes[name].kill()
                self.processes[name].wait(timeout=10)
            del self.processes[name]

    # --- all of it ----------------------------------------------------------------------

    def up(self, *, demo: bool = False) -> None:
        busy = sorted(name for name, port in self.ports.items() if port_open(port))
        if busy:
            raise RuntimeError("ports in use: " + ", ".join(
                f"{name} {self.ports[name]}" for name in busy))
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "logs").mkdir(exist_ok=True)
        self.start_postgres()
        self.start_redis()
        self.start_s3()
        self.flask("db", "upgrade")
        # s3rver has no bucket policies: it serves every object to anyone who asks on this
        # machine, so the check that the originals are private would fail by design here
        self.flask("storage", "setup", "--no-check")
        if demo:
            self.flask("demo", "load", timeout=1800)
        self.start_app()
        (self.folder / "stack.json").write_text(json.dumps({
            "base_url": self.base_url, "database_url": self.database_url,
            "s3_url": self.s3_url, "ports": self.ports,
            "pids": {name: process.pid for name, process in self.processes.items()},
        }, indent=2))

    def down(self) -> None:
        self.stop_app()
        for name, process in list(self.processes.items()):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            del self.processes[name]
        self.stop_postgres()
        for handle in self.logs:
            handle.close()  # type: ignore[attr-defined]
        self.logs.clear()


@contextlib.contextmanager
def running_stack(folder: Path, *, free_ports: bool = True, demo: bool = False,
                  **options: object) -> Iterator[Stack]:
    """The stack, up for the ``with`` block and down after it (also on errors)."""
    ports = {name: free_port() for name in DEFAULT_PORTS} if free_ports else dict(DEFAULT_PORTS)
    # a throwaway stack (the tests') keeps its cluster in a temporary folder of its own, which
    # the `postgres` user can reach wherever the stack's folder is
    scratch = Path(tempfile.mkdtemp(prefix="flaneur-stack-pg-")) if free_ports else None
    if scratch is not None and os.geteuid() == 0:
        shutil.chown(scratch, "postgres", "postgres")
    if free_ports:
        # a throwaway stack never checks shop links: they lead off this machine
        options["extra_env"] = {"LINK_CHECK_SCHEDULE": "false",
                                **options.get("extra_env", {})}  # type: ignore[dict-item]
    stack = Stack(folder, ports, postgres_root=scratch, **options)  # type: ignore[arg-type]
    try:
        stack.up(demo=demo)
        yield stack
    finally:
        stack.down()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up"], help="start the stack and serve until Ctrl-C")
    parser.add_argument("--folder", type=Path, default=REPO / "instance" / "prod")
    parser.add_argument("--demo", action="store_true", help="load the demo downtown first")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--job-workers", type=int, default=2)
    arguments = parser.parse_args()
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with running_stack(arguments.folder, free_ports=False, demo=arguments.demo,
                       web_workers=arguments.web_workers,
                       job_workers=arguments.job_workers) as stack:
        print(f"Flaneur (production topology) on {stack.base_url} — Ctrl-C stops it.\n"
              f"  PostgreSQL {stack.database_url}\n  S3 {stack.s3_url}\n"
              f"  logs in {stack.folder / 'logs'}", flush=True)
        while not stopping:
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    print(f"{name} stopped unexpectedly (exit {process.returncode}); see "
                          f"{stack.folder / 'logs' / (name + '.log')}", file=sys.stderr)
                    return 1
            time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
