"""What the editors' content endpoints share: the role guard, field types, versions and errors.

Editors read and write translatable texts as they are stored: a map from language to text
(``{"de": "…", "en": "…"}``), every language at once. Visitors' endpoints localise them.

Versions
    Scenes, hotspots and tours carry a ``version`` that every change bumps; responses send it as
    the ``ETag`` header too. A change may name the version it is based on, in the ``version``
    field or an ``If-Match: "<version>"`` header; when the stored version is newer, the change
    is refused with 409 and nothing is saved.

Errors
    Domain errors are answered like everywhere in the API (not found → 404, conflicts → 409,
    refused input → 422), plus the message under ``errors.json.<field>`` when the error names a
    field, like marshmallow's own field errors, so forms can show it next to the input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import marshmallow as ma
from flask import Response, current_app, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest

from server.api_setup import DOMAIN_STATUS, error_response
from server.extensions import db
from server.security import roles_required
from tours.errors import DomainError
from tours.i18n import LANGUAGES
from tours.models import Role
from tours.validation import VersionConflict

F = TypeVar("F", bound=Callable[..., Any])

#: both ways to authenticate, as named in the OpenAPI document's security schemes
EDITORS = [{"token": []}, {"session": []}]

IF_MATCH = {
    "in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
    "description": 'The version the change is based on, as sent in the ETag header ("3"). '
                   "When the stored version is newer, the change is refused with 409.",
}

#: list pages: page size unless asked otherwise, and the most a client may ask for
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def editor_endpoint(bp: Blueprint) -> Callable[[F], F]:
    """Let only editors and admins in (401 without an account, 403 for other roles), and say
    so in the OpenAPI document. Put it right under ``@bp.route``, so the role is checked
    before the request is parsed."""
    return account_endpoint(bp, Role.EDITOR)


def account_endpoint(bp: Blueprint, *roles: Role) -> Callable[[F], F]:
    """Like :func:`editor_endpoint`, for accounts holding one of ``roles``."""

    def decorate(view: F) -> F:
        documented = bp.doc(security=EDITORS)(
            bp.alt_response(401, response="UNAUTHORIZED")(
                bp.alt_response(403, response="FORBIDDEN")(view)))
        guarded: F = roles_required(*roles)(documented)  # type: ignore[assignment]
        return guarded

    return decorate


class TranslatedTextSchema(ma.Schema):
    """A text in any of the content languages; a missing or empty language has no text."""

    de = ma.fields.String()
    en = ma.fields.String()
    es = ma.fields.String()
    fr = ma.fields.String()


def translated(description: str, **options: Any) -> ma.fields.Nested:
    """A translatable text field."""
    return ma.fields.Nested(
        TranslatedTextSchema,
        metadata={"description": f"{description} (languages: {', '.join(LANGUAGES)})"},
        **options,
    )


class ViewSchema(ma.Schema):
    yaw = ma.fields.Float(required=True, metadata={
        "minimum": -180, "maximum": 180,
        "description": "Degrees from the panorama's centre, clockwise; 180 is stored as -180"})
    pitch = ma.fields.Float(required=True, metadata={
        "minimum": -90, "maximum": 90, "description": "Degrees above the horizon"})
    zoom = ma.fields.Float(required=True, metadata={
        "minimum": 0, "maximum": 100, "description": "The viewer's zoom level"})


def version_field() -> ma.fields.Integer:
    return ma.fields.Integer(metadata={
        "description": "The version the change is based on (like If-Match); a newer stored "
                       "version refuses the change with 409"})


class VersionQuerySchema(ma.Schema):
    version = version_field()


def expected_version(body_version: int | None) -> int | None:
    """The version a change is based on, from the body or the ``If-Match`` header."""
    header = request.if_match
    from_header = None
    if not header.star_tag:
        tags = header.as_set(include_weak=True)
        if len(tags) > 1 or any(not (tag and tag.isascii() and tag.isdigit() and len(tag) < 10)
                                 for tag in tags):
            raise BadRequest(description=_(
                'If-Match must hold the one version the change is based on, such as "3".'))
        from_header = int(next(iter(tags))) if tags else None
    if body_version is not None and from_header is not None and body_version != from_header:
        raise VersionConflict()
    return body_version if body_version is not None else from_header


def etag(version: int) -> dict[str, str]:
    """Response headers naming an entity's version."""
    return {"ETag": f'"{version}"'}


def page_bounds(pagination: Any) -> dict[str, int]:
    """The offset and limit of flask-smorest's pagination parameters."""
    return {"offset": pagination.first_item, "limit": pagination.page_size}


def nest_field_error(field: str, message: str) -> dict[str, Any]:
    """``{"a": {"b": [message]}}`` for the field ``a.b``, the shape of marshmallow's errors."""
    *parents, leaf = field.split(".")
    error: dict[str, Any] = {leaf: [message]}
    for part in reversed(parents):
        error = {part: error}
    return error


def domain_error_response(exc: DomainError) -> Response:
    """The API's answer to a domain error (after rolling the unit of work back)."""
    db.session.rollback()
    status = next((code for kind, code in DOMAIN_STATUS if isinstance(exc, kind)), 400)
    message = _(exc.message, **exc.params)
    field = getattr(exc, "field", None)
    errors = {"json": nest_field_error(field, message)} if field else None
    return error_response(status, message, errors)


def integrity_error_response(exc: IntegrityError) -> Response:
    """A constraint the checks did not see coming: another request saved the same slug or
    link in the meantime."""
    db.session.rollback()
    current_app.logger.info("integrity error on %s %s: %s", request.method, request.path,
                            exc.orig)
    return error_response(409, _("The change conflicts with data saved at the same time. "
                                 "Reload and try again."))


def handle_errors(bp: Blueprint) -> None:
    """Answer domain and integrity errors raised in ``bp``'s views in the API's error shape."""
    bp.register_error_handler(DomainError, domain_error_response)
    bp.register_error_handler(IntegrityError, integrity_error_response)
