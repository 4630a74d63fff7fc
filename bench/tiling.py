"""Tiling benchmark: Flaneur's media_tools against a naive pipeline built from the same libraries.

    .venv/bin/python bench/tiling.py            # 8192×4096 and 16384×8192 (a few minutes)
    .venv/bin/python bench/tiling.py --quick    # 4096×2048 only (the smoke test runs this)

For each size a textured panorama (seeded multi-scale noise, gradients, grid lines) is encoded
as JPEG in a temporary folder, then tiled by each variant in its own subprocess, writing the
same pyramid (same tile size, levels, JPEG quality 85 and 4:2:0 chroma) into a folder:

* ``baseline``: Pillow decode, ``py360convert.e2c`` (bilinear, OpenCV installed) for the top
  level, then a single-threaded Pillow loop halving each face with LANCZOS and saving tiles,
  previews, SD copy and thumbnail.
* ``flaneur``: ``media_tools.tile_panorama`` with its default options.

Wall and CPU seconds and objects/bytes written are reported by the child; peak RSS is the
larger of the child's own ``ru_maxrss`` and the parent's polling of the child's process tree.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SPEED_UP = 5.0
TARGET_RSS_MB = 1200.0


def make_panorama(width: int, path: Path, seed: int = 11) -> None:
    """A textured ``width × width/2`` JPEG: detail at every scale, so encoders work for real."""
    import cv2
    import numpy as np
    import simplejpeg

    height = width // 2
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width, 3), np.uint8)
    for scale, weight in ((256, 0.45), (32, 0.3), (4, 0.15), (1, 0.1)):
        coarse = rng.integers(0, 256, (height // scale, width // scale, 3), dtype=np.uint8)
        layer = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
        cv2.addWeighted(image, 1.0, layer, weight, 0.0, dst=image)
        del layer
    image += np.linspace(0, 30, width, dtype=np.uint8)[None, :, None]
    image[::128] = 250
    image[:, ::128] = 10
    path.write_bytes(simplejpeg.encode_jpeg(image, quality=90, colorsubsampling="420"))


def _file_sink(outdir: Path):
    def sink(key: str, data: bytes, content_type: str) -> None:
        del content_type
        target = outdir / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    return sink


def run_flaneur(source: Path, outdir: Path) -> None:
    from media_tools import tile_panorama

    with source.open("rb") as stream:
        tile_panorama(stream, sink=_file_sink(outdir))


def run_baseline(source: Path, outdir: Path) -> None:
    import numpy as np
    import py360convert
    from PIL import Image

    from media_tools import plan_levels

    Image.MAX_IMAGE_PIXELS = None
    save = {"format": "JPEG", "quality": 85, "subsampling": 2}
    with Image.open(source) as opened:
        pixels = np.asarray(opened.convert("RGB"))
    plan = plan_levels(pixels.shape[1])
    tile = plan.tile_size
    faces = py360convert.e2c(pixels, face_w=plan.top.face_size, mode="bilinear",
                             cube_format="dict")
    equirect = Image.fromarray(pixels)
    del pixels
    for face, key in {"f": "F", "b": "B", "l": "L", "r": "R", "u": "U", "d": "D"}.items():
        # py360convert's top and bottom are turned 180° from the layout the viewer needs
        data = faces.pop(key)
        image = Image.fromarray(np.rot90(data, 2) if face in "ud" else data)
        for level in reversed(plan.levels):
            if image.width != level.face_size:
                image = image.resize((level.face_size, level.face_size), Image.Resampling.LANCZOS)
            for y in range(level.nb_tiles):
                for x in range(level.nb_tiles):
                    target = outdir / f"{level.z}/{face}/{y}/{x}.jpg"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    image.crop((x * tile, y * tile, (x + 1) * tile, (y + 1) * tile)).save(
                        target, **save)
        preview = outdir / f"0/{face}/0/0.jpg"
        preview.parent.mkdir(parents=True, exist_ok=True)
        image.resize((plan.preview_size,) * 2, Image.Resampling.LANCZOS).save(preview, **save)
    sd = equirect.resize((2048, 1024), Image.Resampling.LANCZOS)
    sd.save(outdir / "sd.jpg", **save)
    sd.resize((512, 256), Image.Resampling.LANCZOS).save(outdir / "thumb.jpg", **save)
    (outdir / "manifest.json").write_text("{}")


def _peak_rss_mb() -> float:
    """This process's own high-water RSS (VmHWM; ru_maxrss would include the pre-exec parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(variant: str, source: Path, outdir: Path) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    {"flaneur": run_flaneur, "baseline": run_baseline}[variant](source, outdir)
    files = [p for p in outdir.rglob("*") if p.is_file()]
    print(json.dumps({
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "maxrss_mb": _peak_rss_mb(),
        "objects": len(files),
        "bytes": sum(p.stat().st_size for p in files),
    }))


