"""The OpenAPI document covers every JSON API endpoint, with response schemas."""

from __future__ import annotations

import re

from flask import Flask

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_document_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Flaneur"


def undocumented_operations(app: Flask, document: dict) -> list[str]:
    """Every ``/api/`` operation of the URL map missing from ``document`` or its responses."""
    paths = document.get("paths", {})
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint.startswith("api-docs."):
            continue
        path = _openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            operation = paths.get(path, {}).get(method.lower())
            if operation is None:
                missing.append(f"{method} {rule.rule}: not in the OpenAPI document")
                continue
            successes = {code: body for code, body in operation.get("responses", {}).items()
                         if str(code).startswith("2")}
            if not successes:
                missing.append(f"{method} {rule.rule}: no success response declared")
            for code, body in successes.items():
                if str(code) != "204" and "content" not in body:
                    missing.append(f"{method} {rule.rule}: response {code} has no schema")
    return missing


def test_every_api_route_is_documented_with_a_response_schema(app: Flask, client):
    document = client.get("/api/openapi.json").get_json()
    assert undocumented_operations(app, document) == []


def test_the_coverage_check_catches_a_plain_flask_route(app: Flask, client):
    """A route added without flask-smorest is reported, so the check above can fail."""
    app.add_url_rule("/api/sneaky/<int:item>", "sneaky", lambda item: {"item": item})
    document = client.get("/api/openapi.json").get_json()
    assert undocumented_operations(app, document) == [
        "GET /api/sneaky/<int:item>: not in the OpenAPI document"
    ]
def test_api_errors_share_one_json_shape(client):
    response = client.get("/api/no-such-endpoint")
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == 404
    assert body["status"] == "Not Found"
    assert isinstance(body["message"], str)
    assert body["message"]
