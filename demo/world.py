"""The demo's 3D old town: a street opening onto a square, a lane with a church beyond.

Plan (metres; x east, y north; the street's centre line is y = 0):

- **Marktgasse**, x −62…4: facades at y = ±6, a 5.5 m road strip between pavements; closed at
  its west end by the town hall.
- **Marktplatz**, x 4…44, y −18…18: cobbles, a fountain, four trees, benches.
- **Kirchgasse** leaves the square eastwards (y −3…3) towards the church tower at x = 88.

Shop fronts (display windows, a door, a sign board with the shop's name) sit where
``demo.city.SHOPS`` puts them. ``sign_view`` tells where a sign appears in a camera's panorama,
from the same geometry the renderer draws, so hotspots land on the signs.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from demo import art
from demo.city import LANDMARKS, SHOPS, DemoScene, DemoShop, Landmark
from demo.materials import Facade, Foliage, Roof, Stonework, cell_noise, scaled
from demo.render import (
    Box,
    Camera,
    Colour,
    Face,
    Picture,
    Plain,
    Point,
    Sky,
    World,
    direction_to,
    render_panorama,
    segment_hits,
)

STREET_HALF_WIDTH = 6.0
ROAD_HALF_WIDTH = 2.75
SQUARE = (4.0, -18.0, 44.0, 18.0)
FOUNTAIN = (28.0, -2.0)
#: sign boards: bottom and top edge above the pavement, how far they stand out of the wall
SIGN_BOTTOM, SIGN_TOP, SIGN_DEPTH = 3.0, 4.05, 0.16
SIGN_WIDTH = 5.2
#: a sign narrower or lower than this in a panorama (degrees) gets no hotspot there
MIN_SIGN_DEGREES = 6.0
MIN_SIGN_HEIGHT_DEGREES = 2.5
#: rays per pixel along each axis (anti-aliasing)
SUPERSAMPLING = 2

STONE: Colour = (196, 188, 172)
ROOF: Colour = (132, 70, 52)
SKY = Sky(horizon=(214, 226, 236), zenith=(98, 152, 214), cloud=(248, 248, 250))


@dataclass(frozen=True)
class Building:
    """A house: its footprint, height, colours and the face its door (or shop) is on."""

    key: str
    x0: float
    y0: float
    x1: float
    y1: float
    height: float
    wall: Colour
    front: Face
    shutters: Colour | None = None
    trim: Colour = (244, 240, 230)


@dataclass(frozen=True)
class SignView:
    """Where a sign board is seen in a scene's panorama: its centre, and how wide it looks."""

    yaw: float
    pitch: float
    width_degrees: float
    height_degrees: float


@dataclass(frozen=True)
class SignPlacement:
    """A sign board in the world: its box, the face with the lettering and its centre."""

    shop: DemoShop
    box: Box
    face: Face
    centre: Point
    left: Point
    right: Point


N, S, E, W = Face.NORTH, Face.SOUTH, Face.EAST, Face.WEST
GREEN_SHUTTERS: Colour = (72, 112, 84)
BLUE_SHUTTERS: Colour = (70, 96, 128)
RED_SHUTTERS: Colour = (150, 64, 52)

