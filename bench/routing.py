"""Routing benchmark: route queries on a generated city-sized walk graph.

    .venv/bin/python bench/routing.py            # 10,000 scenes, 30,000 links, 1,000 queries
    .venv/bin/python bench/routing.py --quick    # 1,000 scenes, 100 queries (the smoke test)

The graph: scenes on a jittered grid over a 3 × 4.5 km downtown, linked both ways to
grid neighbours (a random spanning tree, so it is one city, then random other neighbours)
until there are 30,000 links (about 12 % stairs, 3 % escalators, 3 % elevators,
2 % ramps, 2 % closed), built once into ``tours.routing.RouteGraph`` as the server keeps it.
Queries go between random pairs of scenes, with and without ``step_free``; a pair with no
route is counted as unreachable, not timed with the others.

The baseline, measured in the same run on the first 50 queries, is a plain Python Dijkstra
(``heapq`` over adjacency lists) on the same edges: the ratio shows what the compiled search
buys. Target: p95 of a routed query under 5 ms.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tours.models import LinkKind  # noqa: E402 - after the path is set
from tours.routing import NOT_STEP_FREE, PlaceFact, RouteGraph, WayFact, distance_m  # noqa: E402

TARGET_P95_MS = 5.0
BASELINE_QUERIES = 50
#: the kinds of the links and their shares (the rest are walkways)
KINDS = ((LinkKind.STAIRS, 0.12), (LinkKind.ESCALATOR, 0.03), (LinkKind.ELEVATOR, 0.03),
         (LinkKind.RAMP, 0.02))
CLOSED_SHARE = 0.02


def city(scenes: int, links: int, seed: int) -> tuple[list[PlaceFact], list[WayFact]]:
    """Scenes on a jittered grid (about 30 m apart), joined to neighbours into one city."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible test graph, no secret
    side = math.ceil(math.sqrt(scenes))
    step = 0.00027  # ≈ 30 m of latitude
    places = [PlaceFact(n + 1, 48.1 + (n // side + rng.uniform(-0.3, 0.3)) * step,
                        11.5 + (n % side + rng.uniform(-0.3, 0.3)) * step * 1.5)
              for n in range(scenes)]
    # every pair of grid neighbours (across, down and diagonal) is a candidate street; a
    # random spanning tree of them first (the walk is one connected city), then random others
    candidates = [(here, here + dr * side + dc)
                  for here in range(scenes)
                  for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1))
                  if 0 <= here % side + dc < side and here + dr * side + dc < scenes]
    rng.shuffle(candidates)
    parent = list(range(scenes))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    pairs, spare = [], []
    for a, b in candidates:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
            pairs.append((a, b))
        else:
            spare.append((a, b))
    pairs += spare[: max(0, links // 2 - len(pairs))]
    ways = []
    for number, (a, b) in enumerate(pairs[: links // 2]):
        roll, kind = rng.random(), LinkKind.WALKWAY
        for candidate, share in KINDS:
            if roll < share:
                kind = candidate
                break
            roll -= share
        closed = rng.random() < CLOSED_SHARE
        ways.append(WayFact(2 * number, places[a].scene_id, places[b].scene_id, kind,
                            None, closed))
        ways.append(WayFact(2 * number + 1, places[b].scene_id, places[a].scene_id, kind,
                            None, closed))
    return places, ways


def plain_dijkstra(adjacency: dict[int, list[tuple[int, float]]], start: int, goal: int
                   ) -> float | None:
    """The baseline: a textbook Dijkstra in Python."""
    best = {start: 0.0}
    queue = [(0.0, start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            return cost
        if cost > best.get(node, math.inf):
            continue
        for neighbour, length in adjacency.get(node, ()):
            candidate = cost + length
            if candidate < best.get(neighbour, math.inf):
                best[neighbour] = candidate
                heapq.heappush(queue, (candidate, neighbour))
    return None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small graph and few queries")
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    scenes, links, queries = (1_000, 3_000, 100) if arguments.quick else (10_000, 30_000, 1_000)
    places, ways = city(scenes, links, arguments.seed)
    started = time.perf_counter()
    graph = RouteGraph(places, ways)
    built = time.perf_counter() - started
    rng = random.Random(arguments.seed + 1)  # noqa: S311 - reproducible queries
    pairs = [(rng.choice(places).scene_id, rng.choice(places).scene_id, rng.random() < 0.5)
             for _ in range(queries)]
    timings, unreachable, legs = [], {False: 0, True: 0}, []
    for start, goal, step_free in pairs:
        begin = time.perf_counter()
        route = graph.route(start, goal, step_free=step_free)
        elapsed = (time.perf_counter() - begin) * 1000
        if route is None:
            unreachable[step_free] += 1
            continue
        timings.append(elapsed)
        legs.append(len(route.legs))
    by_id = {place.scene_id: place for place in places}
    adjacency: dict[bool, dict[int, list[tuple[int, float]]]] = {False: {}, True: {}}
    for way in ways:
        if way.closed:
            continue
        length = distance_m(by_id[way.from_scene_id], by_id[way.to_scene_id]) or 0.01
        for step_free in (False, True):
            if step_free and way.kind in NOT_STEP_FREE:
                continue
            adjacency[step_free].setdefault(way.from_scene_id, []).append(
                (way.to_scene_id, length))
    baseline, ours = [], []
    for start, goal, step_free in pairs[:BASELINE_QUERIES]:
        begin = time.perf_counter()
        expected = plain_dijkstra(adjacency[step_free], start, goal)
        baseline.append((time.perf_counter() - begin) * 1000)
        begin = time.perf_counter()
        route = graph.route(start, goal, step_free=step_free)
        ours.append((time.perf_counter() - begin) * 1000)
        found = None if route is None else route.length_m
        if (expected is None) != (found is None) or (
                expected is not None and abs(expected - found) > 1e-6 * max(1.0, expected)):
            print(f"MISMATCH {start}→{goal} step_free={step_free}: {expected} vs {found}")
            return 1
    mix = {kind.value: sum(1 for way in ways if way.kind is kind) for kind in LinkKind}
    size = graph.size
    p95 = percentile(timings, 0.95) if timings else math.inf
    print(f"graph: {len(places)} scenes, {len(ways)} links ({size[1]} open), built in "
          f"{built * 1000:.0f} ms; kinds {mix}, closed {sum(way.closed for way in ways)}")
    print(f"queries: {queries} ({sum(1 for *_, s in pairs if s)} step-free); routed "
          f"{len(timings)}, unreachable {unreachable[False]} + {unreachable[True]} step-free; "
          f"legs per route median {statistics.median(legs) if legs else 0}")
    if timings:
        print(f"route time ms: p50 {percentile(timings, 0.5):.2f}  p95 {p95:.2f}  "
              f"p99 {percentile(timings, 0.99):.2f}  max {max(timings):.2f}")
    print(f"baseline (plain Python Dijkstra, first {len(baseline)} queries): median "
          f"{statistics.median(baseline):.2f} ms vs {statistics.median(ours):.2f} ms = "
          f"{statistics.median(baseline) / max(statistics.median(ours), 1e-9):.1f}× faster")
    met = p95 < TARGET_P95_MS
    print(f"target p95 < {TARGET_P95_MS} ms: {'met' if met else 'NOT met'}")
    return 0 if met or arguments.quick else 1


if __name__ == "__main__":
    sys.exit(main())
