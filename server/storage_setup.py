"""Builds the two storages (originals, public) from their URLs and keeps them on the app.

- **originals** (``ORIGINALS_STORAGE_URL``): private; uploaded panoramas and shop photos as
  uploaded. This is what a backup must keep.
- **public** (``PUBLIC_STORAGE_URL``): derived and regenerable (tiles, previews, thumbnails, web
  images); browsers fetch it directly. A ``file:`` or ``memory:`` public storage is served by the
  app under ``/media/<key>`` (``server/media_pages.py``); an S3 one by its bucket or CDN.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from server.config import ConfigError
from server.storage import Storage, StorageURLError, storage_from_url

EXTENSION_KEY = "flaneur.storages"
#: where ``server/media_pages.py`` serves the public storage, below the app's root
MEDIA_PATH = "/media"
ROLES = {"originals": "ORIGINALS_STORAGE_URL", "public": "PUBLIC_STORAGE_URL"}


def storages(app: Flask | None = None) -> dict[str, Storage]:
    """Both storages by role: ``{"originals": …, "public": …}``."""
    return (app or current_app).extensions[EXTENSION_KEY]


def originals_storage(app: Flask | None = None) -> Storage:
    """The private storage of uploaded originals."""
    return storages(app)["originals"]


def public_storage(app: Flask | None = None) -> Storage:
    """The storage of derived, publicly served files (tiles, previews, thumbnails)."""
    return storages(app)["public"]


def init_app(app: Flask) -> None:
    media_url = app.config.get("APPLICATION_ROOT", "/").rstrip("/") + MEDIA_PATH
    built: dict[str, Storage] = {}
    for role, variable in ROLES.items():
        try:
            built[role] = storage_from_url(
                app.config[variable],
                connect_timeout=app.config["STORAGE_CONNECT_TIMEOUT"],
                read_timeout=app.config["STORAGE_READ_TIMEOUT"],
                max_attempts=app.config["STORAGE_MAX_ATTEMPTS"],
                base_dir=Path(app.instance_path),
                # originals are private: the app never serves them under a public URL
                local_public_url=media_url if role == "public" else None,
            )
        except StorageURLError as exc:
            raise ConfigError(f"{variable}: {exc}") from None
    app.extensions[EXTENSION_KEY] = built
