"""Synthetic panoramas and an independent copy of Photo Sphere Viewer's cube geometry.

The geometry here is transcribed from Photo Sphere Viewer 5's own code, not from media_tools:
``sphericalCoordsToVector3`` (core) and ``sphericalCoordsToTextureCoords`` (cubemap adapter,
``flipTopBottom: false``), so a test comparing media_tools' faces with it checks the real
contract instead of media_tools against itself.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

#: media_tools face letters → PSV face names
PSV_FACES = {"f": "front", "b": "back", "l": "left", "r": "right", "u": "top", "d": "bottom"}
#: a distinct background colour per face for the labelled panorama
FACE_COLOURS = {
    "f": (200, 60, 60), "b": (60, 160, 60), "l": (60, 90, 200),
    "r": (200, 170, 40), "u": (150, 70, 180), "d": (40, 170, 170),
}
#: corner squares of every label: top-left, top-right, bottom-left, bottom-right
CORNER_COLOURS = ((255, 255, 255), (0, 0, 0), (255, 0, 255), (0, 255, 0))


def psv_vector(yaw: np.ndarray, pitch: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PSV's ``sphericalCoordsToVector3`` (three.js world: y up, yaw 0 along +z)."""
    x = -np.cos(pitch) * np.sin(yaw)
    y = np.sin(pitch)
    z = np.cos(pitch) * np.cos(yaw)
    return x, y, z


