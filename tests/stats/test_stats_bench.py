"""The statistics load test runs and its beacons are all counted (its timing figures are for
people; see README, "Statistics load test")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.load
def test_load_test_quick_run_counts_every_beacon() -> None:
    done = subprocess.run([sys.executable, "bench/stats_load.py", "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "ok"
    assert "beacons: 300 answered 204, 0 refused; events sent 3000, counted 3000" in lines
    assert any(line.startswith("tile: ") and "p95 ratio" in line for line in lines)
    assert any(line.startswith("api: ") and "p95 ratio" in line for line in lines)
