"""The tiling benchmark runs (its figures are for people; see docs/media-tools.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_quick_run_completes() -> None:
    done = subprocess.run([sys.executable, "bench/tiling.py", "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=240, check=True)
    lines = done.stdout.splitlines()
    rows = [line.split() for line in lines if line.startswith("4096x2048")]
    assert [row[1] for row in rows] == ["baseline", "flaneur"]
    assert rows[0][5] == rows[1][5]  # both wrote the same number of objects
    assert any(line.strip().startswith("ratio") for line in lines)
