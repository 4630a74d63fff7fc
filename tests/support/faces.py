"""A real face for the privacy tests: a crop of NASA's portrait of astronaut Eileen Collins
(public domain; the copy scikit-image ships as ``skimage/data/astronaut.png``), pasted into
synthetic equirectangular panoramas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

FACE_PHOTO = Path(__file__).parent / "data" / "astronaut-face.jpg"
#: where the face itself lies in the portrait (left, top, width, height, fractions of its side)
FACE_IN_PHOTO = (0.26, 0.23, 0.475, 0.475)


def face_photo(size: int) -> np.ndarray:
    """The portrait (head and shoulders) as an RGB array ``size`` pixels square."""
    with Image.open(FACE_PHOTO) as photo:
        return np.asarray(photo.convert("RGB").resize((size, size), Image.Resampling.LANCZOS))


def plain_scene(width: int) -> np.ndarray:
    """A synthetic street without any face: sky, façades with rows of windows, a pavement
    with a little noise (enough texture for a detector to be tempted, nothing face-like)."""
    height = width // 2
    rng = np.random.default_rng(3)
    image = np.empty((height, width, 3), np.uint8)
    sky = np.linspace(235, 170, height // 4)[:, None, None]
    image[: height // 4] = np.clip(sky * np.array([0.65, 0.8, 1.0]), 0, 255).astype(np.uint8)
    image[height // 4: height // 2] = (196, 170, 140)
    step = max(8, width // 96)
    for top in range(height // 4 + step // 2, height // 2 - step, step * 2):
        for left in range(step // 3, width - step, step * 2):
            image[top:top + step, left:left + step] = (70, 90, 110)
    ground = rng.normal(110, 12, (height - height // 2, width, 1)).clip(0, 255)
    image[height // 2:] = ground.astype(np.uint8)
    return image


def face_panorama(width: int, *, x: float = 0.5, y: float = 0.5, size: float = 0.05
                  ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """``plain_scene(width)`` with the portrait pasted ``size`` of the width wide, centred on
    the fractions ``x``, ``y`` (near the horizon the equirectangular stretch is small, so the
    face stays a face); returns the image and the face's pixel box ``(left, top, w, h)`` (the
    face within the portrait, see :data:`FACE_IN_PHOTO`). A portrait crossing the right edge
    continues at the left one."""
    image = plain_scene(width)
    side = max(8, round(size * width))
    left = round(x * width - side / 2) % width
    top = round(y * image.shape[0] - side / 2)
    photo = face_photo(side)
    columns = (np.arange(side) + left) % width
    image[top:top + side, columns] = photo
    fx, fy, fw, fh = FACE_IN_PHOTO
    return image, ((left + round(fx * side)) % width, top + round(fy * side), round(fw * side),
                   round(fh * side))
