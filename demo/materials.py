"""Materials of the demo's old town: plastered house fronts with windows, doors and shop fronts,
clay roofs, church stonework and tree crowns, all drawn procedurally from a hit point's face
coordinates (``demo.render.Surface``), so they stay sharp at any distance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.render import Colour, Face, Surface

SHOP_FRONT: Colour = (46, 58, 56)


def _mix(base: np.ndarray, colour: Colour, mask: np.ndarray) -> None:
    base[mask] = colour


def scaled(colour: Colour, factor: float) -> Colour:
    return (int(colour[0] * factor), int(colour[1] * factor), int(colour[2] * factor))


_PRIMES = (73856093, 19349663, 83492791)


def cell_noise(*values: np.ndarray) -> np.ndarray:
    """A deterministic pseudo-random value 0..1 per integer cell (32-bit arithmetic wraps)."""
    mixed = np.full(values[0].shape, 2166136261, np.uint32)
    for index, value in enumerate(values):
        mixed ^= value.astype(np.int32).view(np.uint32) * np.uint32(_PRIMES[index % 3])
    mixed ^= mixed >> np.uint32(13)
    mixed *= np.uint32(1274126177)
    mixed ^= mixed >> np.uint32(16)
    return (mixed & np.uint32(0xFFFF)).astype(np.float32) / np.float32(65535)


@dataclass(frozen=True)
class Facade:
    """A plastered house front: plinth, windows with frames (and shutters), cornice; on the
    front face a door, or a shop front with display windows."""

    wall: Colour
    trim: Colour
    shutters: Colour | None
    front: Face
    shop: bool
    seed: int
    lit: bool = False

    #: height of the upper storeys (the ground floor is taller: 3.6 m, 4.3 m with a shop)
    storey: float = 3.1

    def colour(self, surface: Surface) -> np.ndarray:
        rgb = np.empty((surface.u.size, 3), np.float32)
        rgb[:] = self.wall
        if surface.face in (Face.TOP, Face.BOTTOM) or surface.width < 2.5:
            return rgb
        u, v = surface.u, surface.v
        ground = 4.3 if self.shop and surface.face is self.front else 3.6
        bays = max(1, round(surface.width / 2.9))
        bay_width = surface.width / bays
        bay = np.minimum(np.floor(u / bay_width), bays - 1)
        across = u - (bay + 0.5) * bay_width
        self._upper_windows(rgb, surface, across, bay, ground)
        if surface.face is self.front and self.shop:
            self._shop_front(rgb, surface, across, bay, bays)
        else:
            self._ground_floor(rgb, v, across, bay, bays, front=surface.face is self.front)
        _mix(rgb, scaled(self.wall, 0.74), v < 0.35)
        _mix(rgb, self.trim, np.abs(v - ground) < 0.09)
        cornice = v > surface.height - 0.55
        _mix(rgb, self.trim, cornice)
        _mix(rgb, scaled(self.trim, 0.82), cornice & (v < surface.height - 0.42))
        return rgb

    def _window(self, rgb: np.ndarray, across: np.ndarray, height: np.ndarray,
                cell: np.ndarray, *, bottom: float, top: float) -> None:
        """A framed window with a cross bar (and shutters); glass reflects the sky towards its
        top. Only points near a window are looked at."""
        reach = 1.25 if self.shutters is not None else 0.85
        near = np.flatnonzero((np.abs(across) < reach) & (height > bottom - 0.2)
                              & (height < top + 0.1))
        if near.size == 0:
            return
        across, height, cell = np.abs(across[near]), height[near], cell[near]
        part = rgb[near]
        trim = np.array(self.trim, np.float32)
        part[(across < 0.7) & (height > bottom - 0.1)] = trim  # the frame
        part[(across < 0.8) & (height <= bottom - 0.1)] = trim * 0.8  # the sill
        glass = (across < 0.6) & (height > bottom) & (height < top)
        if glass.any():
            rise = np.clip((height[glass] - bottom) / (top - bottom), 0, 1)[:, None]
            tone = cell_noise(cell[glass], np.full(rise.shape[0], self.seed))[:, None]
            dark = np.array((36, 48, 60), np.float32) + 22 * tone
            sky = np.array((150, 172, 196), np.float32)
            pane = dark + (sky - dark) * rise ** 2.2 * 0.8
            curtain = (tone[:, 0] > 0.62) & (rise[:, 0] < 0.55)
            pane[curtain] = np.array((214, 206, 188), np.float32) * (0.75 + 0.2 * tone[curtain])
            part[glass] = pane
            bars = glass & ((across < 0.035)
                            | (np.abs(height - (bottom + top) * 0.5 - 0.25) < 0.035))
            part[bars] = trim
        if self.shutters is not None:
            shutter = (across > 0.72) & (height > bottom) & (height < top)
            slats = shutter & ((height * 11.0) % 1.0 < 0.3)
            colour = np.array(self.shutters, np.float32)
            part[shutter] = colour
            part[slats] = colour * 0.72
        rgb[near] = part

    def _upper_windows(self, rgb: np.ndarray, surface: Surface, across: np.ndarray,
                       bay: np.ndarray, ground: float) -> None:
        storey = np.floor((surface.v - ground) / self.storey)
        height = surface.v - ground - storey * self.storey
        fits = ((surface.v > ground) & (ground + (storey + 1) * self.storey
                                        <= surface.height - 0.3))
        cell = (bay * 31 + storey * 7 + surface.face * 131).astype(np.int64)
        before = rgb.copy()
        self._window(rgb, across, height, cell, bottom=0.85, top=2.45)
        rgb[~fits] = before[~fits]

    def _ground_floor(self, rgb: np.ndarray, v: np.ndarray, across: np.ndarray,
                      bay: np.ndarray, bays: int, *, front: bool) -> None:
        door_bay = bays // 2
        before = rgb.copy()
        self._window(rgb, across, v, (bay * 17 + 5).astype(np.int64), bottom=0.95, top=2.5)
        if front:
            door_cells = bay == door_bay
            rgb[door_cells] = before[door_cells]
            frame = door_cells & (np.abs(across) < 0.8) & (v < 2.7)
            _mix(rgb, self.trim, frame)
            door = door_cells & (np.abs(across) < 0.62) & (v < 2.5)
            _mix(rgb, (104, 70, 44), door)
            panel = door & (np.abs(np.abs(across) - 0.3) < 0.2) & (
                ((v > 0.3) & (v < 1.1)) | ((v > 1.4) & (v < 2.2)))
            _mix(rgb, (84, 54, 34), panel)
            _mix(rgb, (200, 180, 90), door & (np.abs(across - 0.45) < 0.04)
                 & (np.abs(v - 1.2) < 0.05))

    def _shop_front(self, rgb: np.ndarray, surface: Surface, across: np.ndarray,
                    bay: np.ndarray, bays: int) -> None:
        """Dark shop-front joinery with warm-lit display windows and a glazed door."""
        u, v, width = surface.u, surface.v, surface.width
        front = (u > 0.4) & (u < width - 0.4) & (v < 3.0)
        _mix(rgb, SHOP_FRONT, front)
        half = (width / bays) / 2 - 0.14
        door_bay = bays - 1 if bays > 1 else 0
        door = front & (bay == door_bay) & (np.abs(across) < 0.62) & (v > 0.02) & (v < 2.55)
        pane = front & (bay != door_bay) & (np.abs(across) < half) & (v > 0.55) & (v < 2.8)
        if pane.any():
            rgb[pane] = _display(u[pane], v[pane])
        if door.any():
            rise = np.clip(v[door] / 2.55, 0, 1)[:, None]
            rgb[door] = np.array((70, 82, 88), np.float32) + 70 * rise ** 2
        _mix(rgb, (200, 196, 180), door & (np.abs(v - 1.1) < 0.03) & (np.abs(across) < 0.5))


#: colours of the goods in display windows
_GOODS = np.array([(196, 150, 90), (230, 214, 180), (150, 60, 50), (90, 110, 150),
                   (214, 170, 60), (120, 140, 90), (240, 236, 226)], np.float32)


def _display(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """A lit display window: warm interior, shelves with goods, a reflection across the glass."""
    shelf = np.floor((v - 0.55) / 0.55)
    above_shelf = (v - 0.55) - shelf * 0.55
    item = np.floor(u / 0.28)
    pick = cell_noise(item.astype(np.int64), shelf.astype(np.int64))
    rgb = np.empty((u.size, 3), np.float32)
    rgb[:] = (186, 162, 128)
    goods = (above_shelf > 0.06) & (above_shelf < 0.06 + 0.32 * (0.4 + 0.6 * pick)) & (
        (u % 0.28) > 0.04) & (pick > 0.18)
    rgb[goods] = _GOODS[(pick[goods] * 100).astype(np.int64) % len(_GOODS)]
    rgb[above_shelf < 0.05] = (120, 96, 70)
    glare = np.clip(1.0 - np.abs((u - v * 0.9) % 3.0 - 1.5) / 0.5, 0, 1) * 0.22
    return rgb + (np.array((236, 240, 244), np.float32) - rgb) * glare[:, None]


@dataclass(frozen=True)
class Stonework:
    """Dressed stone for the church: corner quoins and tall arched windows; with ``belfry``
    (the tower) louvred openings near the top and a clock face below them."""

    stone: Colour
    belfry: bool = False
    lit: bool = False

    def colour(self, surface: Surface) -> np.ndarray:
        rgb = np.empty((surface.u.size, 3), np.float32)
        rgb[:] = self.stone
        if surface.face in (Face.TOP, Face.BOTTOM):
            return rgb
        u, v, width, height = surface.u, surface.v, surface.width, surface.height
        dark = np.array(self.stone, np.float32) * 0.86
        course = (np.floor(v / 0.6) % 2).astype(bool)
        quoin = ((u < 0.9) | (u > width - 0.9)) & course
        rgb[quoin] = dark
        if self.belfry:
            middle = np.abs(u - width / 2)
            opening = (middle < 0.9) & (v > height - 9.0) & (v < height - 4.0)
            arch = (np.hypot(middle, v - (height - 4.0)) < 0.9) & (v >= height - 4.0)
            rgb[opening | arch] = (52, 50, 56)
            rgb[(opening | arch) & ((v * 3.0) % 1.0 < 0.25)] = (96, 90, 84)
            clock = np.hypot(middle, v - (height - 12.5))
            rgb[clock < 1.5] = (238, 234, 222)
            rgb[(clock < 1.62) & (clock >= 1.5)] = (176, 140, 60)
            hand = ((np.abs(u - width / 2) < 0.07) & (v > height - 12.5)
                    & (v < height - 11.3)) | ((np.abs(v - (height - 12.5)) < 0.07)
                                              & (u > width / 2) & (u < width / 2 + 0.85))
            rgb[hand & (clock < 1.5)] = (40, 40, 44)
        else:
            bay = u % 4.0
            window = (np.abs(bay - 2.0) < 0.7) & (v > 3.0) & (v < height - 4.0)
            arch = (np.hypot(bay - 2.0, v - (height - 4.0)) < 0.7) & (v >= height - 4.0)
            rgb[window | arch] = (70, 84, 104)
        return rgb


@dataclass(frozen=True)
class Roof:
    """A roof seen from the street: rows of clay tiles."""

    rgb: Colour
    lit: bool = False

    def colour(self, surface: Surface) -> np.ndarray:
        rgb = np.empty((surface.u.size, 3), np.float32)
        rgb[:] = self.rgb
        if surface.face not in (Face.TOP, Face.BOTTOM):
            rows = (surface.v * 3.2) % 1.0 < 0.22
            rgb[rows] = np.array(self.rgb, np.float32) * 0.72
        return rgb


@dataclass(frozen=True)
class Foliage:
    """A tree's crown: green, lighter towards the top, with leafy speckles."""

    rgb: Colour
    lit: bool = False

    def colour(self, surface: Surface) -> np.ndarray:
        base = np.array(self.rgb, np.float32)
        rise = np.clip(surface.v / max(surface.height, 1e-6), 0, 1)
        if surface.face in (Face.TOP, Face.BOTTOM):
            rise = np.full(surface.u.shape, 1.0 if surface.face is Face.TOP else 0.0)
        cells = cell_noise(np.floor(surface.u * 3.1).astype(np.int64),
                      np.floor(surface.v * 3.3).astype(np.int64))
        shade = 0.72 + 0.3 * rise + 0.16 * (cells - 0.5)
        return base[None, :] * shade[:, None]
