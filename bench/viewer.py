"""Viewer benchmark: a tiled panorama against its original equirectangular file, in Chromium.

    .venv/bin/python bench/viewer.py          # the 4096×2048 photo, a 16384×8192 synthetic one
    .venv/bin/python bench/viewer.py --quick  # a 4096×2048 synthetic panorama, one run (smoke test)

Each panorama is tiled by ``media_tools.tile_panorama`` into a temporary folder that a static
server on 127.0.0.1 serves next to the original JPEG, the real viewer bundle
(``static/viewer/dist/flaneur.js``, built by ``make viewer``) and a bench page. Headless
Chromium (Debian's, SwiftShader WebGL, 1280×720, the default zoom) opens the page in a fresh
context for every run (nothing cached; the server also sends ``no-store``) in two variants:

* ``original``: ``mountPanorama``, PSV's equirectangular adapter loading the original file;
* ``tiled``: ``mountTiledPanorama`` from the revision's ``manifest.json``, as visitors get it.

Times are the page's own clock, in ms since navigation started:

* first frame: the first ``render`` event after PSV's ``ready`` (the preview faces, or the
  whole original, on screen);
* sharp: the first frame drawn once every tile the viewer asked for the initial view has been
  loaded and applied (for the original: the first frame, as the whole file is its texture).

Image bytes are the JPEG bodies (``encodedBodySize``) that had arrived by "sharp"; the run then
waits a moment to check the viewer asks for nothing more. Each figure is the median of the runs.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tiling import make_panorama  # noqa: E402 - the tiling benchmark's textured panorama

PHOTO = ROOT.parent / "shared" / "data" / "panoramas" / "mountain-lakes-4096x2048.jpg"
BUNDLE = ROOT / "static" / "viewer" / "dist"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
#: the flags of tests/support/browser.py: headless, offline, WebGL in software (SwiftShader)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-unsafe-swiftshader",
]
VIEWPORT = {"width": 1280, "height": 720}
VARIANTS = ("original", "tiled")

TARGET_FIRST_FRAME_MS = 1500.0
#: image bytes until sharp, as a share of the original file, by panorama width
TARGET_BYTES_SHARE = {4096: 0.40, 16384: 0.05}

#: how long one page may take to become sharp (a 16K original decodes slowly in software)
LOAD_TIMEOUT_MS = 180_000
#: after "sharp", how long the viewer must stay quiet (no new image request)
SETTLE_MS = 1_000

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>viewer bench</title>
<link rel="stylesheet" href="/viewer/flaneur.css">
<link rel="stylesheet" href="/bench.css">
<script type="module" src="/bench.js"></script>
</head><body><div id="pano"></div></body></html>
"""

STYLESHEET = "body { margin: 0 } #pano { width: 100vw; height: 100vh }\n"

SCRIPT = """// Mounts one panorama as the site does and records, in ms since navigation, the first
// frame and the first frame with every tile of the initial view drawn (window.benchResult).
import { mountPanorama, mountTiledPanorama } from "/viewer/flaneur.js";

performance.setResourceTimingBufferSize(100000);
const params = new URLSearchParams(location.search);
const result = { firstFrame: null, sharp: null, error: null };
window.benchResult = result;

// The cubemap-tiles adapter of PSV 5.15.1 keeps the tiles it asked for in state.tiles and
// their loading in a queue: a task leaves `tasks` once its tile is drawn; status 1 = pending.
function tilesDrawn(adapter) {
  const { tasks, runningTasks } = adapter.queue;
  return Object.keys(adapter.state.tiles).length > 0
    && Object.keys(runningTasks).length === 0
    && Object.values(tasks).every((task) => task.status !== 1);
}

async function start() {
  const element = document.getElementById("pano");
  const name = params.get("panorama");
  let viewer;
  let isSharp;
  if (params.get("variant") === "tiled") {
    const baseUrl = `/media/${name}`;
    const manifest = await (await fetch(`${baseUrl}/manifest.json`)).json();
    viewer = await mountTiledPanorama(element, { manifest, baseUrl });
    if (!viewer.adapter.queue || !viewer.adapter.state.tiles) {
      throw new Error("the cubemap-tiles adapter changed: update tilesDrawn() in bench/viewer.py");
    }
    isSharp = () => tilesDrawn(viewer.adapter);
  } else {
    viewer = await mountPanorama(element, { url: `/media/${name}.jpg` });
    isSharp = () => true;
  }
  // 'ready' came before PSV's next animation frame: this listener sees the first render
  viewer.addEventListener("render", () => {
    const now = performance.now();
    if (result.firstFrame === null) result.firstFrame = now;
    if (result.sharp === null && isSharp()) result.sharp = now;
  });
  window.viewer = viewer;
}

start().catch((error) => { result.error = String(error && error.message || error); });
"""

