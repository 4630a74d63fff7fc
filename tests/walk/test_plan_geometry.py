"""The browser's plan geometry (``static/viewer/src/geo.js``), run in Node: the projection onto
a drawing and back (where a dropped marker's latitude/longitude comes from), and the turn
between a panorama's yaw and a compass bearing (the inverse of ``tours.walk.link_yaw``)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.requirements import require
from tours.walk import link_yaw

GEO = Path(__file__).resolve().parents[2] / "static" / "viewer" / "src" / "geo.js"
DRAWING = {"width": 800, "height": 560, "padding": 50, "maxScale": 2}
MARKET = {"latitude": 48.1374, "longitude": 11.5755}
HALL = {"latitude": 48.13794, "longitude": 11.57657}
METRES_PER_DEGREE = 6371008.8 * math.pi / 180


def run_geo(script: str) -> Any:
    """Runs ``script`` (an ES module body with ``geo`` imported) in Node; its ``result``."""
    node = shutil.which("node")
    require(node is not None, "Node.js", "install Node.js 20 or newer")
    module = (f"import * as geo from {json.dumps(GEO.as_uri())};\n{script}\n"
              "process.stdout.write(JSON.stringify(result));")
    done = subprocess.run([str(node), "--input-type=module", "-e", module], capture_output=True,
                          text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_point_of_the_drawing_goes_back_to_its_position_and_on_to_the_same_point():
    result = run_geo(f"""
        const drawing = {json.dumps(DRAWING)};
        const projection = geo.fitProjection({json.dumps([MARKET, HALL])}, drawing);
        const points = [[0, 0], [400, 280], [123.4, 456.7], [800, 560]];
        const result = {{
          scale: projection.scale,
          market: projection.toScreen({json.dumps(MARKET)}),
          hall: projection.toScreen({json.dumps(HALL)}),
          there: points.map(([x, y]) => projection.toLocation(x, y)),
          back: points.map(([x, y]) => projection.toScreen(projection.toLocation(x, y))),
          again: [{json.dumps(MARKET)}, {json.dumps(HALL)}].map((where) =>
            projection.toLocation(...projection.toScreen(where))),
        }};""")
    for point, back in zip([[0, 0], [400, 280], [123.4, 456.7], [800, 560]], result["back"],
                           strict=True):
        assert back == pytest.approx(point, abs=1e-6)
    assert result["again"][0] == pytest.approx(MARKET, abs=1e-9)
    assert result["again"][1] == pytest.approx(HALL, abs=1e-9)
    # north up, east right, one scale on both axes: the market lies south-west of the hall
    (mx, my), (hx, hy) = result["market"], result["hall"]
    assert mx < hx
    assert my > hy
    east_m = (HALL["longitude"] - MARKET["longitude"]) * METRES_PER_DEGREE * math.cos(
        math.radians((MARKET["latitude"] + HALL["latitude"]) / 2))
    north_m = (HALL["latitude"] - MARKET["latitude"]) * METRES_PER_DEGREE
    assert (hx - mx) / east_m == pytest.approx(result["scale"], rel=1e-9)
    assert (my - hy) / north_m == pytest.approx(result["scale"], rel=1e-9)
    # a drawing point halfway between the two markers is the position halfway between them
    middle = run_geo(f"""
        const projection = geo.fitProjection({json.dumps([MARKET, HALL])},
                                             {json.dumps(DRAWING)});
        const result = projection.toLocation({(mx + hx) / 2}, {(my + hy) / 2});""")
    assert middle["latitude"] == pytest.approx((MARKET["latitude"] + HALL["latitude"]) / 2,
                                               abs=1e-9)
    assert middle["longitude"] == pytest.approx((MARKET["longitude"] + HALL["longitude"]) / 2,
                                                abs=1e-9)


def test_with_no_position_yet_the_drawing_is_centred_on_the_given_centre():
    result = run_geo(f"""
        const projection = geo.fitProjection([], {{ ...{json.dumps(DRAWING)},
                                                   centre: {json.dumps(MARKET)} }});
        const result = {{ scale: projection.scale,
                          middle: projection.toScreen({json.dumps(MARKET)}),
                          corner: projection.toLocation(0, 0) }};""")
    assert result["scale"] == DRAWING["maxScale"]
    assert result["middle"] == pytest.approx([400, 280])
    assert result["corner"]["latitude"] > MARKET["latitude"]
    assert result["corner"]["longitude"] < MARKET["longitude"]


@pytest.mark.parametrize(("bearing", "north_offset"), [
    (0, 0), (90, 0), (270, 30), (359.9, -179.5), (180, 180), (45.5, -100),
])
def test_yaw_and_bearing_turn_into_each_other(bearing, north_offset):
    result = run_geo(f"""
        const yaw = geo.linkYaw({bearing}, {north_offset});
        const result = {{ yaw, bearing: geo.bearingOfYaw(yaw, {north_offset}) }};""")
    assert result["yaw"] == pytest.approx(link_yaw(bearing, north_offset))
    assert -180 <= result["yaw"] < 180
    assert result["bearing"] == pytest.approx(bearing)


def test_a_direction_clicked_in_the_panorama_becomes_its_compass_bearing():
    # north lies at yaw 30: a click at yaw 120 is east, one at yaw −150 is south
    result = run_geo("""
        const result = [120, -150, 30, 29].map((yaw) => geo.bearingOfYaw(yaw, 30));""")
    assert result == pytest.approx([90, 180, 0, 359])
