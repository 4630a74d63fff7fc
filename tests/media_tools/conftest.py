"""Fixtures of the image pipeline's tests."""

from __future__ import annotations

import pytest
from PIL import Image, ImageCms


@pytest.fixture
def colour_transforms(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modes of the images LittleCMS converts from now on (a spy on ``applyTransform``)."""
    converted: list[str] = []
    original = ImageCms.applyTransform

    def counting(image: Image.Image, transform: object, *args: object) -> Image.Image:
        converted.append(image.mode)
        return original(image, transform, *args)

    monkeypatch.setattr(ImageCms, "applyTransform", counting)
    return converted