#: image requests (responses that had arrived by ``sharp``, and all of them) from the page's
#: resource timing
IMAGE_FIGURES = """(sharp) => {
  const images = performance.getEntriesByType("resource")
    .filter((entry) => new URL(entry.name).pathname.endsWith(".jpg"));
  const arrived = images.filter((entry) => entry.responseEnd <= sharp);
  return {
    bytes: arrived.reduce((sum, entry) => sum + entry.encodedBodySize, 0),
    requests: arrived.length,
    all_requests: images.length,
  };
}"""


#: which of these URLs has no resource timing entry with a body (the request really failed)
WITHOUT_BODY = """(urls) => urls.filter((url) => !performance.getEntriesByName(url)
  .some((entry) => entry.encodedBodySize > 0 && entry.responseEnd > 0))"""


@dataclass(frozen=True)
class Panorama:
    """One panorama served twice: ``media/<name>.jpg`` and its tiles under ``media/<name>/``."""

    name: str
    label: str
    width: int
    file_bytes: int


class _StaticHandler(SimpleHTTPRequestHandler):
    """Files of the bench folder over HTTP/1.1 keep-alive, never cached, counting JPEG bytes."""

    protocol_version = "HTTP/1.1"

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def copyfile(self, source: Any, outputfile: Any) -> None:
        super().copyfile(source, outputfile)
        if self.path.split("?")[0].endswith(".jpg"):
            self.server.count_image(os.fstat(source.fileno()).st_size)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        del format, args


class _BenchServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: Path) -> None:
        super().__init__(("127.0.0.1", 0),
                         functools.partial(_StaticHandler, directory=str(folder)))
        self._lock = threading.Lock()
        self.image_bytes = 0

    def count_image(self, size: int) -> None:
        with self._lock:
            self.image_bytes += size

    def take_image_bytes(self) -> int:
        """JPEG bytes sent since the last call."""
        with self._lock:
            sent, self.image_bytes = self.image_bytes, 0
        return sent