BUILDINGS: tuple[Building, ...] = (
    # Marktgasse, north side (doors on the south face)
    Building("n1", -62, 6, -53, 18, 13.0, (236, 224, 196), S, GREEN_SHUTTERS),
    Building("n2", -53, 6, -44, 18, 12.0, (222, 190, 128), S),
    Building("n3", -44, 6, -35, 18, 15.0, (226, 192, 182), S, BLUE_SHUTTERS),
    Building("n4", -35, 6, -26, 18, 12.5, (192, 202, 172), S, RED_SHUTTERS),
    Building("n5", -26, 6, -16, 18, 14.0, (212, 208, 198), S),
    Building("n6", -16, 6, -8, 18, 13.0, (236, 204, 164), S, GREEN_SHUTTERS),
    Building("n7", -8, 6, 4, 18, 16.0, (234, 220, 164), S),
    # Marktgasse, south side (doors on the north face)
    Building("s1", -62, -18, -52, -6, 12.0, (198, 208, 212), N, GREEN_SHUTTERS),
    Building("s2", -52, -18, -42, -6, 14.0, (222, 202, 172), N, RED_SHUTTERS),
    Building("s3", -42, -18, -31, -6, 13.0, (216, 164, 134), N),
    Building("s4", -31, -18, -22, -6, 15.0, (232, 226, 210), N, BLUE_SHUTTERS),
    Building("s5", -22, -18, -13, -6, 12.0, (204, 198, 154), N, GREEN_SHUTTERS),
    Building("s6", -13, -18, -4, -6, 14.0, (230, 200, 198), N),
    Building("s7", -4, -18, 4, -6, 15.0, (204, 194, 220), N),
    # the town hall closing the street's west end
    Building("town-hall", -76, -18, -62, 18, 17.0, (216, 198, 160), E, RED_SHUTTERS),
    # Marktplatz, north side
    Building("q1", 4, 18, 14, 30, 14.0, (238, 214, 172), S, GREEN_SHUTTERS),
    Building("q2", 14, 18, 24, 30, 16.0, (208, 184, 164), S),
    Building("q3", 24, 18, 34, 30, 13.0, (222, 228, 216), S, BLUE_SHUTTERS),
    Building("q4", 34, 18, 44, 30, 15.0, (236, 198, 152), S, GREEN_SHUTTERS),
    # Marktplatz, south side
    Building("p1", 4, -30, 14, -18, 13.0, (224, 212, 192), N, RED_SHUTTERS),
    Building("p2", 14, -30, 24, -18, 15.0, (198, 212, 202), N),
    Building("p3", 24, -30, 34, -18, 14.0, (236, 222, 198), N, GREEN_SHUTTERS),
    Building("p4", 34, -30, 44, -18, 12.0, (216, 184, 174), N, BLUE_SHUTTERS),
    # Marktplatz, east side, with the Kirchgasse between them
    Building("e1", 44, 3, 56, 30, 15.0, (232, 208, 176), W, GREEN_SHUTTERS),
    Building("e2", 44, -30, 56, -3, 14.0, (212, 202, 188), W, RED_SHUTTERS),
    # Kirchgasse
    Building("l1", 56, 3, 72, 15, 12.0, (226, 216, 190), S, BLUE_SHUTTERS),
    Building("l2", 72, 3, 88, 15, 13.0, (214, 190, 170), S, GREEN_SHUTTERS),
    Building("l3", 56, -15, 70, -3, 13.0, (230, 222, 206), N, RED_SHUTTERS),
    Building("l4", 70, -15, 88, -3, 12.0, (208, 200, 170), N, GREEN_SHUTTERS),
)


# --- the ground ---------------------------------------------------------------------------------


def _grout(coordinate: np.ndarray, size: float, width: float) -> np.ndarray:
    return (coordinate % size) < width