def measure(variant: str, source: Path, outdir: Path) -> dict[str, float]:
    """Run one variant in a subprocess, polling the RSS of its process tree."""
    import psutil

    process = subprocess.Popen(
        [sys.executable, __file__, "--child", variant, str(source), str(outdir)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    peak = [0]
    watcher = psutil.Process(process.pid)

    def poll() -> None:
        while process.poll() is None:
            try:
                # Until exec, the forked child still shows the parent's memory: skip it.
                if "--child" in watcher.cmdline():
                    tree = [watcher, *watcher.children(recursive=True)]
                    peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                return
            time.sleep(0.01)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    out, _ = process.communicate(timeout=1800)
    thread.join(timeout=5)
    if process.returncode:
        raise SystemExit(f"{variant} failed with exit code {process.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mb"] = max(result["maxrss_mb"], peak[0] / 2**20)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4096×2048 only")
    parser.add_argument("--sizes", type=int, nargs="*", help="panorama widths to run")
    parser.add_argument("--child", nargs=3, metavar=("VARIANT", "SOURCE", "OUTDIR"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, metavar=("WIDTH", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        make_panorama(int(args.generate[0]), Path(args.generate[1]))
        return 0
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return 0
    sizes = args.sizes or ([4096] if args.quick else [8192, 16384])
    header = (f"{'size':<12} {'variant':<9} {'wall s':>7} {'cpu s':>7} {'peak RSS MB':>12} "
              f"{'objects':>8} {'MB written':>11}")
    print(header)
    print("-" * len(header))
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="flaneur-bench-") as folder:
        workdir = Path(folder)
        for width in sizes:
            source = workdir / f"pano-{width}.jpg"
            # in a subprocess, so this parent stays small for the children it starts
            subprocess.run([sys.executable, __file__, "--generate", str(width), str(source)],
                           check=True, cwd=ROOT, timeout=600)
            results = {}
            for variant in ("baseline", "flaneur"):
                results[variant] = measure(variant, source, workdir / f"{variant}-{width}")
                r = results[variant]
                print(f"{width}x{width // 2:<7} {variant:<9} {r['wall']:7.2f} {r['cpu']:7.2f} "
                      f"{r['peak_rss_mb']:12.0f} {r['objects']:8d} {r['bytes'] / 1e6:11.1f}")
            speed_up = results["baseline"]["wall"] / results["flaneur"]["wall"]
            print(f"{'':<12} {'ratio':<9} {speed_up:6.1f}× faster (wall), "
                  f"{results['baseline']['cpu'] / results['flaneur']['cpu']:.1f}× less CPU, "
                  f"{results['baseline']['peak_rss_mb'] / results['flaneur']['peak_rss_mb']:.1f}× "
                  "less memory")
            verdicts.append(speed_up >= TARGET_SPEED_UP)
            if width >= 16384:
                verdicts.append(results["flaneur"]["peak_rss_mb"] < TARGET_RSS_MB)
    met = all(verdicts)
    print(f"targets ({TARGET_SPEED_UP:.0f}× faster, < {TARGET_RSS_MB:.0f} MB at 16K): "
          f"{'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
