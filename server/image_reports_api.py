"""``POST /api/walk/scenes/<slug>/reports``: a visitor reports the image of a public scene.

No account and no session: the endpoint reads no cookie and writes none, so there is nothing a
forged cross-site request could borrow; it is exempt from the session's CSRF token for that
reason. What remains is someone else's page making visitors' browsers send reports: the body
must be JSON (a cross-site form cannot send that without a CORS preflight, which this site never
grants) and a request the browser marks as cross-site (``Sec-Fetch-Site``, or an ``Origin`` of
another site) is refused. Reports are limited per client address (``IMAGE_REPORT_RATE_LIMIT``,
counted with the ``limits`` library in the sign-in throttle's store); the address is only
hashed into the counter's name and never stored with the report.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any
from urllib.parse import urlsplit

import marshmallow as ma
from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from limits import RateLimitItem, parse_many
from limits.errors import StorageError as LimitStorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import Forbidden, ServiceUnavailable, TooManyRequests, UnsupportedMediaType

from server.config import ConfigError
from server.editor_api import ViewSchema, handle_errors
from server.extensions import csrf, db
from server.report_labels import reason_choices
from server.security import client_address
from tours import image_reports, walk
from tours.models import ReportReason, Scene, utcnow

bp = Blueprint(
    "image_reports_api", __name__, url_prefix="/api/walk",
    description="Visitors report an image of the walk to the editors (a person or a licence "
                "plate is recognisable, …). No account needed; limited per client.",
)
handle_errors(bp)

THROTTLE_KEY = "flaneur.report_throttle"


def thanks() -> str:
    """What a visitor reads once the report is stored (in their language)."""
    return _("Thank you. The city's editors will look at this image soon.")


class ReportThrottle:
    """Counts a client's reports in a ``limits`` storage (memory, or Redis shared by all
    processes)."""

    def __init__(self, storage_uri: str, limits: str, secret: str) -> None:
        self._strategy = MovingWindowRateLimiter(
            storage_from_string(storage_uri, wrap_exceptions=True))
        self._limits: list[RateLimitItem] = parse_many(limits)
        self._secret = secret.encode()

    def key(self, address: str) -> str:
        """The counter's name for a client: a keyed hash, so the store holds no address."""
        return hashlib.sha256(self._secret + b"\0" + address.encode()).hexdigest()[:32]

    def hit(self, address: str) -> int | None:
        """Count one report; None when it may be stored, else the seconds to wait."""
        key = self.key(address)
        waits = []
        for item in self._limits:
            if not self._strategy.hit(item, "image-report", key):
                reset = self._strategy.get_window_stats(item, "image-report", key).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None


class ReportInSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.OneOf(
        [reason.value for reason in ReportReason]), metadata={
        "enum": [reason.value for reason in ReportReason]})
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(
        max=image_reports.MAX_COMMENT_LENGTH), metadata={"description": "Plain text"})
    view = ma.fields.Nested(ViewSchema, load_default=None, allow_none=True, metadata={
        "description": "Where the viewer looked when the visitor reported the image"})


class ReportOutSchema(ma.Schema):
    message = ma.fields.String(required=True, metadata={
        "description": "A confirmation in the visitor's language"})


def is_same_origin(origin: str) -> bool:
    own = urlsplit(request.host_url)
    try:
        parts = urlsplit(origin)
    except ValueError:  # "http://[" and the like: no origin at all, certainly not ours
        return False
    return (parts.scheme, parts.netloc) == (own.scheme, own.netloc)


def refuse_cross_site() -> None:
    """403 for a request a browser marks as sent by another site (``Sec-Fetch-Site``, or an
    ``Origin`` of another site or ``null``)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    foreign_origin = origin is not None and (origin == "null" or not is_same_origin(origin))
    if fetch_site == "cross-site" or foreign_origin:
        raise Forbidden(description=_("Reports can only be sent from this site."))


def receive_report(scene: Scene, fields: dict[str, Any]) -> None:
    """Count the client's report (429 when it sent too many, 503 when the counter's store is
    down) and record it; the caller commits."""
    throttle: ReportThrottle = current_app.extensions[THROTTLE_KEY]
    try:
        wait = throttle.hit(client_address())
    except LimitStorageError:
        raise ServiceUnavailable(description=_(
            "Reports cannot be received right now. Please try again later.")) from None
    if wait is not None:
        raise TooManyRequests(description=_(
            "You have sent several reports in a short time. Please try again later."),
            retry_after=wait)
    image_reports.create_report(db.session, scene, fields)


@bp.before_request
def _refuse_cross_site_and_forms() -> None:
    """Before the body is parsed: only same-site JSON requests are taken."""
    refuse_cross_site()
    if not request.is_json:
        raise UnsupportedMediaType(description=_("Send the report as JSON."))


@bp.route("/scenes/<scene_slug>/reports", methods=["POST"])
@csrf.exempt
@bp.arguments(ReportInSchema)
@bp.response(201, ReportOutSchema)
@bp.alt_response(403, response="DEFAULT_ERROR", description="Sent from another site")
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(415, response="DEFAULT_ERROR", description="The body is not JSON")
@bp.alt_response(429, response="DEFAULT_ERROR", description="Too many reports from this client")
def report_image(body: dict[str, Any], scene_slug: str) -> dict[str, str]:
    """Report the image a public scene shows (reason, optional comment and view)."""
    scene, _visible = walk.public_scene(db.session, scene_slug, utcnow())
    receive_report(scene, body)
    db.session.commit()
    return {"message": thanks()}


def init_app(app: Flask) -> None:
    # the walk page's form lists the reasons (server/templates/walk/_report.html)
    app.add_template_global(reason_choices, "report_reasons")
    try:
        parse_many(app.config["IMAGE_REPORT_RATE_LIMIT"])
    except ValueError:
        raise ConfigError("IMAGE_REPORT_RATE_LIMIT must be a rate limit such as "
                          f"'5 per 10 minutes', got {app.config['IMAGE_REPORT_RATE_LIMIT']!r}"
                          ) from None
    app.extensions[THROTTLE_KEY] = ReportThrottle(
        app.config["RATELIMIT_STORAGE_URI"], app.config["IMAGE_REPORT_RATE_LIMIT"],
        app.config["SECRET_KEY"])
