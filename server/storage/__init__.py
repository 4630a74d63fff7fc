"""Object storage behind one small interface, with memory, local-folder and S3 backends.

The S3 backend lives in ``server.storage.s3`` and is imported only when an ``s3://`` URL is used,
so apps configured with local folders do not load boto3.
"""

from server.storage.base import (
    IMMUTABLE_CACHE_CONTROL,
    REVALIDATE_CACHE_CONTROL,
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    Storage,
    StorageError,
    validate_key,
)
from server.storage.local import LocalStorage
from server.storage.memory import MemoryStorage
from server.storage.urls import StorageURLError, storage_from_url

__all__ = [
    "IMMUTABLE_CACHE_CONTROL",
    "REVALIDATE_CACHE_CONTROL",
    "InvalidKey",
    "LocalStorage",
    "MemoryStorage",
    "ObjectInfo",
    "ObjectNotFound",
    "Storage",
    "StorageError",
    "StorageURLError",
    "storage_from_url",
    "validate_key",
]
