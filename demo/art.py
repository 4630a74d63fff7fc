"""Pictures drawn with Pillow for the demo: the shops' sign boards, their logos and the
market fountain's picture for its info hotspot.

Lettering uses Pillow's own scalable font (``ImageFont.load_default(size=…)``, Pillow ≥ 10.1
with FreeType), so no system font is needed and the pictures are the same on every machine with
the same Pillow.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFont

Colour = tuple[int, int, int]
Font = ImageFont.FreeTypeFont

WHITE: Colour = (255, 255, 255)
#: sign boards are drawn at this many pixels per metre (sharp from the nearest camera)
SIGN_PIXELS_PER_METRE = 180
LOGO_SIZE = 512


def _font(size: int) -> Font:
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # Pillow built without FreeType
        raise RuntimeError("the demo's lettering needs Pillow with FreeType support")
    return font


#: accents drawn by hand: Pillow's built-in font has ASCII letters only
_MARKS = {"\u0308": "diaeresis", "\u0301": "acute", "\u0300": "grave"}
_SPELLED = {"ß": "ss", "·": "-", "’": "'"}


def _letters(text: str) -> tuple[str, list[tuple[int, str]]]:
    """``text`` as ASCII letters the font has, and the accents to draw over them
    (``[(letter index, mark)]``); other characters are spelled out or dropped."""
    base: list[str] = []
    marks: list[tuple[int, str]] = []
    for char in text:
        spelled = _SPELLED.get(char)
        if spelled is not None:
            base.extend(spelled)
            continue
        decomposed = unicodedata.normalize("NFD", char)
        letter = decomposed[0]
        if not letter.isascii():
            continue
        base.append(letter)
        marks.extend((len(base) - 1, _MARKS[mark]) for mark in decomposed[1:] if mark in _MARKS)
    return "".join(base), marks


def _text_box(text: str, font: Font, stroke: int) -> tuple[float, float, float, float]:
    """The ink box of ``text`` drawn from the origin on its baseline, accents included."""
    base, marks = _letters(text)
    left, top, right, bottom = font.getbbox(base, anchor="ls", stroke_width=stroke)
    if marks:
        top -= font.size * 0.24
    return left, top, right, bottom


def _fitted_font(text: str, width: int, height: int, stroke: Callable[[int], int]
                 ) -> tuple[Font, int]:
    """The largest font (and its stroke) whose rendering of ``text`` fits ``width × height``."""
    size = height
    while size > 8:
        font = _font(size)
        left, top, right, bottom = _text_box(text, font, stroke(size))
        if right - left <= width and bottom - top <= height:
            return font, stroke(size)
        size = int(size * 0.93)
    return _font(8), 0


def _draw_text(draw: ImageDraw.ImageDraw, centre: tuple[float, float], text: str, *,
               font: Font, fill: tuple[int, ...], stroke: int) -> None:
    """``text`` centred on ``centre``, accents (ä, é, …) drawn over their letters."""
    base, marks = _letters(text)
    left, top, right, bottom = _text_box(text, font, stroke)
    x = centre[0] - (left + right) / 2
    baseline = centre[1] - (top + bottom) / 2
    draw.text((x, baseline), base, fill=fill, font=font, anchor="ls", stroke_width=stroke,
              stroke_fill=fill)
    size = font.size
    for index, mark in marks:
        glyph_left, glyph_top, glyph_right, _ = font.getbbox(base[index], anchor="ls")
        middle = x + font.getlength(base[:index]) + (glyph_left + glyph_right) / 2
        above = baseline + glyph_top - size * 0.1
        if mark == "diaeresis":
            radius = size * 0.06
            for offset in (-0.13, 0.13):
                cx = middle + offset * size
                draw.ellipse([cx - radius, above - radius, cx + radius, above + radius],
                             fill=fill)
        else:
            lean = 1 if mark == "acute" else -1
            draw.line([(middle - lean * size * 0.06, above + size * 0.03),
                       (middle + lean * size * 0.08, above - size * 0.14)], fill=fill,
                      width=max(1, round(size * 0.075)))


def _darker(colour: Colour, factor: float) -> Colour:
    return (int(colour[0] * factor), int(colour[1] * factor), int(colour[2] * factor))


def sign_board(name: str, tagline: str, colour: Colour, width_m: float, height_m: float
               ) -> np.ndarray:
    """A shop's sign board: ``name`` in large white letters above the middle, a smaller
    ``tagline`` below it, on ``colour`` with a thin frame.

    The band across the board's middle is left free of letters, so the board's colour shows
    exactly where its hotspot sits (tests look for it there).
    """
    width = round(width_m * SIGN_PIXELS_PER_METRE)
    height = round(height_m * SIGN_PIXELS_PER_METRE)
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    frame = max(2, height // 20)
    draw.rectangle([0, 0, width - 1, height - 1], outline=_darker(colour, 0.55), width=frame)
    draw.rectangle([frame * 2, frame * 2, width - 1 - frame * 2, height - 1 - frame * 2],
                   outline=WHITE, width=max(1, frame // 2))
    font, stroke = _fitted_font(name, int(width * 0.86), int(height * 0.29),
                                lambda size: max(1, size // 24))
    _draw_text(draw, (width / 2, height * 0.29), name, font=font, fill=WHITE, stroke=stroke)
    font, stroke = _fitted_font(tagline, int(width * 0.7), int(height * 0.13),
                                lambda size: max(1, size // 30))
    _draw_text(draw, (width / 2, height * 0.72), tagline, font=font, fill=WHITE,
               stroke=stroke)
    return np.asarray(image)


# --- logos ------------------------------------------------------------------------------------


def _bread(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], ink: Colour) -> None:
    left, top, right, bottom = box
    draw.ellipse(box, fill=ink)
    step = (right - left) // 5
    for index in range(1, 5):
        x = left + index * step
        draw.line([(x - step // 3, top + (bottom - top) // 4),
                   (x + step // 3, bottom - (bottom - top) // 4)], fill=(0, 0, 0, 0), width=14)


def _book(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], ink: Colour) -> None:
    left, top, right, bottom = box
    middle = (left + right) // 2
    draw.polygon([(left, top + 20), (middle - 6, top + 40), (middle - 6, bottom),
                  (left, bottom - 20)], fill=ink)
    draw.polygon([(right, top + 20), (middle + 6, top + 40), (middle + 6, bottom),
                  (right, bottom - 20)], fill=ink)


def _cup(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], ink: Colour) -> None:
    left, top, right, bottom = box
    handle = (right - left) // 4
    draw.rounded_rectangle([left, top + 60, right - handle, bottom], radius=30, fill=ink)
    draw.ellipse([right - handle - 40, top + 90, right, bottom - 50], outline=ink, width=18)
    for offset in (-50, 0, 50):
        x = (left + right - handle) // 2 + offset
        points = [(x + 10 * (1 if step % 2 else -1), top - 10 + step * 14) for step in range(5)]
        draw.line(points, fill=ink, width=9, joint="curve")


def _flower(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], ink: Colour) -> None:
    left, top, right, bottom = box
    cx, cy = (left + right) // 2, (top + bottom) // 2
    radius = (right - left) // 5
    for dx, dy in ((0, -1), (0.95, -0.31), (0.59, 0.81), (-0.59, 0.81), (-0.95, -0.31)):
        px, py = cx + dx * radius * 1.25, cy + dy * radius * 1.25
        draw.ellipse([px - radius, py - radius, px + radius, py + radius], fill=ink)
    draw.ellipse([cx - radius * 0.6, cy - radius * 0.6, cx + radius * 0.6, cy + radius * 0.6],
                 fill=(0, 0, 0, 0))


def _glasses(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], ink: Colour) -> None:
    left, top, right, bottom = box
    cy = (top + bottom) // 2
    radius = (right - left) // 4 - 6
    for cx in (left + radius + 4, right - radius - 4):
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=ink,
                     width=20)
    draw.arc([(left + right) // 2 - 40, cy - 40, (left + right) // 2 + 40, cy + 20], 200, 340,
             fill=ink, width=16)


#: a pictogram per kind of logo
PICTOGRAMS: dict[str, Callable[[ImageDraw.ImageDraw, tuple[int, int, int, int], Colour], None]] = {
    "bread": _bread, "book": _book, "cup": _cup, "flower": _flower, "glasses": _glasses,
}


def logo_png(word: str, colour: Colour, pictogram: str) -> bytes:
    """A square PNG logo: a rounded tile in ``colour`` with a white pictogram and ``word``;
    transparent around the tile."""
    size = LOGO_SIZE
    tile = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(tile)
    draw.rounded_rectangle([8, 8, size - 9, size - 9], radius=96, fill=(*colour, 255))
    ink = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ink_draw = ImageDraw.Draw(ink)
    PICTOGRAMS[pictogram](ink_draw, (136, 70, 376, 300), (*WHITE, 255))
    font, stroke = _fitted_font(word, 400, 92, lambda size: max(1, size // 30))
    _draw_text(ink_draw, (size / 2, 404), word, font=font, fill=(*WHITE, 255), stroke=stroke)
    # "transparent" strokes of the pictograms cut back into the tile's colour
    cut = np.asarray(ink).copy()
    result = np.asarray(tile).copy()
    drawn = cut[..., 3] > 0
    result[drawn] = cut[drawn]
    out = io.BytesIO()
    Image.fromarray(result, "RGBA").save(out, "PNG")
    return out.getvalue()


# --- info hotspots' pictures ------------------------------------------------------------------

PICTURE_SIZE = (1200, 800)
SANDSTONE: Colour = (214, 196, 168)
WATER: Colour = (150, 200, 235)


@functools.cache
def fountain_picture() -> bytes:
    """A PNG "photo" of the market fountain as its info hotspot shows it: the square's houses
    under a summer sky, cobbles, and the fountain's basin, column, bowl and finial with water
    arching into the basin. The same bytes on every run (same Pillow)."""
    width, height = PICTURE_SIZE
    image = Image.new("RGB", PICTURE_SIZE, WHITE)
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.55)
    for row in range(horizon):  # sky: deeper blue at the top
        mix = row / horizon
        draw.line([(0, row), (width, row)],
                  fill=(int(70 + 120 * mix), int(130 + 90 * mix), int(205 + 40 * mix)))
    houses = [(0, 180, (196, 110, 82)), (170, 230, (232, 206, 140)), (390, 150, (150, 170, 160)),
              (530, 250, (221, 170, 120)), (770, 200, (190, 120, 110)),
              (960, 240, (236, 222, 190))]
    for left, tall, colour in houses:
        right = left + (width // 5 + 20)
        top = horizon - tall
        draw.rectangle([left, top, right, horizon], fill=colour)
        draw.polygon([(left - 6, top), ((left + right) // 2, top - 70), (right + 6, top)],
                     fill=_darker(colour, 0.6))
        for x in range(left + 22, right - 30, 52):
            for y in range(top + 24, horizon - 40, 64):
                draw.rectangle([x, y, x + 26, y + 38], fill=(58, 66, 78))
    for row in range(horizon, height):  # cobbles: rows of stones growing towards the viewer
        shade = 120 + int(50 * (row - horizon) / (height - horizon))
        draw.line([(0, row), (width, row)], fill=(shade, shade - 8, shade - 20))
    step = 18
    for row in range(horizon + 6, height, step):
        step += 2
        offset = (row // 7) % 2 * step // 2
        for x in range(-offset, width, step * 2):
            draw.ellipse([x, row, x + step * 2 - 4, row + step - 6], outline=(96, 90, 80))
    middle = width // 2
    basin_top, basin_bottom = int(height * 0.66), int(height * 0.86)
    draw.ellipse([middle - 360, basin_top - 40, middle + 360, basin_top + 40],
                 fill=_darker(SANDSTONE, 0.8))
    draw.rectangle([middle - 360, basin_top, middle + 360, basin_bottom], fill=SANDSTONE)
    draw.ellipse([middle - 360, basin_bottom - 40, middle + 360, basin_bottom + 40],
                 fill=SANDSTONE)
    draw.ellipse([middle - 330, basin_top - 30, middle + 330, basin_top + 30], fill=WATER)
    column_top = int(height * 0.30)
    draw.rectangle([middle - 34, column_top, middle + 34, basin_top], fill=SANDSTONE)
    draw.ellipse([middle - 130, column_top - 30, middle + 130, column_top + 20],
                 fill=_darker(SANDSTONE, 0.9))
    draw.ellipse([middle - 22, column_top - 90, middle + 22, column_top - 26],
                 fill=(188, 150, 70))  # the gilded finial, as in demo.world
    for side in (-1, 1):  # water arching from the bowl into the basin
        draw.arc([middle + side * 130 - 150, column_top - 10, middle + side * 130 + 150,
                  basin_top + 200], 180 if side < 0 else 270, 270 if side < 0 else 360,
                 fill=WATER, width=10)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


#: the pictures info hotspots may show, by name (``demo.city.Landmark.picture``)
PICTURES: dict[str, Callable[[], bytes]] = {"fountain": fountain_picture}