def ground_colour(x: np.ndarray, y: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Pavement slabs, the road strip with its kerbs, the square's cobbles; patterns fade out
    with distance (instead of shimmering)."""
    detail = np.clip(1.5 - distance / 26.0, 0, 1).astype(np.float32)[:, None]
    rgb = np.empty((x.size, 3), np.float32)
    rgb[:] = (178, 172, 162)
    slabs = _grout(x + np.where((np.floor(y / 0.4) % 2) == 0, 0.0, 0.3), 0.6, 0.025) | \
        _grout(y, 0.4, 0.025)
    rgb[slabs] -= 34 * detail[slabs]
    street = (x < SQUARE[0]) & (np.abs(y) < STREET_HALF_WIDTH)
    lane = (x > SQUARE[2]) & (np.abs(y) < 3.0)
    road = street & (np.abs(y) < ROAD_HALF_WIDTH)
    kerb = street & ~road & (np.abs(y) < ROAD_HALF_WIDTH + 0.22)
    if road.any():
        # asphalt with a fine grain, and a gutter of setts along each kerb
        fine = cell_noise(np.floor(x[road] / 0.015).astype(np.int64),
                     np.floor(y[road] / 0.015).astype(np.int64))
        coarse = cell_noise(np.floor(x[road] / 0.7).astype(np.int64),
                       np.floor(y[road] / 0.7).astype(np.int64))
        rgb[road] = (np.array((92, 92, 96), np.float32)
                     + ((fine - 0.5) * 14 * detail[road][:, 0] + (coarse - 0.5) * 6)[:, None])
        gutter = road & (np.abs(y) > ROAD_HALF_WIDTH - 0.45)
        setts = _grout(x, 0.18, 0.02) | _grout(y, 0.15, 0.02)
        rgb[gutter] = (150, 146, 140)
        rgb[gutter & setts] -= 30 * detail[gutter & setts]
    rgb[kerb] = (204, 202, 196)
    square = ((x >= SQUARE[0]) & (x <= SQUARE[2]) & (y >= SQUARE[1]) & (y <= SQUARE[3])) | lane
    if square.any():
        sx, sy = x[square], y[square]
        stone_x = np.floor(sx / 0.24 + np.floor(sy / 0.24) * 0.5)
        stone_y = np.floor(sy / 0.24)
        tone = cell_noise(stone_x.astype(np.int64), stone_y.astype(np.int64))
        ring = np.abs(np.hypot(sx - FOUNTAIN[0], sy - FOUNTAIN[1]) - 7.0) < 0.45
        base = np.where(ring[:, None], np.array((112, 110, 116), np.float32),
                        np.array((170, 160, 146), np.float32))
        cobble = base + (tone[:, None] - 0.5) * 36 * detail[square]
        joints = (_grout(sx / 0.24 + np.floor(sy / 0.24) * 0.5, 1.0, 0.1)
                  | _grout(sy, 0.24, 0.024))
        cobble[joints] -= 40 * detail[square][joints]
        rgb[square] = cobble
    # walls shade the pavement at their foot
    wall_gap = np.where(street, STREET_HALF_WIDTH - np.abs(y), np.inf)
    rgb *= (1.0 - 0.3 * np.exp(-wall_gap / 0.5))[:, None]
    return rgb


# --- assembling the world ---------------------------------------------------------------------


def _building_boxes(building: Building, shop: bool, seed: int) -> list[Box]:
    facade = Facade(building.wall, building.trim, building.shutters, building.front, shop, seed)
    boxes = [Box((building.x0, building.y0, 0.0), (building.x1, building.y1, building.height),
                 facade, building.key)]
    # a roof set back from the street front, a second step higher up
    inset = {Face.SOUTH: (0, 1.4, 0, 0), Face.NORTH: (0, 0, 0, 1.4),
             Face.WEST: (1.4, 0, 0, 0), Face.EAST: (0, 0, 1.4, 0)}[building.front]
    for step, rise in ((1.0, 2.2), (2.0, 1.5)):
        x0 = building.x0 + inset[0] * step + 0.3
        y0 = building.y0 + inset[1] * step + 0.3
        x1 = building.x1 - inset[2] * step - 0.3
        y1 = building.y1 - inset[3] * step - 0.3
        bottom = building.height + (0.0 if step == 1.0 else 2.2)
        boxes.append(Box((x0, y0, bottom), (x1, y1, bottom + rise), Roof(ROOF),
                         f"{building.key}-roof"))
    return boxes


def _sign(shop: DemoShop, building: Building) -> SignPlacement:
    """The sign board above the shop's front, centred on the building's front face."""
    image = art.sign_board(shop.sign_text, shop.tagline, shop.colour, SIGN_WIDTH,
                           SIGN_TOP - SIGN_BOTTOM)
    half = SIGN_WIDTH / 2
    z_mid = (SIGN_BOTTOM + SIGN_TOP) / 2
    picture = Picture(image, building.front, edge=scaled(shop.colour, 0.6))
    cx, cy = (building.x0 + building.x1) / 2, (building.y0 + building.y1) / 2
    if building.front is Face.SOUTH:
        box = Box((cx - half, building.y0 - SIGN_DEPTH, SIGN_BOTTOM),
                  (cx + half, building.y0, SIGN_TOP), picture, f"sign-{shop.slug}")
        face_y = building.y0 - SIGN_DEPTH
        ends = ((cx - half, face_y, z_mid), (cx + half, face_y, z_mid))
        centre = (cx, face_y, z_mid)
    elif building.front is Face.NORTH:
        box = Box((cx - half, building.y1, SIGN_BOTTOM),
                  (cx + half, building.y1 + SIGN_DEPTH, SIGN_TOP), picture, f"sign-{shop.slug}")
        face_y = building.y1 + SIGN_DEPTH
        ends = ((cx + half, face_y, z_mid), (cx - half, face_y, z_mid))
        centre = (cx, face_y, z_mid)
    elif building.front is Face.WEST:
        box = Box((building.x0 - SIGN_DEPTH, cy - half, SIGN_BOTTOM),
                  (building.x0, cy + half, SIGN_TOP), picture, f"sign-{shop.slug}")
        face_x = building.x0 - SIGN_DEPTH
        ends = ((face_x, cy + half, z_mid), (face_x, cy - half, z_mid))
        centre = (face_x, cy, z_mid)
    else:
        box = Box((building.x1, cy - half, SIGN_BOTTOM),
                  (building.x1 + SIGN_DEPTH, cy + half, SIGN_TOP), picture, f"sign-{shop.slug}")
        face_x = building.x1 + SIGN_DEPTH
        ends = ((face_x, cy - half, z_mid), (face_x, cy + half, z_mid))
        centre = (face_x, cy, z_mid)
    return SignPlacement(shop, box, building.front, centre, ends[0], ends[1])


def _lamp(x: float, y: float) -> list[Box]:
    post = Plain((44, 52, 50))
    return [
        Box((x - 0.07, y - 0.07, 0.0), (x + 0.07, y + 0.07, 3.9), post, "lamp-post"),
        Box((x - 0.2, y - 0.2, 3.9), (x + 0.2, y + 0.2, 4.4), Plain((250, 232, 178), lit=True),
            "lamp"),
        Box((x - 0.26, y - 0.26, 4.4), (x + 0.26, y + 0.26, 4.5), post, "lamp-cap"),
    ]


def _tree(x: float, y: float) -> list[Box]:
    crown = Foliage((78, 124, 62))
    return [
        Box((x - 0.2, y - 0.2, 0.0), (x + 0.2, y + 0.2, 3.4), Plain((98, 76, 58)), "trunk"),
        Box((x - 2.6, y - 1.8, 3.0), (x + 2.6, y + 1.8, 6.6), crown, "crown"),
        Box((x - 1.8, y - 2.6, 3.0), (x + 1.8, y + 2.6, 6.6), crown, "crown"),
        Box((x - 1.7, y - 1.7, 6.5), (x + 1.7, y + 1.7, 8.0), crown, "crown"),
    ]


def _fountain() -> list[Box]:
    x, y = FOUNTAIN
    stone = Plain(STONE)
    return [
        Box((x - 2.6, y - 2.6, 0.0), (x + 2.6, y + 2.6, 0.6), stone, "basin"),
        Box((x - 2.3, y - 2.3, 0.6), (x + 2.3, y + 2.3, 0.62), Plain((104, 150, 176)), "water"),
        Box((x - 0.35, y - 0.35, 0.6), (x + 0.35, y + 0.35, 2.4), stone, "column"),
        Box((x - 0.8, y - 0.8, 2.4), (x + 0.8, y + 0.8, 2.7), stone, "bowl"),
        Box((x - 0.18, y - 0.18, 2.7), (x + 0.18, y + 0.18, 3.3), Plain((188, 150, 70)),
            "finial"),
    ]


def _bench(x: float, y: float, along_x: bool) -> list[Box]:
    half = (1.0, 0.25) if along_x else (0.25, 1.0)
    return [Box((x - half[0], y - half[1], 0.0), (x + half[0], y + half[1], 0.45),
                Plain((120, 86, 56)), "bench")]


def _church() -> list[Box]:
    copper = Plain((96, 146, 126))
    return [
        Box((96, -9, 0.0), (124, 9, 17.0), Stonework((206, 196, 176)), "nave"),
        Box((97, -8, 17.0), (123, 8, 22.0), Roof((110, 84, 74)), "nave-roof"),
        Box((88, -4, 0.0), (96, 4, 40.0), Stonework((206, 196, 176), belfry=True), "tower"),
        Box((88.8, -3.2, 40.0), (95.2, 3.2, 44.0), copper, "spire"),
        Box((89.8, -2.2, 44.0), (94.2, 2.2, 48.0), copper, "spire"),
        Box((90.8, -1.2, 48.0), (93.2, 1.2, 53.0), copper, "spire"),
        Box((91.8, -0.2, 53.0), (92.2, 0.2, 56.0), Plain((196, 160, 70)), "cross"),
    ]


def _props() -> list[Box]:
    boxes: list[Box] = []
    for x, y in ((-56, 4.9), (-41, -4.9), (-26, 4.9), (-11, -4.9), (6, 16.5), (42, -16.5),
                 (42, 16.5)):
        boxes += _lamp(x, y)
    for x, y in ((9, 13), (9, -13), (39, 12), (39, -12)):
        boxes += _tree(x, y)
    boxes += _fountain()
    boxes += _bench(9, 10.2, True) + _bench(9, -10.2, True) + _bench(35.5, 12, False)
    boxes += _church()
    return boxes


@functools.cache
def build_world() -> tuple[World, tuple[SignPlacement, ...]]:
    """The demo's world and its shops' sign boards (built once per process)."""
    by_key = {building.key: building for building in BUILDINGS}
    shop_buildings = {shop.building: shop for shop in SHOPS}
    boxes: list[Box] = []
    signs: list[SignPlacement] = []
    for seed, building in enumerate(BUILDINGS):
        boxes += _building_boxes(building, building.key in shop_buildings, seed)
    for shop in SHOPS:
        sign = _sign(shop, by_key[shop.building])
        signs.append(sign)
        boxes.append(sign.box)
    boxes += _props()
    return World(tuple(boxes), ground_colour, SKY), tuple(signs)


def camera_of(scene: DemoScene) -> Camera:
    return Camera(scene.x, scene.y, scene.camera_height, 0.0)


# --- where things are seen --------------------------------------------------------------------


def is_visible(world: World, camera: Camera, point: Point,
               ignore: Iterable[Box] = ()) -> bool:
    """True when no box (but those in ``ignore``) hides ``point`` from ``camera``."""
    skip = {id(box) for box in ignore}
    start = (camera.x, camera.y, camera.z)
    return not any(segment_hits(box, start, point) for box in world.boxes
                   if id(box) not in skip)


def _towards(point: Point, camera: Camera, metres: float) -> Point:
    dx, dy, dz = camera.x - point[0], camera.y - point[1], camera.z - point[2]
    length = math.sqrt(dx * dx + dy * dy + dz * dz)
    return (point[0] + dx / length * metres, point[1] + dy / length * metres,
            point[2] + dz / length * metres)


def sign_view(world: World, camera: Camera, sign: SignPlacement) -> SignView | None:
    """Where ``sign`` is seen from ``camera`` (yaw/pitch of its centre), or None when its
    lettered face is turned away, hidden at its centre, or smaller than ``MIN_SIGN_DEGREES``
    across or ``MIN_SIGN_HEIGHT_DEGREES`` high."""
    normal = {Face.SOUTH: (0, -1), Face.NORTH: (0, 1), Face.WEST: (-1, 0),
              Face.EAST: (1, 0)}[sign.face]
    facing = ((camera.x - sign.centre[0]) * normal[0]
              + (camera.y - sign.centre[1]) * normal[1])
    if facing <= 0.05:
        return None
    if not is_visible(world, camera, _towards(sign.centre, camera, 0.02), ignore=(sign.box,)):
        return None
    left_yaw, _ = direction_to(camera, sign.left)
    right_yaw, _ = direction_to(camera, sign.right)
    width = (right_yaw - left_yaw) % 360.0
    if width < MIN_SIGN_DEGREES or width > 180.0:
        return None
    yaw, pitch = direction_to(camera, sign.centre)
    _yaw, top = direction_to(camera, (sign.centre[0], sign.centre[1], SIGN_TOP))
    _yaw, bottom = direction_to(camera, (sign.centre[0], sign.centre[1], SIGN_BOTTOM))
    if top - bottom < MIN_SIGN_HEIGHT_DEGREES:
        return None
    return SignView(round(yaw, 3), round(pitch, 3), round(width, 3), round(top - bottom, 3))


def landmark_view(world: World, camera: Camera, landmark: Landmark) -> tuple[float, float] | None:
    """Yaw/pitch of a landmark's point, or None when something other than the landmark's own
    parts hides it."""
    own = [box for box in world.boxes if box.name in landmark.parts]
    if not is_visible(world, camera, landmark.point, ignore=own):
        return None
    yaw, pitch = direction_to(camera, landmark.point)
    return round(yaw, 3), round(pitch, 3)


def shop_views(scene: DemoScene) -> list[tuple[DemoShop, SignView]]:
    """The shops whose sign boards ``scene`` shows well, with where (the shop hotspots)."""
    world, signs = build_world()
    camera = camera_of(scene)
    found = [(sign.shop, sign_view(world, camera, sign)) for sign in signs]
    return [(shop, view) for shop, view in found if view is not None]


def landmark_views(scene: DemoScene) -> list[tuple[Landmark, tuple[float, float]]]:
    """The landmarks with an info hotspot in ``scene``, and where they are seen."""
    world, _signs = build_world()
    camera = camera_of(scene)
    found = [(landmark, landmark_view(world, camera, landmark)) for landmark in LANDMARKS
             if scene.slug in landmark.scenes]
    return [(landmark, view) for landmark, view in found if view is not None]


def view_towards(scene: DemoScene, target: str) -> tuple[float, float]:
    """Yaw and pitch at which ``scene`` shows ``target`` (a shop's slug or a landmark's key)."""
    for shop, view in shop_views(scene):
        if shop.slug == target:
            return view.yaw, view.pitch
    for landmark, (yaw, pitch) in landmark_views(scene):
        if landmark.key == target:
            return yaw, pitch
    raise LookupError(f"scene {scene.slug} does not show {target}")


def shop_position(shop: DemoShop) -> tuple[float, float]:
    """The plan position (x, y) of the middle of the shop's front."""
    building = next(building for building in BUILDINGS if building.key == shop.building)
    cx, cy = (building.x0 + building.x1) / 2, (building.y0 + building.y1) / 2
    return {Face.SOUTH: (cx, building.y0), Face.NORTH: (cx, building.y1),
            Face.WEST: (building.x0, cy), Face.EAST: (building.x1, cy)}[building.front]


def render_scene(scene: DemoScene, width: int) -> np.ndarray:
    """The scene's panorama, ``width × width/2`` pixels."""
    world, _signs = build_world()
    return render_panorama(world, camera_of(scene), width=width, supersampling=SUPERSAMPLING)
