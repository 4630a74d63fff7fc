"""Command line: ``python -m media_tools inspect INPUT`` and ``… tile INPUT OUTDIR``.

The only part of media_tools that touches files.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from media_tools.errors import PanoramaRejected
from media_tools.formats import Limits
from media_tools.inspection import inspect_panorama
from media_tools.tiling import TilingOptions, tile_panorama


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m media_tools",
                                     description="Inspect and tile equirectangular panoramas.")
    commands = parser.add_subparsers(dest="command", required=True)
    inspect = commands.add_parser("inspect", help="print what the headers say, as JSON")
    inspect.add_argument("input", type=Path)
    tile = commands.add_parser("tile", help="write the tile pyramid, SD copy, thumbnail and "
                                            "manifest.json into a folder")
    tile.add_argument("input", type=Path)
    tile.add_argument("outdir", type=Path)
    tile.add_argument("--tile-size", type=int, default=None,
                      help="even, 512–1024 (default: chosen from the source width)")
    tile.add_argument("--quality", type=int, default=85, help="JPEG quality (default 85)")
    tile.add_argument("--workers", type=int, default=2, help="threads (default 2)")
    tile.add_argument("--quiet", action="store_true", help="no progress on stderr")
    for command in (inspect, tile):
        command.add_argument("--max-width", type=int, default=Limits.max_width)
        command.add_argument("--max-height", type=int, default=Limits.max_height)
    return parser


def _write_into(outdir: Path) -> Callable[[str, bytes, str], None]:
    """A sink writing each key as a file under ``outdir`` (and nowhere else)."""
    root = outdir.resolve()

    def sink(key: str, data: bytes, content_type: str) -> None:
        del content_type
        target = (root / key).resolve()
        if root not in target.parents:
            raise ValueError(f"refusing to write outside {root}: {key}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    return sink


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    limits = Limits(max_width=args.max_width, max_height=args.max_height)
    try:
        with args.input.open("rb") as stream:
            if args.command == "inspect":
                print(json.dumps(inspect_panorama(stream, limits=limits).as_dict(), indent=2))
                return 0
            started = time.perf_counter()

            def progress(stage: str, fraction: float) -> None:
                if not args.quiet:
                    print(f"\r{stage:<12} {fraction:6.1%}", end="", file=sys.stderr, flush=True)

            options = TilingOptions(tile_size=args.tile_size, jpeg_quality=args.quality,
                                    workers=args.workers, limits=limits)
            result = tile_panorama(stream, sink=_write_into(args.outdir), options=options,
                                   progress=progress)
    except PanoramaRejected as rejection:
        print(json.dumps(rejection.as_dict(), indent=2), file=sys.stderr)
        return 2
    if not args.quiet:
        print(file=sys.stderr)
    summary = {"objects": result.objects_written, "bytes": result.bytes_written,
               "seconds": round(time.perf_counter() - started, 3), "manifest": result.manifest}
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
