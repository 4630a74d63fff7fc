"""PostgreSQL restarted under the production stack while visitors browse and jobs run:
requests fail fast with 503 during the outage and recover by themselves; no job is lost or
left stuck. Prints what it measured."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.production.test_graceful_stop import snippet
from tests.production.test_prod_stack import call, stack_available
from tools.prod_stack import REPO, Stack, running_stack

pytestmark = [pytest.mark.slow, pytest.mark.fault]

#: the outage: long enough for many requests to meet it
OUTAGE_SECONDS = 3.0
#: a request during the outage must be answered within this (no hanging on a dead database)
FAST_SECONDS = 2.0


@pytest.fixture
def stack(tmp_path) -> Iterator[Stack]:
    stack_available()
    # short leases, so a job whose worker lost the database is taken up again soon
    with running_stack(tmp_path / "stack", web_workers=2, job_workers=2, extra_env={
            "JOB_LEASE_SECONDS": "5", "JOB_RETRY_SECONDS": "1", "JOB_POLL_SECONDS": "0.2",
            # the tests' job kinds (they leave evidence in a file): jobs in flight at the outage
            "JOB_HANDLER_MODULES": "tests.jobs.handlers",
    }) as running:
        yield running


class Visitor(threading.Thread):
    """Asks for the shop directory again and again (bounded), noting status and time."""

    def __init__(self, url: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.stop = url, stop
        self.answers: list[tuple[float, int, float]] = []

    def run(self) -> None:
        for _ in range(5000):
            if self.stop.is_set():
                return
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as response:  # noqa: S310
                    status = response.status
                    response.read()
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            self.answers.append((started, status, time.monotonic() - started))
            time.sleep(0.02)


ENQUEUE_SNIPPET = """
import sys
from server import create_app
from server.extensions import db
from server.jobs import enqueue_job
app = create_app()
with app.app_context():
    for _ in range(4):
        enqueue_job("test.sleep", {"path": sys.argv[1], "seconds": 3})
    db.session.commit()
"""
STATES_SNIPPET = """
from sqlalchemy import select
from server import create_app
from server.extensions import db
from tours.models import Job
app = create_app()
with app.app_context():
    print(",".join(job.status.value for job in db.session.scalars(
        select(Job).where(Job.kind == "test.sleep").order_by(Job.id))))
"""


def test_a_database_restart_gives_quick_503s_then_recovers_without_losing_jobs(
        stack: Stack, tmp_path) -> None:
    evidence = tmp_path / "evidence"
    subprocess.run([sys.executable, "-c", ENQUEUE_SNIPPET, str(evidence)], cwd=REPO,
                   env=stack.env(), check=True, capture_output=True, timeout=60)
    stop = threading.Event()
    visitors = [Visitor(f"{stack.base_url}/api/shops", stop) for _ in range(4)]
    for visitor in visitors:
        visitor.start()
    # both workers are in the middle of a job (3 s each) when the database goes
    deadline = time.monotonic() + 30
    while evidence_count(evidence, "start") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    before = (f"{evidence_count(evidence, 'start')} started, "
              f"{evidence_count(evidence, 'end')} finished")

    down_at = time.monotonic()
    stack.stop_postgres()
    time.sleep(OUTAGE_SECONDS)
    stack.start_postgres()
    up_at = time.monotonic()
    recovered_at = None
    deadline = up_at + 30
    while time.monotonic() < deadline:
        if call(f"{stack.base_url}/api/shops")[0] == 200:
            recovered_at = time.monotonic()
            break
        time.sleep(0.1)
    time.sleep(0.5)
    stop.set()
    for visitor in visitors:
        visitor.join(timeout=20)

    answers = [answer for visitor in visitors for answer in visitor.answers]
    during = [(status, seconds) for started, status, seconds in answers
              if down_at + 0.2 < started < up_at - 0.2]
    statuses = {status for _started, status, _seconds in answers}
    slowest_during = max((seconds for _status, seconds in during), default=0.0)
    print(f"\n{len(answers)} requests; during the outage {len(during)}: statuses "
          f"{sorted({status for status, _ in during})}, slowest {slowest_during:.3f} s; "
          f"recovered {recovered_at - up_at if recovered_at else float('nan'):.2f} s after "
          "the restart")
    assert recovered_at is not None, "the app did not recover by itself"
    assert during, "no request met the outage"
    assert {status for status, _ in during} == {503}
    assert statuses <= {200, 503}, statuses
    assert slowest_during < FAST_SECONDS
    # every job ends: done, none lost, none left running
    deadline = time.monotonic() + 120
    states = ""
    while time.monotonic() < deadline:
        states = snippet(stack, STATES_SNIPPET)
        if states == ",".join(["succeeded"] * 4):
            break
        time.sleep(1)
    print(f"jobs when the database went down: {before}; after: {states}; finished runs "
          f"{evidence_count(evidence, 'end')} (a run whose result met the outage runs again)")
    assert states == ",".join(["succeeded"] * 4)
    assert evidence_count(evidence, "end") >= 4


def evidence_count(path, event: str) -> int:
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if line.startswith(event + " "))
