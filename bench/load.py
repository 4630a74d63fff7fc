"""Load test of the production topology: visitors walking a tour while editors upload.

    .venv/bin/python bench/load.py            # 1, 50 and 200 visitors, then 50 with 20 uploads
    .venv/bin/python bench/load.py --quick    # smoke test: 1 and 10 visitors, 2 small uploads
    .venv/bin/python bench/load.py --json     # the same figures as JSON

It starts the production stack on free loopback ports (``tools/prod_stack.py``: gunicorn,
two niced ``flask worker`` processes, PostgreSQL, Redis, s3rver) in a temporary folder and
seeds it through the HTTP API with an editor's token, as a city would: panoramas uploaded with
``create_scene`` and tiled by the workers, the scenes linked in a row, a published shop with
opening hours and its hotspot in the last scene, and a published tour stopping at every scene.

The visitors are locust's (``bench/locustfile.py``: the scripted visit, its think times and
request types), run as a separate process pinned to one core with ``taskset`` (so gevent's
monkeypatching never touches this process, and the load generator cannot take the app's
second core); tiles come straight from the bucket's URL, as in the browser. Runs:

1. 1, 50 and 200 concurrent visitors, each for a bounded time;
2. 50 visitors again while 20 panoramas of about 30 MB (noise JPEGs, 11000 × 5500, one seed
   each) are uploaded at once; then the tiling queue is watched (``/metrics``,
   ``flaneur_job_queue_depth``) until it is empty.

Per run and request type it prints requests, failures, requests/s and p50/p95/p99 (locust's
CSV statistics), plus the JSON API as a whole (from each API request's latency), and the
targets: no errors; API p95 at 50 visitors ≤ 3 × at 1 visitor; during the uploads no 5xx,
visitors' p95 ≤ 2 × the run without uploads, every upload tiled and the queue drained.
``--quick`` checks the behaviour in about a minute; its timings mean little.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import csv
import datetime as dt
import http.client
import itertools
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import simplejpeg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from tests.production.test_prod_stack import EDITOR_SNIPPET, multipart  # noqa: E402
from tests.support.upload_files import panorama_file  # noqa: E402
from tools.prod_stack import VENV_BIN, Stack, running_stack  # noqa: E402

LOCUSTFILE = ROOT / "bench" / "locustfile.py"
#: the request types of a visit, in the order a visitor meets them (the table's rows)
REQUEST_TYPES = ("home", "tour page", "tour api", "scene api", "tile z1", "tile z2",
                 "shop card", "route")
API_TYPES = ("tour api", "scene api", "shop card", "route")
#: jobs the uploads cause; the self-scheduling ones (link checks, sweeps) wait for their time
DRAIN_KINDS = ("tile_panorama", "render_share_image")
API_RATIO_TARGET = 3.0
UPLOAD_RATIO_TARGET = 2.0
#: JPEG quality of the upload panoramas: noise of ±32 at this quality is about 0.5 byte a pixel
NOISE_QUALITY = 76
NOISE_AMPLITUDE = 32


@dataclass(frozen=True)
class Profile:
    """How big a run is."""

    scenes: int
    scene_width: int
    users: tuple[int, ...]
    #: the visitor count the uploads run with and the API ratio is taken at
    crowd: int
    seconds: int
    think: tuple[float, float]
    ramp_seconds: int
    uploads: int
    upload_width: int
    upload_seconds: int
    #: visitors browse this long before the uploads start
    upload_delay: int
    drain_seconds: int
    web_workers: int


FULL = Profile(scenes=6, scene_width=4096, users=(1, 50, 200), crowd=50, seconds=150,
               think=(2.0, 5.0), ramp_seconds=5, uploads=20, upload_width=11000,
               upload_seconds=240, upload_delay=15, drain_seconds=1200, web_workers=4)
QUICK = Profile(scenes=3, scene_width=4096, users=(1, 10), crowd=10, seconds=8,
                think=(0.2, 0.6), ramp_seconds=1, uploads=2, upload_width=3200,
                upload_seconds=12, upload_delay=2, drain_seconds=120, web_workers=2)


def say(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


# --- talking to the stack ---------------------------------------------------------------------


def call(method: str, url: str, *, token: str | None = None, payload: Any = None,
         body: bytes | None = None, content_type: str | None = None, timeout: float = 60
         ) -> tuple[int, Any]:
    """One request; the answer decoded from JSON when it is JSON."""
    if payload is not None:
        body, content_type = json.dumps(payload).encode(), "application/json"
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - loopback
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw, kind = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, kind = error.code, error.read(), error.headers
    if (kind.get("Content-Type") or "").startswith("application/json") and raw:
        return status, json.loads(raw)
    return status, raw


def expect(status: int, answer: Any, wanted: int, what: str) -> Any:
    if status != wanted:
        raise RuntimeError(f"{what}: HTTP {status} (expected {wanted}): {str(answer)[:500]}")
    return answer


def editor_token(stack: Stack) -> str:
    result = subprocess.run([sys.executable, "-c", EDITOR_SNIPPET], cwd=ROOT, env=stack.env(),
                            capture_output=True, check=True, timeout=120)
    return result.stdout.decode().strip().splitlines()[-1]


def queue_depth(stack: Stack) -> dict[str, int]:
    """Jobs queued or running by kind, as ``/metrics`` reads them from the database."""
    status, text = call("GET", f"{stack.base_url}/metrics")
    expect(status, text, 200, "GET /metrics")
    depth: dict[str, int] = {}
    for family in text_string_to_metric_families(text.decode()):
        for sample in family.samples:
            if sample.name == "flaneur_job_queue_depth":
                kind = sample.labels["kind"]
                depth[kind] = depth.get(kind, 0) + int(sample.value)
    return depth


def wait_for_queue(stack: Stack, seconds: float) -> float | None:
    """Seconds until no job of ``DRAIN_KINDS`` is queued or running; None past ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        depth = queue_depth(stack)
        if not any(depth.get(kind) for kind in DRAIN_KINDS):
            return time.monotonic() - started
        time.sleep(1.0)
    return None


