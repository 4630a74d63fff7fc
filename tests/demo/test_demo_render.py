"""The demo's renderer and world: deterministic pictures, and hotspots that land on the signs.

The sign positions come from ``demo.world.sign_view`` (the geometry the loader places the shop
hotspots with); the pictures from the ray-caster. A sign's colour found at its hotspot's
yaw/pitch in the rendered image shows both use the same conventions as the viewer (yaw 0 at
the centre column, growing to the right, pitch up).
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from demo.art import logo_png, sign_board
from demo.city import LINKS, SCENES, SHOPS, TOUR, bearing_between
from demo.load import panorama_filename, render_jpeg
from demo.render import Box, Camera, Plain, Sky, World, direction_to, pixel_at, render_panorama
from demo.world import (
    SignView,
    build_world,
    camera_of,
    landmark_views,
    render_scene,
    shop_views,
    view_towards,
)
from tests.support.browser import ARTIFACTS

WIDTH = 1024


@pytest.fixture(scope="module")
def panoramas() -> dict[str, np.ndarray]:
    """Every demo scene rendered at 1024 × 512 (also saved in test-artifacts/ to look at)."""
    rendered = {scene.slug: render_scene(scene, WIDTH) for scene in SCENES}
    ARTIFACTS.mkdir(exist_ok=True)
    for slug, image in rendered.items():
        Image.fromarray(image).save(ARTIFACTS / f"panorama-{slug}.png")
    return rendered


def _sign_share(image: np.ndarray, view: SignView, colour: tuple[int, int, int],
                pitch_offset: float = 0.0) -> float:
    """The share of pixels around the sign's centre (the band without letters, a tenth of
    the board's height) that have (about) ``colour``."""
    height, width = image.shape[:2]
    yaw, pitch = view.yaw, view.pitch + pitch_offset
    radius = int(0.08 * view.height_degrees / 360 * width)
    column, row = pixel_at(yaw, pitch, width, height)
    rows = np.arange(int(row) - radius, int(row) + radius + 1)
    columns = np.arange(int(column) - radius - 2, int(column) + radius + 3) % width
    window = image[np.ix_(rows, columns)].astype(float)
    distance = np.linalg.norm(window - np.array(colour, float), axis=-1)
    return float((distance < 60).mean())


def test_the_same_scene_renders_to_the_same_bytes():
    scene = SCENES[0]
    assert render_jpeg(scene, 1024) == render_jpeg(scene, 1024)
    assert panorama_filename(scene, 1024) != panorama_filename(scene, 2048)


def test_every_visible_sign_shows_its_colour_at_its_hotspot(panoramas):
    placed = 0
    for scene in SCENES:
        image = panoramas[scene.slug]
        for shop, view in shop_views(scene):
            share = _sign_share(image, view, shop.colour)
            assert share > 0.75, (scene.slug, shop.slug, view, share)
            # and the check can fail: a little lower is the shop front, not the sign
            below = _sign_share(image, view, shop.colour, -view.height_degrees * 1.5)
            assert below < 0.2, (scene.slug, shop.slug, view, below)
            placed += 1
    # every shop is seen from at least one scene, most from two
    seen = {shop.slug for scene in SCENES for shop, _view in shop_views(scene)}
    assert seen == {shop.slug for shop in SHOPS}
    assert placed >= len(SHOPS) + 2


def test_sign_colours_are_their_own(panoramas):
    """No sign's colour appears where no sign is: the browser test can trust it."""
    for shop in SHOPS:
        others = [scene for scene in SCENES
                  if shop.slug not in {seen.slug for seen, _view in shop_views(scene)}]
        for scene in others:
            image = panoramas[scene.slug].astype(float)
            close = np.linalg.norm(image - np.array(shop.colour, float), axis=-1) < 30
            # at most a faint, distant glimpse (a few pixels of a sign seen edge-on)
            assert close.mean() < 0.0005, (shop.slug, scene.slug, close.mean())


def test_yaw_grows_to_the_right_and_north_is_at_yaw_zero():
    """A red box north of the camera and a blue one east: red at the centre column, blue a
    quarter turn to the right, as the viewer shows yaw 0 and yaw +90°."""
    world = World((Box((-1, 9, 0), (1, 10, 4), Plain((255, 0, 0))),
                   Box((9, -1, 0), (10, 1, 4), Plain((0, 0, 255)))),
                  lambda x, y, d: np.full((x.size, 3), 128, np.float32),
                  Sky((200, 200, 200), (100, 100, 100), (255, 255, 255), cloudiness=0))
    camera = Camera(0, 0, 2.0)
    image = render_panorama(world, camera, width=256, supersampling=1)
    assert direction_to(camera, (0, 10, 2)) == (0.0, 0.0)
    assert direction_to(camera, (10, 0, 2)) == (90.0, 0.0)
    red = pixel_at(0, 5, 256, 128)
    blue = pixel_at(90, 5, 256, 128)
    assert tuple(image[int(red[1]), int(red[0])]) > (200, 0, 0)
    assert image[int(blue[1]), int(blue[0])][2] > 200
    assert image[int(blue[1]), int(blue[0])][0] < 60


def test_links_bearings_follow_the_plan():
    by_slug = {scene.slug: scene for scene in SCENES}
    for first, second in LINKS:
        a, b = by_slug[first], by_slug[second]
        assert 14.9 < np.hypot(b.x - a.x, b.y - a.y) < 15.1
    street = by_slug["demo-marktgasse-west"], by_slug["demo-marktgasse-mitte"]
    assert bearing_between(street[0].x, street[0].y, street[1].x, street[1].y) == 90.0
    assert bearing_between(street[1].x, street[1].y, street[0].x, street[0].y) == 270.0


def test_initial_views_tour_stops_and_landmarks_are_seen():
    for scene in SCENES:
        view_towards(scene, scene.looks_at)
    for stop in TOUR.stops:
        view_towards(next(scene for scene in SCENES if scene.slug == stop.scene), stop.looks_at)
    placed = {(scene.slug, landmark.key) for scene in SCENES
              for landmark, _view in landmark_views(scene)}
    assert {key for _slug, key in placed} == {"town-hall", "fountain", "church"}


def test_world_and_pictures():
    world, signs = build_world()
    assert len(signs) == len(SHOPS)
    assert all(box.low[2] >= 0 for box in world.boxes)
    for scene in SCENES:
        camera = camera_of(scene)
        assert not any(box.low[0] <= camera.x <= box.high[0]
                       and box.low[1] <= camera.y <= box.high[1]
                       and box.low[2] <= camera.z <= box.high[2] for box in world.boxes)
    board = sign_board("Café Mokka", "Rösterei & Kuchen", (196, 24, 44), 5.2, 1.0)
    assert board.shape == (180, 936, 3)
    plain = np.linalg.norm(board - np.array((196, 24, 44)), axis=-1) < 30
    # the board's colour dominates, and the band across its middle has no letters
    assert plain.mean() > 0.6
    assert plain[80:100, 40:-40].all()
    logo = logo_png("Mokka", (196, 24, 44), "cup")
    assert logo.startswith(b"\x89PNG")
    assert logo == logo_png("Mokka", (196, 24, 44), "cup")
