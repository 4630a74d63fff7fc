"""The JSON API: OpenAPI document at ``/api/openapi.json`` and one error shape for every failure.

Every error under ``/api/`` — validation, authentication, CSRF, rate limit, not found, server
error — is answered as ``{"code": <status>, "status": <reason>, "message": <text>,
"errors": {...}}``, the shape flask-smorest uses for validation errors. While the database
cannot be reached (restarting, overloaded) every request is answered at once with 503 and
``Retry-After`` — JSON under ``/api/``, the error page elsewhere — and the pool's pre-ping
reconnects by itself afterwards.
"""

from __future__ import annotations

import contextlib

from flask import Flask, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from sqlalchemy.exc import (
    DataError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from server.error_pages import render_error_page
from server.extensions import db
from tours.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

API_PREFIX = "/api/"
#: what a client told "the database is unavailable" should wait before asking again
RETRY_AFTER_SECONDS = 5
API_KEY = "flaneur.api"
#: the HTTP status of each kind of domain error (first match wins; anything else is 400)
DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (InvalidInput, 422),
)


def app_api(app: Flask) -> Api:
    """The application's flask-smorest ``Api`` (blueprints are registered on it)."""
    api: Api = app.extensions[API_KEY]
    return api


def error_response(status: int, message: str, errors: dict[str, object] | None = None) -> Response:
    """The API's error body, for views and error handlers alike."""
    from http import HTTPStatus

    body: dict[str, object] = {
        "code": status,
        "status": HTTPStatus(status).phrase,
        "message": message,
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def _handle_http_exception(exc: HTTPException) -> Response | HTTPException | tuple:
    if exc.code is None or exc.code < 400:
        return exc  # redirects raised as exceptions (e.g. RequestRedirect) pass through
    if not request.path.startswith(API_PREFIX):
        return render_error_page(exc)
    errors = None
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and "messages" in data:
        errors = data["messages"]
    message = str(getattr(exc, "description", "") or "")
    if exc.code == 422:
        message = _("The request data is not valid.")
    response = error_response(exc.code or 500, message, errors)
    for header, value in (exc.get_headers() if exc.response is None else exc.response.headers):
        if header.lower() not in ("content-type", "content-length"):
            response.headers[header] = value
    return response


def _is_out_of_range(exc: Exception) -> bool:
    """A number from the request that no column can hold: Python's ``OverflowError`` when
    SQLite's driver binds it, PostgreSQL's ``numeric_value_out_of_range`` (SQLSTATE 22003)."""
    if isinstance(exc, OverflowError):
        return True
    return isinstance(exc, DataError) and getattr(exc.orig, "sqlstate",
                                                  getattr(exc.orig, "pgcode", None)) == "22003"


def _database_unavailable(exc: Exception) -> bool:
    """The database cannot be reached or is restarting (not a mistake of the request):
    a refused or dropped connection, an exhausted pool, a server shutting down."""
    return isinstance(exc, (OperationalError, InterfaceError, DisconnectionError,
                            PoolTimeoutError)) and not _is_out_of_range(exc)


def _unavailable() -> Response | tuple:
    """503 with ``Retry-After``, quickly, without a traceback per request of an outage."""
    with contextlib.suppress(Exception):
        db.session.rollback()
    current_app.logger.warning("database unavailable on %s %s", request.method, request.path)
    message = _("The service is unavailable for a moment. Please try again in a few seconds.")
    if request.path.startswith(API_PREFIX):
        response = error_response(503, message)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    page, code, headers = render_error_page(ServiceUnavailable(), 503, message)
    return page, code, {**headers, "Retry-After": str(RETRY_AFTER_SECONDS)}


def _handle_unexpected(exc: Exception) -> Response | tuple:
    if isinstance(exc, HTTPException):
        return _handle_http_exception(exc)
    if _database_unavailable(exc):
        return _unavailable()
    if _is_out_of_range(exc):
        # an id or number far beyond any stored one came in the body or query: the caller's
        # mistake, not the server's; nothing was written (the transaction is rolled back)
        db.session.rollback()
        message = _("A number in the request is too large.")
        if request.path.startswith(API_PREFIX):
            return error_response(422, message)
        return render_error_page(HTTPException(), 422, message)
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if request.path.startswith(API_PREFIX):
        return error_response(500, _("An internal error occurred."))
    return render_error_page(InternalServerError())


def _handle_domain_error(exc: DomainError) -> Response | tuple:
    """Domain errors carry no HTTP status; their kind decides it here, at the edge."""
    status = 400
    for kind, code in DOMAIN_STATUS:
        if isinstance(exc, kind):
            status = code
            break
    message = _(exc.message, **exc.params) if exc.params else _(exc.message)
    if request.path.startswith(API_PREFIX):
        return error_response(status, message)
    return render_error_page(HTTPException(), status, message)


class FlaneurApi(Api):
    """flask-smorest's Api, with the pagination header described as what it is: JSON.

    flask-smorest declares ``X-Pagination`` with an object ``schema``, which in OpenAPI means
    the ``key,value,…`` serialisation; the header carries a JSON document, so it is described
    by ``content`` instead (and clients and fuzzers read it as JSON)."""

    def _register_pagination_header(self) -> None:
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata (a JSON document)",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Flaneur")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": "Content and wayfinding API of a Flaneur city walk."},
            "components": {
                "securitySchemes": {
                    "token": {"type": "http", "scheme": "bearer",
                              "description": "A personal API token"},
                    "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
        },
    )
    # one Api per application: a module-level Api keeps the last app's spec, which breaks as
    # soon as two apps live in one process (tests, or several apps in one server)
    app.extensions[API_KEY] = FlaneurApi(app)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(Exception, _handle_unexpected)
