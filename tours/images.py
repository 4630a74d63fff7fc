"""Uploaded pictures as the domain keeps them: what the web layer stored, and its storage keys.

The web layer checks an upload, re-encodes it (``media_tools.web_images``) and writes the
objects; the services here only record what was stored (a :class:`StoredImage`) on their rows
and say which keys became unused, so the caller deletes exactly those after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoredImage:
    """What the web layer stored for one upload."""

    sha256: str
    original_key: str
    source_type: str
    width: int
    height: int
    #: ``{"large": {"key", "content_type", "width", "height"}, "thumb": {…}}``
    variants: Mapping[str, Mapping[str, Any]]

    def as_record(self) -> dict[str, Any]:
        """The JSON a row stores for the picture (``Hotspot.image``)."""
        return {"sha256": self.sha256, "original_key": self.original_key,
                "source_type": self.source_type, "width": self.width, "height": self.height,
                "variants": {name: dict(variant) for name, variant in self.variants.items()}}


def record_keys(record: Mapping[str, Any] | None) -> set[str]:
    """Every storage key of a stored picture's record (none for None)."""
    if not record:
        return set()
    return {str(record["original_key"]),
            *(str(variant["key"]) for variant in record.get("variants", {}).values())}
