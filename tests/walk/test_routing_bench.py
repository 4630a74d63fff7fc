"""The routing benchmark runs and checks itself against a plain Dijkstra (its figures are for
people; see README, "Routing benchmark")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_quick_run_completes_and_agrees_with_the_baseline() -> None:
    done = subprocess.run([sys.executable, "bench/routing.py", "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("graph: 1000 scenes, 3000 links")
    assert not any(line.startswith("MISMATCH") for line in lines)
    assert any(line.startswith("route time ms: p50") for line in lines)
    assert any(line.startswith("baseline (plain Python Dijkstra") for line in lines)
