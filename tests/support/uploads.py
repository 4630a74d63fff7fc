"""Multipart uploads in tests, encoded in memory.

Werkzeug's test client spools request bodies over 500 kB to a temporary file that it never
closes, which the test run's ``filterwarnings = error`` turns into a failure; encoding the body
here avoids the spool.
"""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart


def multipart(client: FlaskClient, url: str, fields: dict[str, Any], *, method: str = "POST",
              **options: Any) -> TestResponse:
    """POST (or ``method``) ``fields`` (a file as ``(bytes, name)``) as multipart/form-data."""
    files = {name: FileStorage(io.BytesIO(value[0]), value[1]) if isinstance(value, tuple)
             else value for name, value in fields.items()}
    boundary, body = encode_multipart(files)
    return client.open(url, method=method, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}", **options)
