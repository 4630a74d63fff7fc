"""The viewer benchmark runs and measures what it claims (its timings are for people; see the
README's "Viewer benchmark"): a quick run on a 4096×2048 synthetic panorama, one page load per
variant, in a subprocess with its own Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.test_pages import BUNDLE
from tests.support.browser import CHROMIUM
from tests.support.requirements import require

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def test_viewer_benchmark_quick_run_reports_its_figures(tmp_path: Path) -> None:
    require(shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM), "Chromium",
            "install Debian's chromium package (apt-get install chromium)")
    require(BUNDLE.exists(), "the viewer bundle", "run `make viewer`")
    figures = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "bench/viewer.py", "--quick", "--json", str(figures)],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("synthetic")]
    assert [row[2] for row in rows] == ["original", "tiled"]
    assert any(line.split()[:1] == ["ratio"] for line in done.stdout.splitlines())
    assert "targets (" in done.stdout

    result = json.loads(figures.read_text())["panoramas"]["synthetic-4096"]
    original, tiled = result["original"]["median"], result["tiled"]["median"]
    for figures_of in (original, tiled):
        assert 0 < figures_of["first_frame_ms"] <= figures_of["sharp_ms"]
        assert figures_of["late_requests"] == 0
        # what the page counted is what the server sent
        assert figures_of["image_bytes"] == figures_of["server_image_bytes"] > 0
    # the original is one request for the whole file, shown sharp in its first frame
    assert original["image_requests"] == 1
    assert original["image_bytes"] == result["file_bytes"]
    assert original["sharp_ms"] == original["first_frame_ms"]
    # the tiled view: six preview faces, then the visible tiles of a finer level, later
    assert tiled["image_requests"] > 6
    assert tiled["sharp_ms"] > tiled["first_frame_ms"]
    assert tiled["image_bytes"] < original["image_bytes"]