@contextmanager
def serve(folder: Path) -> Iterator[tuple[str, _BenchServer]]:
    """Serve ``folder`` on 127.0.0.1 in a background thread; yield its base URL and server."""
    server = _BenchServer(folder)
    thread = threading.Thread(target=server.serve_forever, name="bench-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", server
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def prepare_site(folder: Path) -> None:
    """The bench page and a copy of the viewer bundle (a rebuild meanwhile cannot disturb us)."""
    viewer = folder / "viewer"
    viewer.mkdir(parents=True)
    for name in ("flaneur.js", "flaneur.css"):
        if not (BUNDLE / name).exists():
            raise SystemExit(f"{BUNDLE / name} is missing: run `make viewer` first")
        shutil.copyfile(BUNDLE / name, viewer / name)
    (folder / "bench.html").write_text(PAGE)
    (folder / "bench.css").write_text(STYLESHEET)
    (folder / "bench.js").write_text(SCRIPT)
    (folder / "favicon.ico").write_bytes(b"")
    (folder / "media").mkdir()


def add_panorama(folder: Path, name: str, label: str, source: Path) -> Panorama:
    """Copy ``source`` to ``media/<name>.jpg`` and tile it into ``media/<name>/``."""
    from media_tools import tile_panorama

    media = folder / "media"
    shutil.copyfile(source, media / f"{name}.jpg")
    tiles = media / name

    def sink(key: str, data: bytes, content_type: str) -> None:
        del content_type
        target = tiles / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    started = time.perf_counter()
    with source.open("rb") as stream:
        result = tile_panorama(stream, sink=sink)
    levels = ", ".join(f"z{level['z']} {level['face_size']}px×{level['nb_tiles']}²"
                       for level in result.manifest["levels"])
    print(f"# {label}: tiled in {time.perf_counter() - started:.1f} s ({levels})", flush=True)
    return Panorama(name, label, int(result.manifest["source"]["width"]), source.stat().st_size)


def measure(browser: Any, base: str, server: _BenchServer, panorama: Panorama,
            variant: str) -> dict[str, float]:
    """One page load in a fresh context: first frame, sharp, image bytes and requests."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    problems: list[str] = []
    failed: dict[str, str] = {}
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: failed.update({request.url: request.failure}))
    page.on("response", lambda response: problems.append(
        f"HTTP {response.status} for {response.url}") if response.status >= 400 else None)
    server.take_image_bytes()
    try:
        page.goto(f"{base}/bench.html?variant={variant}&panorama={panorama.name}")
        page.wait_for_function(
            "() => window.benchResult.sharp !== null || window.benchResult.error !== null",
            timeout=LOAD_TIMEOUT_MS, polling=50)
        result = page.evaluate("window.benchResult")
        if result["error"]:
            raise SystemExit(f"{panorama.label} ({variant}): the viewer failed: {result['error']}")
        # the viewer has what it asked for: check that it asks for nothing more
        page.wait_for_timeout(SETTLE_MS)
        images = page.evaluate(IMAGE_FIGURES, result["sharp"])
        # Chromium reports some fetches that three.js reads as a stream as aborted although
        # their whole body arrived: only a request without a complete body failed
        problems += [f"request failed: {url} ({failed[url]})"
                     for url in page.evaluate(WITHOUT_BODY, list(failed))]
    finally:
        context.close()
    if problems:
        raise SystemExit(f"{panorama.label} ({variant}): " + "; ".join(problems))
    return {
        "first_frame_ms": result["firstFrame"],
        "sharp_ms": result["sharp"],
        "image_bytes": images["bytes"],
        "image_requests": images["requests"],
        "late_requests": images["all_requests"] - images["requests"],
        "server_image_bytes": server.take_image_bytes(),
    }


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def bench(browser: Any, base: str, server: _BenchServer, panorama: Panorama,
          runs: int) -> dict[str, Any]:
    """``runs`` loads of each variant, alternating which goes first; medians and every run."""
    measured: dict[str, list[dict[str, float]]] = {variant: [] for variant in VARIANTS}
    for index in range(runs):
        order = VARIANTS if index % 2 == 0 else VARIANTS[::-1]
        for variant in order:
            measured[variant].append(measure(browser, base, server, panorama, variant))
    return {variant: {"median": _median(measured[variant]), "runs": measured[variant]}
            for variant in VARIANTS}


def report(panorama: Panorama, results: dict[str, Any]) -> list[bool]:
    """Print the panorama's rows and ratios; return whether each of its targets is met."""
    original, tiled = results["original"]["median"], results["tiled"]["median"]
    for variant, figures in (("original", original), ("tiled", tiled)):
        print(f"{panorama.label:<22} {variant:<9} {figures['first_frame_ms']:>10.0f} "
              f"{figures['sharp_ms']:>9.0f} {figures['image_requests']:>9.0f} "
              f"{figures['image_bytes'] / 1e3:>11.0f}")
        late = [run["late_requests"] for run in results[variant]["runs"]]
        if any(late):
            print(f"{'':<22} ! the viewer asked for {max(late)} more images after 'sharp'")
        if any(run["server_image_bytes"] != run["image_bytes"] for run in results[variant]["runs"]):
            print(f"{'':<22} ! the server sent other image bytes than the page counted")
    share = tiled["image_bytes"] / original["image_bytes"]
    first = tiled["first_frame_ms"] / original["first_frame_ms"]
    print(f"{'':<22} {'ratio':<9} first frame {first:.2f}×, "
          f"sharp {tiled['sharp_ms'] / original['sharp_ms']:.2f}×, "
          f"image bytes {share:.1%} of the original ({panorama.file_bytes / 1e6:.1f} MB file)")
    verdicts = [tiled["first_frame_ms"] <= TARGET_FIRST_FRAME_MS]
    print(f"{'':<22} {'target':<9} first frame ≤ {TARGET_FIRST_FRAME_MS:.0f} ms: "
          f"{'PASS' if verdicts[-1] else 'FAIL'}")
    limit = TARGET_BYTES_SHARE.get(panorama.width)
    if limit is not None:
        verdicts.append(share <= limit)
        print(f"{'':<22} {'target':<9} image bytes until sharp ≤ {limit:.0%} of the original: "
              f"{'PASS' if verdicts[-1] else 'FAIL'}")
    return verdicts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a 4096×2048 synthetic panorama only, one run")
    parser.add_argument("--sizes", type=int, nargs="*",
                        help="widths of the synthetic panoramas (default 16384)")
    parser.add_argument("--runs", type=int, help="page loads per variant (default 3)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()
    sizes = args.sizes if args.sizes is not None else ([4096] if args.quick else [16384])
    runs = max(1, args.runs or (1 if args.quick else 3))

    from playwright.sync_api import sync_playwright

    print(f"# {runs} run(s) per variant, {VIEWPORT['width']}×{VIEWPORT['height']}, "
          f"load average {os.getloadavg()[0]:.2f} at start", flush=True)
    output: dict[str, Any] = {"runs": runs, "viewport": VIEWPORT, "panoramas": {}}
    verdicts: list[bool] = []
    with tempfile.TemporaryDirectory(prefix="flaneur-viewer-bench-") as tmp:
        folder = Path(tmp)
        prepare_site(folder)
        panoramas = []
        if not args.quick:
            if not PHOTO.exists():
                raise SystemExit(f"{PHOTO} is missing (the real 4096×2048 photo)")
            panoramas.append(add_panorama(folder, "photo", "photo 4096x2048", PHOTO))
        for width in sizes:
            source = folder / f"synthetic-{width}-source.jpg"
            make_panorama(width, source)
            panoramas.append(add_panorama(folder, f"synthetic-{width}",
                                          f"synthetic {width}x{width // 2}", source))
            source.unlink()
        with serve(folder) as (base, server), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)
            try:
                # one untimed load first: Chromium starts its GPU process and compiles shaders
                measure(browser, base, server, panoramas[0], "tiled")
                header = (f"{'panorama':<22} {'variant':<9} {'first ms':>10} {'sharp ms':>9} "
                          f"{'images':>9} {'image KB':>11}")
                print(header)
                print("-" * len(header), flush=True)
                for panorama in panoramas:
                    results = bench(browser, base, server, panorama, runs)
                    verdicts += report(panorama, results)
                    output["panoramas"][panorama.name] = {
                        "label": panorama.label, "width": panorama.width,
                        "file_bytes": panorama.file_bytes, **results}
                    sys.stdout.flush()
            finally:
                browser.close()
    met = all(verdicts)
    print(f"targets (first frame ≤ {TARGET_FIRST_FRAME_MS / 1000:.1f} s; image bytes until sharp "
          f"≤ 40 % at 4K, ≤ 5 % at 16K): {'met' if met else 'NOT met'}; "
          f"load average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        output["targets_met"] = met
        args.json.write_text(json.dumps(output, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
