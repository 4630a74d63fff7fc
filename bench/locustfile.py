"""The scripted visitor of ``bench/load.py``, run by locust in a process of its own.

Never import this module from the app or the tests: locust monkeypatches the standard library
with gevent on import. ``bench/load.py`` starts ``locust -f bench/locustfile.py`` and hands it
a plan (JSON, path in ``FLANEUR_LOAD_PLAN``)::

    {"tour": "<slug>", "shop": "<slug>", "think": [min_s, max_s], "out": "<path>"}

A visit walks like a person on the site: the city home, the tour's page and its JSON, then
each stop's scene (its JSON, then the tiles a viewer asks for first: every face of level 1 and
the front face of level 2, from the bucket's URL the scene gives), the card of any shop whose
hotspot the scene shows, and at the end a route from one of the stops to the shop. Between
scenes and between visits the visitor looks around for ``think`` seconds (uniform).

Locust records every request under its type's name (the table's rows). This file adds what
locust's statistics leave out, written to ``out`` when locust quits: the HTTP status classes
per request type (so a 5xx is told from a refused connection) and the latencies of the API
requests, from which ``bench/load.py`` computes the percentiles of the API as a whole.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from locust import FastHttpUser, between, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["FLANEUR_LOAD_PLAN"]).read_text())
#: the request types that are the JSON API (their latencies are kept one by one)
API_TYPES = frozenset({"tour api", "scene api", "shop card", "route"})
#: level-2 tiles fetched per face side at most (the initial view's share of a larger level)
MAX_Z2_SIDE = 2

statuses: dict[str, Counter[str]] = defaultdict(Counter)
api_latencies: list[float] = []


@events.request.add_listener
def _record(name: str, response_time: float, response: Any, exception: BaseException | None,
            **_kwargs: Any) -> None:
    code = getattr(response, "status_code", 0) or 0
    statuses[name][f"{code // 100}xx" if code else "no answer"] += 1
    if name in API_TYPES and exception is None:
        api_latencies.append(round(response_time, 2))


@events.quitting.add_listener
def _write(**_kwargs: Any) -> None:
    Path(PLAN["out"]).write_text(json.dumps({
        "statuses": {name: dict(counts) for name, counts in statuses.items()},
        "api_latencies_ms": api_latencies}))


def _fill(template: str, **values: object) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", str(value))
    return template


class Visitor(FastHttpUser):
    wait_time = between(*PLAN["think"])

    def _json(self, path: str, name: str) -> Any:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return None
            try:
                return response.json()
            except ValueError:
                response.failure("not JSON")
                return None

    def _tiles(self, panorama: dict[str, Any]) -> None:
        template = panorama["tile_url"]
        levels = {level["z"]: level["nb_tiles"] for level in panorama["levels"]}
        for face in "fblrud":
            for y in range(levels[1]):
                for x in range(levels[1]):
                    self.client.get(_fill(template, z=1, face=face, y=y, x=x), name="tile z1")
        if 2 in levels:
            side = min(levels[2], MAX_Z2_SIDE)
            for y in range(side):
                for x in range(side):
                    self.client.get(_fill(template, z=2, face="f", y=y, x=x), name="tile z2")

    @task
    def visit(self) -> None:
        tour = quote(PLAN["tour"])
        self.client.get("/", name="home")
        self.client.get(f"/tours/{tour}", name="tour page")
        detail = self._json(f"/api/walk/tours/{tour}", "tour api")
        if detail is None:
            return
        slugs = [stop["scene"]["slug"] for stop in detail["stops"]]
        for slug in slugs:
            self.wait()
            scene = self._json(f"/api/walk/scenes/{quote(slug)}", "scene api")
            if scene is None:
                continue
            self._tiles(scene["panorama"])
            for hotspot in scene["hotspots"]:
                if hotspot.get("shop"):
                    self._json(f"/api/shops/{quote(hotspot['shop']['slug'])}", "shop card")
        if slugs:
            self.wait()
            start = random.choice(slugs)  # noqa: S311 - a visitor's whim, not a secret
            self._json(f"/api/route?from={quote(start)}&to_shop={quote(PLAN['shop'])}", "route")
