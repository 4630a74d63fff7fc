"""The load test's short form (``bench/load.py --quick``) against the production stack.

It checks behaviour, not timings (the machine is shared): locust ran, every request type of
the scripted visit was requested in every run, nothing failed or answered 5xx, the uploads
made while visitors browse were accepted and tiled, and the tiling queue drained.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.production.test_prod_stack import stack_available
from tools.prod_stack import REPO

pytestmark = [pytest.mark.slow, pytest.mark.load]

REQUEST_TYPES = {"home", "tour page", "tour api", "scene api", "tile z1", "tile z2",
                 "shop card", "route"}


@pytest.mark.timeout(240)
def test_the_quick_load_run_serves_every_visitor_and_drains_the_uploads() -> None:
    stack_available()
    result = subprocess.run([sys.executable, "bench/load.py", "--quick", "--json"], cwd=REPO,
                            capture_output=True, timeout=220, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-4000:]
    report = json.loads(result.stdout)

    assert [run["users"] for run in report["runs"]] == [1, 10, 10]
    for run in report["runs"]:
        requested = {row["type"] for row in run["rows"] if row["requests"] > 0}
        assert requested == REQUEST_TYPES, (run["name"], requested)
        assert run["total"]["failures"] == 0, run
        assert all(set(counts) == {"2xx"} for counts in run["statuses"].values()), run
        assert run["api"]["requests"] > 0
        assert run["api"]["p95_ms"] is not None
    uploads = report["uploads"]
    assert uploads["statuses"] == [201, 201]
    assert uploads["tiled"] == 2
    assert uploads["drained"]
    # the behaviour targets are met; the timing ratios are printed, not judged here
    verdicts = {verdict["target"].split(" (")[0]: verdict["met"]
                for verdict in report["targets"]}
    assert verdicts["no errors"]
    assert verdicts["uploads: no 5xx"]
    assert verdicts["uploads: every upload accepted and tiled"]
    assert verdicts["uploads: the tiling queue drains"]
