"""A storage in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Garage) through boto3.

``s3://bucket/prefix?endpoint_url=…&region=…&addressing_style=path&public_url=…`` builds one (see
``make_s3_storage``). Every botocore, boto3 and HTTP failure is raised as ``StorageError``; how long
a call may hang is bounded by the client's explicit timeouts and retry count, never by botocore's
60-second defaults.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import urlsplit, urlunsplit

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from server.storage.base import (
    REVALIDATE_CACHE_CONTROL,
    Data,
    ObjectInfo,
    ObjectNotFound,
    Storage,
    StorageError,
    guess_content_type,
    validate_key,
    validate_prefix,
)

_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_STREAM_BUFFER = 1024 * 1024
#: DeleteObjects takes at most this many keys per call
_DELETE_BATCH = 1000


class _GuardedBody(io.RawIOBase):
    """A response body whose read failures (timeouts, cut connections) become StorageError."""

    def __init__(self, body: Any, description: str) -> None:
        self._body = body
        self._description = description

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            chunk = self._body.read(len(buffer))
        except BotoCoreError as exc:
            raise StorageError(f"{self._description}: reading failed: {exc}") from exc
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3Storage(Storage):
    """Objects under ``prefix`` in ``bucket``, through a ready boto3 S3 ``client``.

    ``public_base_url`` is where browsers fetch the bucket's objects (a CDN or the bucket's public
    URL); the object's full key, prefix included, is appended to it. Without it, public URLs are
    built from the client's endpoint and addressing style.
    """

    def __init__(self, client: Any, bucket: str, prefix: str = "",
                 public_base_url: str | None = None,
                 transfer_config: TransferConfig | None = None) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = validate_prefix(prefix.strip("/"))
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self.transfer_config = transfer_config or TransferConfig()

    def __repr__(self) -> str:
        return f"S3Storage('s3://{self.bucket}/{self.prefix}')"

    def _full_key(self, key: str) -> str:
        validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    @contextlib.contextmanager
    def _translate(self, operation: str, key: str | None) -> Iterator[None]:
        # ``key`` None: the operation concerns the bucket, and "not found" means it is missing
        what = f"{self!r}: {operation}" + (f" {key!r}" if key is not None else "")
        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            if key is not None and code in _NOT_FOUND_CODES:
                raise ObjectNotFound(f"{self!r}: no object {key!r}") from exc
            message = f"{what} failed: {code} {error.get('Message', '')}".rstrip()
            raise StorageError(message) from exc
        except (BotoCoreError, Boto3Error) as exc:
            raise StorageError(f"{what} failed: {exc}") from exc

    def put(self, key: str, data: Data, *, content_type: str | None = None,
            cache_control: str | None = None) -> None:
        full_key = self._full_key(key)
        extra = {
            "ContentType": content_type or guess_content_type(key),
            "CacheControl": cache_control or REVALIDATE_CACHE_CONTROL,
        }
        with self._translate("put", key):
            if isinstance(data, bytes | bytearray | memoryview):
                self.client.put_object(Bucket=self.bucket, Key=full_key, Body=bytes(data), **extra)
            else:
                # the transfer manager switches to a multipart upload for big files
                self.client.upload_fileobj(data, self.bucket, full_key, ExtraArgs=extra,
                                           Config=self.transfer_config)

    def get(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def open(self, key: str) -> BinaryIO:
        full_key = self._full_key(key)
        with self._translate("get", key):
            response = self.client.get_object(Bucket=self.bucket, Key=full_key)
        body = _GuardedBody(response["Body"], f"{self!r}: get {key!r}")
        return io.BufferedReader(body, buffer_size=_STREAM_BUFFER)

    def head(self, key: str) -> ObjectInfo:
        full_key = self._full_key(key)
        with self._translate("head", key):
            response = self.client.head_object(Bucket=self.bucket, Key=full_key)
        return ObjectInfo(
            key=key,
            size=int(response["ContentLength"]),
            etag=str(response["ETag"]).strip('"'),
            content_type=response.get("ContentType") or guess_content_type(key),
            cache_control=response.get("CacheControl") or REVALIDATE_CACHE_CONTROL,
            last_modified=response.get("LastModified"),
        )

    def delete(self, key: str) -> None:
        full_key = self._full_key(key)
        with self._translate("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=full_key)

    def _list_full_keys(self, prefix: str) -> Iterator[str]:
        folder = self._full_key(prefix) + "/" if prefix else (
            f"{self.prefix}/" if self.prefix else "")
        with self._translate("list", prefix):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=folder):
                for entry in page.get("Contents", ()):
                    yield entry["Key"]

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        validate_prefix(prefix)
        strip = len(self.prefix) + 1 if self.prefix else 0
        return (full_key[strip:] for full_key in self._list_full_keys(prefix))

    def delete_prefix(self, prefix: str) -> int:
        if prefix == "":
            return super().delete_prefix(prefix)
        removed = 0
        batch: list[str] = []
        for full_key in self._list_full_keys(validate_prefix(prefix)):
            batch.append(full_key)
            if len(batch) == _DELETE_BATCH:
                removed += self._delete_batch(prefix, batch)
                batch = []
        if batch:
            removed += self._delete_batch(prefix, batch)
        return removed

    def _delete_batch(self, prefix: str, full_keys: list[str]) -> int:
        with self._translate("delete_prefix", prefix):
            response = self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": key} for key in full_keys], "Quiet": True},
            )
        errors = response.get("Errors") or []
        if errors:
            first = errors[0]
            raise StorageError(
                f"{self!r}: delete_prefix {prefix!r}: {len(errors)} objects not deleted, "
                f"first {first.get('Key')!r}: {first.get('Code')} {first.get('Message', '')}"
            )
        return len(full_keys)

    def public_url(self, key: str) -> str:
        full_key = self._full_key(key)
        if self.public_base_url:
            return f"{self.public_base_url}/{full_key}"
        endpoint = urlsplit(self.client.meta.endpoint_url)
        style = (self.client.meta.config.s3 or {}).get("addressing_style", "auto")
        # "auto" means what AWS itself recommends for AWS (bucket.s3.region.amazonaws.com) and
        # the path style every S3-compatible store understands for any other endpoint
        is_aws = (endpoint.hostname or "").endswith(".amazonaws.com") and "." not in self.bucket
        if style == "virtual" or (style == "auto" and is_aws):
            netloc = f"{self.bucket}.{endpoint.netloc}"
            return urlunsplit((endpoint.scheme, netloc, f"/{full_key}", "", ""))
        path = f"{endpoint.path.rstrip('/')}/{self.bucket}/{full_key}"
        return urlunsplit((endpoint.scheme, endpoint.netloc, path, "", ""))

    def check(self) -> None:
        with self._translate("check bucket", None):
            self.client.head_bucket(Bucket=self.bucket)


def make_s3_client(*, endpoint_url: str | None, region: str | None,
                   addressing_style: str, access_key_id: str | None,
                   secret_access_key: str | None, session_token: str | None,
                   connect_timeout: float, read_timeout: float, max_attempts: int) -> Any:
    """A boto3 S3 client with explicit timeouts and retries.

    Without explicit keys, credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, profiles, instance roles).
    """
    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        # botocore's "max_attempts" counts retries only; "total_max_attempts" counts every try
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        s3={"addressing_style": addressing_style},
        signature_version="s3v4",
        # Several S3-compatible stores (older MinIO, Ceph RGW, Garage) reject the CRC checksums
        # botocore adds to every upload by default; send them only where S3 requires them.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    # A session of our own: boto3's default session is shared module state and not thread-safe.
    session = boto3.session.Session(
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=session_token,
        region_name=region,
    )
    return session.client("s3", endpoint_url=endpoint_url, config=config)