def psv_texture_coords(yaw: np.ndarray, pitch: np.ndarray, size: int
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PSV's ``sphericalCoordsToTextureCoords`` without flipTopBottom, vectorised.

    Returns ``(face index into "fblrud", texture x, texture y)`` with continuous coordinates
    (PSV rounds them; pixel ``i`` covers ``[i, i + 1)``).
    """
    x, y, z = psv_vector(np.asarray(yaw, float), np.asarray(pitch, float))
    biggest = np.maximum(np.maximum(np.abs(x), np.abs(y)), np.abs(z))
    x, y, z = x / biggest, y / biggest, z / biggest

    def map_uv(value: np.ndarray, a1: float, a2: float) -> np.ndarray:
        return (value - a1) / (a2 - a1) * size  # THREE.MathUtils.mapLinear to [0, size]

    face = np.full(x.shape, -1)
    tx = np.zeros(x.shape)
    ty = np.zeros(x.shape)
    on_z = np.abs(np.abs(z) - 1) < 1e-9
    on_x = ~on_z & (np.abs(np.abs(x) - 1) < 1e-9)
    on_y = ~on_z & ~on_x
    cases = [
        (on_z & (z > 0), "f", map_uv(x, 1, -1), map_uv(y, 1, -1)),
        (on_z & (z < 0), "b", map_uv(x, -1, 1), map_uv(y, 1, -1)),
        (on_x & (x > 0), "l", map_uv(z, -1, 1), map_uv(y, 1, -1)),
        (on_x & (x < 0), "r", map_uv(z, 1, -1), map_uv(y, 1, -1)),
        (on_y & (y > 0), "u", map_uv(x, -1, 1), map_uv(z, 1, -1)),
        (on_y & (y < 0), "d", map_uv(x, -1, 1), map_uv(z, -1, 1)),
    ]
    for mask, name, u, v in cases:
        face[mask] = "fblrud".index(name)
        tx[mask] = u[mask]
        ty[mask] = v[mask]
    return face, tx, ty


def equirect_angles(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Yaw and pitch (radians) of every pixel centre of a ``width × height`` panorama."""
    yaw = (np.arange(width) + 0.5) / width * 2 * math.pi - math.pi
    pitch = math.pi / 2 - (np.arange(height) + 0.5) / height * math.pi
    return np.meshgrid(yaw, pitch)


def label_image(face: str, size: int) -> np.ndarray:
    """A face label: coloured background, a grid, the face letter, coloured corner squares."""
    image = Image.new("RGB", (size, size), FACE_COLOURS[face])
    draw = ImageDraw.Draw(image)
    for step in range(0, size, size // 8):
        draw.line([(step, 0), (step, size)], fill=(230, 230, 230), width=1)
        draw.line([(0, step), (size, step)], fill=(230, 230, 230), width=1)
    font = ImageFont.load_default(size=size // 2)
    draw.text((size / 2, size / 2), face.upper(), fill=(255, 255, 255), font=font, anchor="mm")
    corner = size // 6
    margin = size // 12
    spots = ((margin, margin), (size - margin - corner, margin),
             (margin, size - margin - corner), (size - margin - corner, size - margin - corner))
    for (left, top), colour in zip(spots, CORNER_COLOURS, strict=True):
        draw.rectangle([left, top, left + corner, top + corner], fill=colour)
    return np.asarray(image)


def cube_to_equirect(faces: dict[str, np.ndarray], width: int) -> np.ndarray:
    """Paint PSV-oriented face images onto an equirectangular panorama (nearest pixel)."""
    height = width // 2
    size = next(iter(faces.values())).shape[0]
    yaw, pitch = equirect_angles(width, height)
    face, tx, ty = psv_texture_coords(yaw, pitch, size)
    column = np.clip(tx.astype(int), 0, size - 1)
    row = np.clip(ty.astype(int), 0, size - 1)
    result = np.zeros((height, width, 3), np.uint8)
    for index, name in enumerate("fblrud"):
        mask = face == index
        result[mask] = faces[name][row[mask], column[mask]]
    return result


def labelled_panorama(width: int = 2048, label_size: int = 256) -> np.ndarray:
    """Every face shows its letter upright, as PSV displays it; see ``label_image``."""
    return cube_to_equirect({name: label_image(name, label_size) for name in PSV_FACES}, width)


def direction_panorama(width: int) -> np.ndarray:
    """Each pixel's colour encodes its direction: ``128 + 120 × (x, y, z)`` in PSV's world."""
    yaw, pitch = equirect_angles(width, width // 2)
    x, y, z = psv_vector(yaw, pitch)
    return np.clip(np.rint(128 + 120 * np.stack([x, y, z], axis=-1)), 0, 255).astype(np.uint8)


def add_markers(image: np.ndarray, markers: Iterable[tuple[float, float]],
                radius_deg: float = 0.6) -> np.ndarray:
    """White spherical caps of ``radius_deg`` centred on each ``(yaw_deg, pitch_deg)``."""
    height, width = image.shape[:2]
    yaw, pitch = equirect_angles(width, height)
    x, y, z = psv_vector(yaw, pitch)
    result = image.copy()
    for yaw_deg, pitch_deg in markers:
        mx, my, mz = psv_vector(np.radians(yaw_deg), np.radians(pitch_deg))
        cosine = x * mx + y * my + z * mz
        result[cosine >= math.cos(math.radians(radius_deg))] = 255
    return result


def textured_panorama(width: int, seed: int = 7) -> np.ndarray:
    """Seeded multi-scale noise, gradients and grid lines: detail at every frequency."""
    height = width // 2
    rng = np.random.default_rng(seed)
    result = np.zeros((height, width, 3), np.float32)
    for scale, weight in ((64, 0.5), (16, 0.3), (4, 0.15), (1, 0.05)):
        coarse = rng.random((max(2, height // scale), max(2, width // scale), 3), np.float32)
        result += weight * cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    result *= 200
    result += np.linspace(0, 40, width, dtype=np.float32)[None, :, None]
    # grid lines offset so none lies exactly on a cube edge (yaw ±45°/±135°, pitch ±45°)
    step = max(8, width // 64)
    result[step // 3::step] = 250
    result[:, step // 5::step] = 10
    return np.clip(result, 0, 255).astype(np.uint8)


def jpeg_bytes(pixels: np.ndarray, *, quality: int = 92, exif: bytes | None = None,
               xmp: bytes | None = None, mode: str | None = None) -> bytes:
    """Pillow-encoded JPEG, optionally with an EXIF block and an XMP packet (APP1)."""
    image = Image.fromarray(pixels)
    if mode is not None:
        image = image.convert(mode)
    out = io.BytesIO()
    options: dict[str, object] = {"quality": quality}
    if exif is not None:
        options["exif"] = exif
    if xmp is not None:
        options["xmp"] = xmp
    image.save(out, "JPEG", **options)
    return out.getvalue()


def gpano_xmp(*, as_elements: bool = False, **fields: object) -> bytes:
    """A hand-made XMP packet with GPano fields (``FullPanoWidthPixels=…`` etc.)."""
    if as_elements:
        body = "".join(f"<GPano:{name}>{value}</GPano:{name}>" for name, value in fields.items())
        description = f'<rdf:Description rdf:about="">{body}</rdf:Description>'
    else:
        attributes = " ".join(f'GPano:{name}="{value}"' for name, value in fields.items())
        description = f'<rdf:Description rdf:about="" {attributes}/>'
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:GPano="http://ns.google.com/photos/1.0/panorama/">'
        f"{description}</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def psnr(reference: np.ndarray, candidate: np.ndarray) -> float:
    error = np.mean((reference.astype(np.float64) - candidate.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else 10 * math.log10(255**2 / error)


def psv_direction(face: str, tx: np.ndarray, ty: np.ndarray, size: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """PSV's ``textureCoordsToSphericalCoords`` without flipTopBottom: (yaw, pitch) radians."""
    u = 2 * (np.asarray(tx, float) / size - 0.5)
    v = 2 * (np.asarray(ty, float) / size - 0.5)
    one = np.ones_like(u)

    def yaw_pitch(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        length = np.sqrt(x * x + y * y + z * z)
        return np.arctan2(y / length, x / length), -np.arcsin(z / length)

    formulas = {
        "f": lambda: yaw_pitch(one, u, v),
        "r": lambda: yaw_pitch(-u, one, v),
        "l": lambda: yaw_pitch(u, -one, v),
        "b": lambda: yaw_pitch(-one, -u, v),
        "d": lambda: yaw_pitch(v, -u, one),
        "u": lambda: yaw_pitch(-v, -u, -one),
    }
    return formulas[face]()


def pole_padded(image: np.ndarray, rows: int = 2) -> np.ndarray:
    """``image`` with ``rows`` rows added across each pole (for exact bilinear references)."""
    half = image.shape[1] // 2
    top = np.roll(image[rows - 1::-1], half, axis=1)
    bottom = np.roll(image[:-rows - 1:-1], half, axis=1)
    return np.concatenate([top, image, bottom])