def panorama_state(stack: Stack, token: str, panorama: str) -> dict[str, Any]:
    status, shown = call("GET", f"{stack.base_url}/api/panoramas/{panorama}", token=token)
    return expect(status, shown, 200, f"GET /api/panoramas/{panorama}")


def wait_until_tiled(stack: Stack, token: str, panoramas: list[str], seconds: float
                     ) -> dict[str, str]:
    deadline = time.monotonic() + seconds
    states: dict[str, str] = {}
    while True:
        states = {panorama: panorama_state(stack, token, panorama)["status"]
                  for panorama in panoramas}
        if all(state in ("ready", "failed") for state in states.values()) \
                or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


# --- the content ------------------------------------------------------------------------------


def seed(stack: Stack, token: str, profile: Profile) -> dict[str, Any]:
    """A walk as an editor makes it over HTTP: scenes from uploads, linked in a row, a shop
    with its hotspot in the last scene, and a published tour stopping at every scene."""
    base = stack.base_url
    scenes: list[dict[str, Any]] = []
    panoramas: list[str] = []
    for number in range(1, profile.scenes + 1):
        body, content_type = multipart(
            {"author": "Load test", "licence": "CC0-1.0", "create_scene": "true"},
            f"load-street-{number}.jpg", panorama_file(100 + number, width=profile.scene_width))
        status, answer = call("POST", f"{base}/api/panoramas", token=token, body=body,
                              content_type=content_type)
        expect(status, answer, 201, "uploading a scene's panorama")
        scenes.append(answer["scene"])
        panoramas.append(answer["panorama"]["id"])
    states = wait_until_tiled(stack, token, panoramas, 300)
    if any(state != "ready" for state in states.values()):
        raise RuntimeError(f"the scenes' panoramas were not tiled: {states}")
    for here, there in itertools.pairwise(scenes):
        status, answer = call("POST", f"{base}/api/scenes/{here['id']}/links", token=token,
                              payload={"to_scene_id": there["id"], "bearing": 90,
                                       "length_m": 30, "kind": "walkway"})
        expect(status, answer, 201, "linking two scenes")
    status, categories = call("GET", f"{base}/api/shop-categories")
    expect(status, categories, 200, "GET /api/shop-categories")
    every_day = [{"day": day, "opens": "00:00", "closes": "00:00"} for day in range(1, 8)]
    status, shop = call("POST", f"{base}/api/manage/shops", token=token, payload={
        "slug": "load-test-bakery", "name": {"en": "Load Test Bakery"},
        "category": categories[0]["key"],
        "short_description": {"en": "Bread for the load test"},
        "time_zone": "Europe/Berlin", "opening_hours": {"weekly": every_day, "special": []},
        "status": "published"})
    expect(status, shop, 201, "creating the shop")
    status, answer = call("POST", f"{base}/api/scenes/{scenes[-1]['id']}/hotspots",
                          token=token, payload={"kind": "shop", "shop_id": shop["id"],
                                                "yaw": 30, "pitch": -5})
    expect(status, answer, 201, "placing the shop's hotspot")
    status, tour = call("POST", f"{base}/api/tours", token=token, payload={
        "slug": "load-test-walk", "title": {"en": "Load test walk"}})
    expect(status, tour, 201, "creating the tour")
    for scene in scenes:
        status, answer = call("POST", f"{base}/api/tours/{tour['id']}/stops", token=token,
                              payload={"scene_id": scene["id"]})
        expect(status, answer, 201, "adding a stop")
    status, answer = call("POST", f"{base}/api/tours/{tour['id']}/publish", token=token,
                          payload={})
    expect(status, answer, 200, "publishing the tour")
    # what visitors will see, checked once before anyone comes
    status, walk = call("GET", f"{base}/api/walk/tours/{tour['slug']}")
    expect(status, walk, 200, "the public tour")
    status, route = call("GET", f"{base}/api/route?from={scenes[0]['slug']}"
                                f"&to_shop={shop['slug']}")
    if status != 200 or not route.get("found"):
        raise RuntimeError(f"no route to the shop: HTTP {status}: {route}")
    if wait_for_queue(stack, 300) is None:
        raise RuntimeError("the seeding's jobs did not finish")
    return {"tour": tour["slug"], "shop": shop["slug"], "stops": len(walk["stops"])}


