"""Schemathesis fuzzes the JSON API from the OpenAPI description the app serves.

Every operation of ``/api/openapi.json`` is called by every kind of caller (anonymous, the owner
of another shop, the owner of shop A, an editor, an admin, each with their API token) in the
world of ``tests/support/world.py``. Hypothesis draws three kinds of requests: valid ones with
generated path values (mostly objects that do not exist), valid ones naming the world's objects
(so the handlers do their work), and invalid ones (wrong types, missing fields, broken bodies).
No answer may be a server error; the answers to valid requests must carry a declared status,
content type and headers and match their schema (errors included: the ``default`` response).

Each caller gets a world of its own, and its operations run reads first, deletions last, so the
objects stay for as long as possible. The examples are the same in every run (derandomised) and
``FUZZ_EXAMPLES`` sets how many per operation and caller (the group's time budget grows with
it); run more, or with ``FUZZ_SEED`` for new ones, when changing the API:
``FUZZ_EXAMPLES=200 pytest tests/fuzz``.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask, Response
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server import create_app
from tests.support.apps import base_config, bucket_storage, close_app, database_for, uses_buckets
from tests.support.budgets import fuzz_examples
from tests.support.world import Who, build_world

pytestmark = pytest.mark.fuzz

EXAMPLES = fuzz_examples()
SEED = os.environ.get("FUZZ_SEED")
#: checks of a valid request's answer; an invalid request's answer must only not be a 5xx
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_headers_conformance, response_schema_conformance]
#: throttles would answer most of the fuzzer's requests with 429 and hide the handlers
UNTHROTTLED = dict.fromkeys(("LOGIN_RATE_LIMIT_ACCOUNT", "LOGIN_RATE_LIMIT_CLIENT",
                             "STATS_RATE_LIMIT", "IMAGE_REPORT_RATE_LIMIT"), "100000 per minute")
#: query values naming the world's objects, for operations that need them to do anything
KNOWN_QUERIES = {"GET /api/route": {"from": "market", "to_scene": "hall"}}
#: reads first, deletions last: a caller's world keeps its objects as long as possible
METHOD_ORDER = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}


@functools.cache
def api_document() -> dict[str, Any]:
    """The OpenAPI description as the app serves it (read once, at collection)."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(base_config(f"sqlite:///{folder}/unused.sqlite3", Path(folder)))
        document = app.test_client().get("/api/openapi.json").get_json()
        close_app(app)
    return document


def operation_labels() -> list[str]:
    labels = [f"{method.upper()} {path}" for path, item in api_document()["paths"].items()
              for method in item if method in METHOD_ORDER]
    return sorted(labels, key=lambda label: (METHOD_ORDER[label.split()[0].lower()], label))


def served_schema(app: Flask) -> Any:
    """schemathesis's view of the description ``app`` serves (loaded once per app)."""
    if "fuzz_schema" not in app.extensions:
        app.extensions["fuzz_schema"] = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    return app.extensions["fuzz_schema"]


def fuzz_operation(app: Flask, operation_label: str, headers: dict[str, str],
                   values: dict[str, Any], examples: int = EXAMPLES) -> None:
    """Fuzz one operation of ``app``'s served description as the caller of ``headers``; path
    parameters named like ``values``' keys take those values in part of the examples. Raises
    schemathesis's failure report for the first problem found (after shrinking it)."""
    schema = served_schema(app)
    method, path = operation_label.split(" ", 1)
    operation = schema[path][method]
    known = {parameter.name: values[parameter.name]
             for parameter in operation.path_parameters if parameter.name in values}
    query = KNOWN_QUERIES.get(operation_label)
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known, query=query),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known),
    )

    @settings(max_examples=examples, deadline=None, database=None, derandomize=SEED is None,
              suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate, Phase.shrink])
    @given(case=cases)
    def call(case: Any) -> None:
        response = case.call(headers=headers)
        valid = case.meta is None or case.meta.generation.mode is GenerationMode.POSITIVE
        case.validate_response(response, checks=CONFORMANCE if valid else [not_a_server_error],
                               headers=headers)

    if SEED is not None:
        call = seed(int(SEED))(call)
    call()


@pytest.fixture(scope="module", params=list(Who), ids=[who.name for who in Who])
def caller_world(request: pytest.FixtureRequest, database_url: str,
                 tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[tuple[Flask, Who, dict[str, Any]]]:
    """A fresh app and world for each caller, in the run's storage configuration."""
    folder = tmp_path_factory.mktemp("fuzz")
    config = {**base_config(database_for(database_url, folder), folder), **UNTHROTTLED}
    if uses_buckets(request):
        config.update(bucket_storage(request.getfixturevalue("s3rver")))
    app = create_app(config)
    world = build_world(app)
    yield app, request.param, world
    close_app(app)


@pytest.mark.parametrize("operation_label", operation_labels())
def test_the_api_answers_every_caller_as_its_description_says(
        caller_world: tuple[Flask, Who, dict[str, Any]], operation_label: str):
    app, who, world = caller_world
    fuzz_operation(app, operation_label, world["headers"][who], world["values"])


# --- the fuzzer finds what it must find -------------------------------------------------------


def broken_app(app_config: dict[str, Any], path: str,
               corrupt: Callable[[Response], Response]) -> Flask:
    """An app whose answers on ``path`` pass through ``corrupt``."""
    app = create_app(app_config)

    @app.after_request
    def break_it(response: Response) -> Response:
        from flask import request

        return corrupt(response) if request.path == path else response

    return app


def server_error(response: Response) -> Response:
    response.status_code = 500
    return response


def reshaped(response: Response) -> Response:
    response.set_data(b'{"shops": "not a list"}')
    return response


@pytest.mark.parametrize(("corrupt", "report"), [
    (server_error, "Server error"), (reshaped, "Response violates schema")])
def test_the_fuzzer_reports_a_broken_answer(app_config: dict[str, Any],
                                             corrupt: Callable[[Response], Response],
                                             report: str):
    app = broken_app(app_config, "/api/shops", corrupt)
    try:
        with pytest.raises(FailureGroup, match=report):
            fuzz_operation(app, "GET /api/shops", {}, {}, examples=3)
    finally:
        close_app(app)
