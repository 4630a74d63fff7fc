"""``/api/me`` and ``/api/tokens``: the calling account and its personal API tokens.

Every endpoint accepts a signed-in session (with the ``X-CSRFToken`` header on changes) or a
personal token (``Authorization: Bearer flt_…``). Creating a token needs a session: a leaked token
must not be able to mint others that outlive its revocation.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from flask_smorest import Blueprint
from werkzeug.exceptions import Forbidden, NotFound, UnprocessableEntity

from server.extensions import db
from server.security import current_account, login_required, request_token
from tours import accounts
from tours.models import ApiToken, Role

bp = Blueprint(
    "account_api", __name__, url_prefix="/api",
    description="The calling account and its personal API tokens.",
)

#: both ways to authenticate, as named in the OpenAPI document's security schemes
AUTHENTICATED = [{"token": []}, {"session": []}]


class AccountSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    role = ma.fields.Enum(Role, by_value=True, required=True)
    authenticated_by = ma.fields.String(
        required=True, metadata={"enum": ["session", "token"],
                                 "description": "How this request was authenticated"},
    )


class ApiTokenSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    prefix = ma.fields.String(
        required=True, metadata={"description": "The first characters of the token"})
    created_at = ma.fields.AwareDateTime(required=True)
    last_used_at = ma.fields.AwareDateTime(allow_none=True, required=True)


class NewApiTokenSchema(ma.Schema):
    name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=accounts.MAX_TOKEN_NAME_LENGTH),
        metadata={"description": "What the token is for"},
    )


class IssuedApiTokenSchema(ma.Schema):
    token = ma.fields.Nested(ApiTokenSchema, required=True)
    secret = ma.fields.String(
        required=True,
        metadata={"description": "The token to send as `Authorization: Bearer <secret>`. "
                                 "Shown only in this response; only a hash is stored."},
    )


@bp.route("/me", methods=["GET"])
@login_required
@bp.doc(security=AUTHENTICATED)
@bp.response(200, AccountSchema)
@bp.alt_response(401, response="UNAUTHORIZED")
def me() -> dict[str, Any]:
    """The account making the request."""
    user = current_account()
    return {
        "id": user.id, "email": user.email, "display_name": user.display_name,
        "role": user.role, "authenticated_by": "token" if request_token() else "session",
    }


@bp.route("/tokens", methods=["GET"])
@login_required
@bp.doc(security=AUTHENTICATED)
@bp.response(200, ApiTokenSchema(many=True))
@bp.alt_response(401, response="UNAUTHORIZED")
def list_tokens() -> list[ApiToken]:
    """The account's tokens that have not been revoked (secrets are never shown again)."""
    return accounts.list_tokens(db.session, current_account())


@bp.route("/tokens", methods=["POST"])
@login_required
@bp.doc(security=[{"session": []}])
@bp.arguments(NewApiTokenSchema)
@bp.response(201, IssuedApiTokenSchema)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(403, response="FORBIDDEN")
def create_token(data: dict[str, str]) -> tuple[dict[str, object], dict[str, str]]:
    """Create a token. The response is the only place its secret ever appears."""
    if request_token() is not None:
        raise Forbidden(description=_("API tokens can only be created from a signed-in browser."))
    try:
        token, secret = accounts.issue_token(db.session, current_account(), data["name"])
    except accounts.InvalidTokenName as exc:
        raise UnprocessableEntity(description=_(exc.message, **exc.params)) from None
    db.session.commit()
    return {"token": token, "secret": secret}, {"Cache-Control": "no-store"}


@bp.route("/tokens/<int:token_id>", methods=["DELETE"])
@login_required
@bp.doc(security=AUTHENTICATED)
@bp.response(204)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(404, response="NOT_FOUND")
def revoke_token(token_id: int) -> None:
    """Revoke one of the account's tokens; requests with it are refused from now on."""
    try:
        accounts.revoke_token(db.session, current_account(), token_id)
    except accounts.TokenNotFound as exc:
        raise NotFound(description=_(exc.message)) from None
    db.session.commit()