def noise_panorama(seed_value: int, width: int) -> bytes:
    """A ``width × width/2`` JPEG of a gradient under uniform noise: about 0.5 byte a pixel,
    like a detailed photograph (30 MB at 11000 px), cheap to make and different per seed."""
    height = width // 2
    rng = np.random.default_rng(seed_value)
    image = np.empty((height, width, 3), np.uint8)
    columns = np.linspace(40, 200, width, dtype=np.float32)[None, :, None]
    tint = np.array([1.0, 0.9, 0.8], np.float32)[None, None, :]
    for top in range(0, height, 500):
        rows = min(500, height - top)
        shade = np.linspace(top / height, (top + rows) / height, rows,
                            dtype=np.float32)[:, None, None]
        noise = rng.integers(-NOISE_AMPLITUDE, NOISE_AMPLITUDE + 1, (rows, width, 3),
                             dtype=np.int16)
        image[top:top + rows] = np.clip(columns * tint * (0.6 + 0.4 * shade) + noise, 0, 255)
    return simplejpeg.encode_jpeg(image, quality=NOISE_QUALITY)


# --- running locust ---------------------------------------------------------------------------


@dataclass
class Run:
    """One locust run's figures."""

    name: str
    users: int
    seconds: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    api: dict[str, Any] = field(default_factory=dict)
    total: dict[str, Any] = field(default_factory=dict)
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    #: the machine's 1-minute load average at the end: other work on a shared machine shows
    load_average: float = 0.0

    def count_5xx(self) -> int:
        return sum(counts.get("5xx", 0) for counts in self.statuses.values())


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None  # locust writes N/A for a type without requests


