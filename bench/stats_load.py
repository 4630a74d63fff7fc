"""Statistics load test: do visitors' beacons slow the tile and API paths?

    .venv/bin/python bench/stats_load.py           # 1,500 measured requests per phase
    .venv/bin/python bench/stats_load.py --quick   # smoke test: behaviour only, no timing verdict

The app runs as in production: gunicorn (2 ``gthread`` workers, 4 threads each) on 127.0.0.1,
a SQLite database and a local public storage in a temporary folder, so Flask serves the tiles
itself (``/media/…``, the embedded default). The walk holds one tour stopping at one scene on
a 2048 × 1024 panorama tiled by ``media_tools``.

Two measuring clients (keep-alive connections, in this process) alternate a tile request
(a level-1 JPEG) and an API request (``GET /api/walk/scenes/<slug>``, the scene the viewer
reads on every step) and record each latency, in three conditions: alone; while a separate
process floods ``POST /api/stats`` with beacons of 10 events each at a fixed rate
(``--beacon-rate``, bounded by ``--beacons``); and, as a reference, while it sends
``GET /healthz`` at the same rate (what any request of that rate costs the machine). The
conditions take turns (``--rounds``), so other work on a shared machine meets each alike.
p50/p95 of each path and the ratios to the quiet condition are printed; the target is p95
with beacons ≤ 1.5 × without.

The server is then stopped gracefully, which flushes every worker's buffer (``atexit``), and
the stored counts are compared with what the flood sent: N beacons' events → N counted.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402 - after the path is set

from media_tools import TilingOptions, tile_panorama  # noqa: E402
from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.storage import IMMUTABLE_CACHE_CONTROL  # noqa: E402
from server.storage_setup import public_storage  # noqa: E402
from tests.support.content import create_panorama, create_scene  # noqa: E402
from tests.support.live_server import free_port  # noqa: E402
from tests.support.panoramas import jpeg_bytes, textured_panorama  # noqa: E402
from tours import tour_service  # noqa: E402
from tours.ingest import revision_prefix  # noqa: E402
from tours.models import DailyCount  # noqa: E402

EVENTS_PER_BEACON = 10
TARGET_RATIO = 1.5


def environment(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FLANEUR_ENV": "production",
        "SECRET_KEY": "b" * 48,
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "ORIGINALS_STORAGE_URL": (folder / "originals").as_uri(),
        "PUBLIC_STORAGE_URL": (folder / "public").as_uri(),
        "JOB_WORKERS": "0",
        # one client address floods here: the per-client limit would refuse it otherwise
        "STATS_RATE_LIMIT": "10000000 per minute",
        "STATS_FLUSH_SECONDS": "2",
        "PYTHONPATH": str(ROOT),
    }


def prepare(folder: Path, env: dict[str, str]) -> dict[str, Any]:
    """Migrate the database and store the walk; returns the paths to request."""
    from flask_migrate import upgrade

    config = {key: value for key, value in env.items() if key.isupper()}
    app = create_app({"SQLALCHEMY_DATABASE_URI": config["DATABASE_URL"],
                      "PUBLIC_STORAGE_URL": config["PUBLIC_STORAGE_URL"],
                      "ORIGINALS_STORAGE_URL": config["ORIGINALS_STORAGE_URL"],
                      "JOB_WORKERS": 0, "SECRET_KEY": config["SECRET_KEY"]})
    with app.app_context():
        upgrade()
    objects: dict[str, tuple[bytes, str]] = {}
    result = tile_panorama(io.BytesIO(jpeg_bytes(textured_panorama(2048))),
                           sink=lambda key, data, kind: objects.__setitem__(key, (data, kind)),
                           options=TilingOptions(workers=1))
    panorama = create_panorama(app, manifest=result.manifest)
    with app.app_context():
        storage = public_storage()
        prefix = revision_prefix(panorama, str(panorama.current_revision))
        for key, (data, kind) in objects.items():
            storage.put(f"{prefix}/{key}", data, content_type=kind,
                        cache_control=IMMUTABLE_CACHE_CONTROL)
    scene = create_scene(app, panorama, slug="market", title={"en": "Market"})
    with app.app_context():
        tour = tour_service.create_tour(db.session, {"slug": "old-town",
                                                     "title": {"en": "Old town"}})
        tour_service.add_stop(db.session, tour.id, {"scene_id": scene.id})
        tour_service.publish_tour(db.session, tour.id)
        db.session.commit()
        tile = result.manifest["keys"]["tile"].format(z=1, face="f", y=0, x=0)
        paths = {"tile": f"/media/{prefix}/{tile}", "api": "/api/walk/scenes/market",
                 "scene_id": scene.id, "tour_id": tour.id}
        db.session.remove()
        db.engine.dispose()
    return paths


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4",
             "-b", f"127.0.0.1:{port}", "--graceful-timeout", "20", "server:create_app()"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError(f"the server did not start:\n{log.read_text()}")
        time.sleep(0.2)


def measure(port: int, paths: dict[str, Any], requests: int, clients: int = 2
            ) -> dict[str, list[float]]:
    """Latencies (ms) of ``requests`` tile and API requests per client, alternating."""
    results: dict[str, list[float]] = {"tile": [], "api": []}
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: dict[str, list[float]] = {"tile": [], "api": []}
        for number in range(requests * 2):
            kind = "tile" if number % 2 == 0 else "api"
            started = time.perf_counter()
            connection.request("GET", paths[kind])
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{paths[kind]} answered {response.status}")
            mine[kind].append((time.perf_counter() - started) * 1000)
        connection.close()
        with lock:
            for kind, values in mine.items():
                results[kind] += values

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@dataclass(frozen=True)
class Flood:
    """Up to ``limit`` beacons at ``rate`` per second for at most ``seconds``."""

    port: int
    scene_id: int
    tour_id: int
    rate: float
    limit: int
    seconds: float = 600.0
    #: the same rate of ``GET /healthz`` instead (the cost of any request, as a reference)
    reference: bool = False


def flood(plan: Flood, answers: Any, stop: Any) -> None:
    """Send the plan's beacons (two connections) until ``stop`` is set; ``answers`` counts
    them: [answered 204, anything else]."""
    port, rate, limit, seconds = plan.port, plan.rate, plan.limit, plan.seconds
    body = json.dumps({"events": [{"event": "scene_view", "subject": plan.scene_id}] * (
        EVENTS_PER_BEACON - 1) + [{"event": "tour_view", "subject": plan.tour_id}]})
    counter = threading.Lock()
    state = {"sent": 0}
    started = time.monotonic()

    def sender() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop.is_set() and time.monotonic() - started < seconds:
            with counter:
                if state["sent"] >= limit:
                    return
                state["sent"] += 1
                due = started + state["sent"] / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            if plan.reference:
                connection.request("GET", "/healthz")
            else:
                connection.request("POST", "/api/stats", body=body,
                                   headers={"Content-Type": "text/plain;charset=UTF-8",
                                            "Sec-Fetch-Site": "same-origin"})
            response = connection.getresponse()
            response.read()
            with answers.get_lock():
                answers[0 if response.status == 204 else 1] += 1

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def measure_during(plan: Flood, port: int, paths: dict[str, Any], requests: int, *,
                   wait: bool) -> tuple[Any, dict[str, list[float]]]:
    """The measurements taken while another process floods the server as ``plan`` says;
    ``wait``: let the flood send all its requests before it is stopped."""
    answers = multiprocessing.Array("i", [0, 0])
    stop = multiprocessing.Event()
    flooding = multiprocessing.Process(target=flood, args=(plan, answers, stop))
    flooding.start()
    time.sleep(0.5)  # the flood is running before the clock starts
    busy = measure(port, paths, requests)
    if wait:
        flooding.join(timeout=120)
    stop.set()
    flooding.join(timeout=60)
    return answers, busy


def add(into: dict[str, list[float]], measured: dict[str, list[float]]) -> None:
    for kind, values in measured.items():
        into[kind] += values


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def stored_events(env: dict[str, str]) -> int:
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "JOB_WORKERS": 0,
                      "PUBLIC_STORAGE_URL": env["PUBLIC_STORAGE_URL"],
                      "ORIGINALS_STORAGE_URL": env["ORIGINALS_STORAGE_URL"],
                      "SECRET_KEY": env["SECRET_KEY"]})
    with app.app_context():
        total = db.session.scalar(select(func.coalesce(func.sum(DailyCount.count), 0)))
        db.session.remove()
        db.engine.dispose()
    return int(total or 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a short run that checks behaviour, not timings")
    parser.add_argument("--requests", type=int, default=750,
                        help="tile and API requests per measuring client and phase (all "
                             "rounds together)")
    parser.add_argument("--beacon-rate", type=float, default=100.0,
                        help="beacons per second during phase 2")
    parser.add_argument("--beacons", type=int, default=20_000,
                        help="at most this many beacons")
    parser.add_argument("--rounds", type=int, default=6,
                        help="the phases take turns this many times")
    args = parser.parse_args()
    requests = 40 if args.quick else args.requests
    beacon_limit = 300 if args.quick else args.beacons
    rounds = 1 if args.quick else args.rounds
    with tempfile.TemporaryDirectory(prefix="flaneur-stats-bench-") as name:
        folder = Path(name)
        env = environment(folder)
        paths = prepare(folder, env)
        port = free_port()
        server = start_server(port, env, folder / "gunicorn.log")
        try:
            measure(port, paths, 20)  # warm-up: imports, connections, caches
            # the phases take turns, so that whatever else the machine does meets each alike
            quiet: dict[str, list[float]] = {"tile": [], "api": []}
            busy: dict[str, list[float]] = {"tile": [], "api": []}
            reference: dict[str, list[float]] | None = None if args.quick else {
                "tile": [], "api": []}
            accepted = refused = 0
            per_round = max(1, requests // rounds)
            for _round in range(rounds):
                add(quiet, measure(port, paths, per_round))
                plan = Flood(port, paths["scene_id"], paths["tour_id"], args.beacon_rate,
                             beacon_limit // rounds)
                answers, measured = measure_during(plan, port, paths, per_round,
                                                   wait=args.quick)
                add(busy, measured)
                accepted, refused = accepted + answers[0], refused + answers[1]
                if reference is not None:
                    plan = Flood(port, 0, 0, args.beacon_rate, beacon_limit // rounds,
                                 reference=True)
                    add(reference, measure_during(plan, port, paths, per_round,
                                                  wait=False)[1])
        finally:
            server.send_signal(signal.SIGTERM)  # graceful: each worker flushes at exit
            server.wait(timeout=60)
        counted = stored_events(env)
    print(f"server: gunicorn, 2 gthread workers x 4 threads, SQLite; flood "
          f"{args.beacon_rate:g} beacons/s of {EVENTS_PER_BEACON} events")
    ok = report(quiet, busy, check_timing=not args.quick)
    if reference is not None:
        for kind in ("tile", "api"):
            print(f"reference, the same rate of GET /healthz instead of beacons: {kind} p95 "
                  f"{percentile(reference[kind], 0.95):.2f} ms, ratio "
                  f"{percentile(reference[kind], 0.95) / percentile(quiet[kind], 0.95):.2f}")
    sent_events = accepted * EVENTS_PER_BEACON
    print(f"beacons: {accepted} answered 204, {refused} refused; events sent {sent_events}, "
          f"counted {counted}")
    if refused or counted != sent_events:
        print("MISMATCH: the stored counts differ from the accepted beacons")
        ok = False
    if args.quick and accepted != beacon_limit:
        print(f"MISMATCH: {beacon_limit} beacons were to be sent, {accepted} were accepted")
        ok = False
    print("ok" if ok else "FAILED")
    return 0 if ok else 1


def report(quiet: dict[str, list[float]], busy: dict[str, list[float]], *,
           check_timing: bool) -> bool:
    """Print p50/p95 of each path in both phases; whether the p95 target is met."""
    ok = True
    for kind in ("tile", "api"):
        base_p50, base_p95 = percentile(quiet[kind], 0.5), percentile(quiet[kind], 0.95)
        load_p50, load_p95 = percentile(busy[kind], 0.5), percentile(busy[kind], 0.95)
        ratio = load_p95 / base_p95
        print(f"{kind}: {len(quiet[kind])} requests per phase; without beacons p50 "
              f"{base_p50:.2f} ms p95 {base_p95:.2f} ms; with beacons p50 {load_p50:.2f} ms "
              f"p95 {load_p95:.2f} ms; p95 ratio {ratio:.2f} (target <= {TARGET_RATIO})")
        if check_timing and ratio > TARGET_RATIO:
            ok = False
    return ok


if __name__ == "__main__":
    sys.exit(main())