def _row(record: dict[str, str], name: str) -> dict[str, Any]:
    return {"type": name, "requests": int(record["Request Count"]),
            "failures": int(record["Failure Count"]),
            "rps": round(float(record["Requests/s"]), 2),
            "p50_ms": _number(record["50%"]), "p95_ms": _number(record["95%"]),
            "p99_ms": _number(record["99%"])}


def locust_command(users: int, seconds: int, ramp_seconds: int, host: str, csv_prefix: Path
                   ) -> tuple[list[str], bool]:
    """The locust command line, pinned to core 0 when ``taskset`` is there."""
    command = [str(VENV_BIN / "locust"), "-f", str(LOCUSTFILE), "--headless",
               "-u", str(users), "-r", str(max(1, math.ceil(users / ramp_seconds))),
               "-t", f"{seconds}s", "--host", host, "--csv", str(csv_prefix),
               "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
               "--stop-timeout", "0"]
    taskset = shutil.which("taskset")
    return ([taskset, "-c", "0", *command] if taskset else command), bool(taskset)


def start_locust(stack: Stack, plan: dict[str, Any], profile: Profile, *, users: int,
                 seconds: int, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    folder = stack.folder / "load" / name.replace(" ", "-")
    folder.mkdir(parents=True, exist_ok=True)
    plan_path = folder / "plan.json"
    plan_path.write_text(json.dumps({**plan, "think": list(profile.think),
                                     "out": str(folder / "visitors.json")}))
    command, _pinned = locust_command(users, seconds, profile.ramp_seconds, stack.base_url,
                                      folder / "locust")
    log = (folder / "locust.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "FLANEUR_LOAD_PLAN": str(plan_path)})
    log.close()
    return process, folder


def finish_locust(process: subprocess.Popen[bytes], folder: Path, name: str, users: int,
                  seconds: int) -> Run:
    try:
        process.wait(timeout=seconds + 120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)
        raise RuntimeError(f"locust did not stop; see {folder / 'locust.log'}") from None
    stats = folder / "locust_stats.csv"
    if process.returncode != 0 or not stats.exists():
        raise RuntimeError(f"locust failed (exit {process.returncode}):\n"
                           + (folder / "locust.log").read_text(errors="replace")[-3000:])
    with stats.open(newline="") as handle:
        records = {record["Name"]: record for record in csv.DictReader(handle)}
    extra = json.loads((folder / "visitors.json").read_text())
    run = Run(name, users, seconds, statuses=extra["statuses"])
    empty = {"Request Count": "0", "Failure Count": "0", "Requests/s": "0", "50%": "N/A",
             "95%": "N/A", "99%": "N/A"}
    run.rows = [_row(records.get(kind, empty), kind) for kind in REQUEST_TYPES]
    latencies = extra["api_latencies_ms"]
    api_rows = [row for row in run.rows if row["type"] in API_TYPES]
    run.api = {"type": "API (together)", "requests": sum(row["requests"] for row in api_rows),
               "failures": sum(row["failures"] for row in api_rows),
               "rps": round(sum(row["rps"] for row in api_rows), 2),
               "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
               "p99_ms": percentile(latencies, 99)}
    run.total = _row(records["Aggregated"], "all requests")
    run.load_average = round(os.getloadavg()[0], 2)
    return run


def run_visitors(stack: Stack, plan: dict[str, Any], profile: Profile, *, users: int,
                 seconds: int, name: str) -> Run:
    say(f"{name}: {users} visitor(s) for {seconds} s")
    process, folder = start_locust(stack, plan, profile, users=users, seconds=seconds, name=name)
    return finish_locust(process, folder, name, users, seconds)


# --- uploads under load -----------------------------------------------------------------------


def upload_one(stack: Stack, token: str, name: str, data: bytes) -> dict[str, Any]:
    body, content_type = multipart({"author": "Load test", "licence": "CC0-1.0"}, name, data)
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", stack.ports["web"], timeout=600)
    try:
        connection.request("POST", "/api/panoramas", body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": content_type})
        response = connection.getresponse()
        answer = response.read()
        status = response.status
    except OSError as error:
        return {"file": name, "status": 0, "error": repr(error),
                "seconds": round(time.monotonic() - started, 2)}
    finally:
        connection.close()
    result = {"file": name, "status": status, "seconds": round(time.monotonic() - started, 2)}
    if status in (200, 201):
        result["panorama"] = json.loads(answer)["panorama"]["id"]
    else:
        result["error"] = answer[:300].decode(errors="replace")
    return result


def run_uploads(stack: Stack, plan: dict[str, Any], profile: Profile, token: str,
                files: list[tuple[str, bytes]]) -> tuple[Run, dict[str, Any]]:
    name = f"{profile.crowd} visitors + {len(files)} uploads"
    say(f"{name}: uploads start after {profile.upload_delay} s of {profile.upload_seconds} s")
    process, folder = start_locust(stack, plan, profile, users=profile.crowd,
                                   seconds=profile.upload_seconds, name=name)
    try:
        time.sleep(profile.upload_delay)
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(files)) as pool:
            results = list(pool.map(lambda item: upload_one(stack, token, *item), files))
        uploaded = time.monotonic() - started
        say(f"uploads answered within {uploaded:.1f} s; tiling")
        drained = wait_for_queue(stack, profile.drain_seconds)
    except BaseException:
        process.kill()
        process.wait(timeout=30)
        raise
    run = finish_locust(process, folder, name, profile.crowd, profile.upload_seconds)
    panoramas = [result["panorama"] for result in results if "panorama" in result]
    states = wait_until_tiled(stack, token, panoramas, 60) if panoramas else {}
    report = {
        "files": len(files),
        "mean_mb": round(sum(len(data) for _name, data in files) / len(files) / 1e6, 1),
        "width": profile.upload_width,
        "statuses": sorted(result["status"] for result in results),
        "answered_within_s": round(uploaded, 1),
        "slowest_upload_s": max(result["seconds"] for result in results),
        "tiled": sum(1 for state in states.values() if state == "ready"),
        "drained_after_s": None if drained is None else round(uploaded + drained, 1),
        "drained": drained is not None,
        "errors": [result for result in results if result["status"] not in (200, 201)],
    }
    return run, report


# --- the report -------------------------------------------------------------------------------


def ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or not reference:
        return None
    return round(value / reference, 2)


def targets(runs: list[Run], crowd: Run, single: Run, loaded: Run | None,
            uploads: dict[str, Any] | None) -> list[dict[str, Any]]:
    failures = {run.name: run.total["failures"] for run in runs}
    found = [{"target": "no errors (every run)", "value": sum(failures.values()),
              "limit": 0, "met": not any(failures.values())}]
    api = ratio(crowd.api["p95_ms"], single.api["p95_ms"])
    found.append({"target": f"API p95 at {crowd.users} visitors ≤ {API_RATIO_TARGET:g} × at "
                            f"1 visitor ({crowd.api['p95_ms']} / {single.api['p95_ms']} ms)",
                  "value": api, "limit": API_RATIO_TARGET,
                  "met": api is not None and api <= API_RATIO_TARGET})
    if loaded is not None and uploads is not None:
        server_errors = loaded.count_5xx() + sum(1 for status in uploads["statuses"]
                                                 if status >= 500)
        found.append({"target": "uploads: no 5xx (visitors and uploads)",
                      "value": server_errors, "limit": 0, "met": server_errors == 0})
        visitors = ratio(loaded.total["p95_ms"], crowd.total["p95_ms"])
        found.append({"target": f"uploads: visitors' p95 ≤ {UPLOAD_RATIO_TARGET:g} × without "
                                f"({loaded.total['p95_ms']} / {crowd.total['p95_ms']} ms)",
                      "value": visitors, "limit": UPLOAD_RATIO_TARGET,
                      "met": visitors is not None and visitors <= UPLOAD_RATIO_TARGET})
        found.append({"target": "uploads: every upload accepted and tiled",
                      "value": f"{uploads['tiled']} of {uploads['files']}",
                      "limit": uploads["files"],
                      "met": uploads["tiled"] == uploads["files"] and not uploads["errors"]})
        found.append({"target": "uploads: the tiling queue drains",
                      "value": uploads["drained_after_s"], "limit": None,
                      "met": uploads["drained"]})
    return found


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def table(run: Run) -> str:
    lines = [f"### {run.name} ({run.seconds} s)", "",
             "| request type | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in [*run.rows, run.api, run.total]:
        lines.append(f"| {row['type']} | {row['requests']} | {row['failures']} | "
                     f"{row['rps']:.1f} | {_ms(row['p50_ms'])} | {_ms(row['p95_ms'])} | "
                     f"{_ms(row['p99_ms'])} |")
    fivexx = run.count_5xx()
    rate = run.total["failures"] / run.total["requests"] if run.total["requests"] else 0.0
    lines += ["", f"error rate {rate:.2%}, 5xx answers {fivexx}, load average at the end "
                  f"{run.load_average}", ""]
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
            "pinned": bool(shutil.which("taskset"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 1 and 10 visitors for seconds, 2 small uploads")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--save", type=Path, help="also write the JSON figures to this file")
    parser.add_argument("--folder", type=Path,
                        help="the stack's folder (default: a temporary one, removed after)")
    arguments = parser.parse_args()
    profile = QUICK if arguments.quick else FULL
    started_at = dt.datetime.now(dt.UTC)
    info = machine()
    if not info["pinned"]:
        say("taskset is missing: the load generator runs unpinned")
    folder = arguments.folder or Path(tempfile.mkdtemp(prefix="flaneur-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    say(f"making {profile.uploads} upload panoramas of {profile.upload_width} px")
    files = [(f"upload-{number:02d}.jpg", noise_panorama(1000 + number, profile.upload_width))
             for number in range(1, profile.uploads + 1)]
    try:
        say(f"starting the production stack in {folder}")
        with running_stack(folder / "stack", web_workers=profile.web_workers,
                           job_workers=2) as stack:
            token = editor_token(stack)
            say("seeding the walk through the API")
            plan = seed(stack, token, profile)
            runs = [run_visitors(stack, plan, profile, users=users, seconds=profile.seconds,
                                 name=f"{users} visitor{'s' if users > 1 else ''}")
                    for users in profile.users]
            loaded, uploads = run_uploads(stack, plan, profile, token, files)
    finally:
        if arguments.folder is None:
            shutil.rmtree(folder, ignore_errors=True)
    by_users = {run.users: run for run in runs}
    verdicts = targets([*runs, loaded], by_users[profile.crowd], by_users[1], loaded, uploads)
    result = {
        "command": " ".join(["bench/load.py", *sys.argv[1:]]),
        "date": started_at.isoformat(timespec="seconds"),
        "machine": info, "profile": asdict(profile), "walk": plan,
        "runs": [asdict(run) for run in [*runs, loaded]], "uploads": uploads,
        "targets": verdicts,
    }
    if arguments.save:
        arguments.save.write_text(json.dumps(result, indent=2))
    if arguments.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Load test {result['date']} on {info['cores']} cores ({info['cpu']}), load generator "
          f"{'pinned to core 0' if info['pinned'] else 'unpinned (no taskset)'}; think time "
          f"{profile.think[0]:g}–{profile.think[1]:g} s; {plan['stops']} scenes\n")
    for run in [*runs, loaded]:
        print(table(run))
    print(f"uploads: {uploads['files']} × {uploads['mean_mb']} MB ({profile.upload_width} px), "
          f"statuses {uploads['statuses']}, answered within {uploads['answered_within_s']} s, "
          f"{uploads['tiled']} tiled, queue drained after {uploads['drained_after_s']} s\n")
    for verdict in verdicts:
        print(f"- {verdict['target']}: {verdict['value']} — "
              f"{'met' if verdict['met'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
