"""``POST /api/stats``: the viewer's beacon of visitor counts.

The walk page gathers what a visitor did (scenes and tours viewed, hotspots and shop cards
opened, a shop's website or online shop followed) and sends it every few seconds and when the
page is hidden, with ``navigator.sendBeacon`` — which sends a string as ``text/plain`` — or
``fetch``; both JSON and plain text bodies are read as JSON. The events go into this process's
buffer (:mod:`server.visitor_stats`): the request writes nothing to the database and looks no
subject up (the dashboards show only subjects that exist).

Nothing personal is kept: the endpoint reads no session and sets no cookie, stores no address
(the rate limit's counter is named by a keyed hash of it) and no time finer than the city's
day. Anyone may send it, so it is limited per client address (``STATS_RATE_LIMIT``) and
refuses requests a browser marks as sent by another site.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import marshmallow as ma
from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from limits import RateLimitItem, parse_many
from limits.errors import StorageError as LimitStorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    RequestEntityTooLarge,
    ServiceUnavailable,
    TooManyRequests,
    UnsupportedMediaType,
)
from werkzeug.wrappers import Response

from server.config import ConfigError
from server.editor_api import handle_errors
from server.extensions import csrf
from server.image_reports_api import is_same_origin
from server.security import client_address
from server.visitor_stats import count_visits
from tours.models import StatEvent
from tours.visitor_stats import MAX_SUBJECT_ID

bp = Blueprint(
    "stats_api", __name__, url_prefix="/api",
    description="Visitor counts sent by the viewer (anonymous, per day, nothing personal).",
)
handle_errors(bp)

THROTTLE_KEY = "flaneur.stats_throttle"
#: events one beacon may carry
MAX_EVENTS = 50
#: a full beacon is about 2.5 KB; anything much larger is not one
MAX_BODY_BYTES = 8 * 1024
BODY_TYPES = ("application/json", "text/plain")
EVENT_NAMES = {event.value: event for event in StatEvent}


class BeaconEventSchema(ma.Schema):
    event = ma.fields.String(required=True, validate=ma.validate.OneOf(
        [event.value for event in StatEvent]), metadata={
        "enum": [event.value for event in StatEvent],
        "description": "What happened: tour_view and scene_view name a tour or scene, "
                       "hotspot_open a hotspot, the others a shop"})
    subject = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(
        min=1, max=MAX_SUBJECT_ID), metadata={"description": "The id of the tour, scene, "
                                                             "hotspot or shop"})

    @ma.validates("subject")
    def _no_boolean(self, value: Any, **_kwargs: Any) -> None:
        if isinstance(value, bool):
            raise ma.ValidationError("Not a valid integer.")


class BeaconSchema(ma.Schema):
    events = ma.fields.List(ma.fields.Nested(BeaconEventSchema), required=True,
                            validate=ma.validate.Length(min=1, max=MAX_EVENTS))


class StatsThrottle:
    """Counts a client's beacons in a ``limits`` storage (memory, or Redis shared by all
    processes); the counter's name is a keyed hash of the address."""

    def __init__(self, storage_uri: str, limits: str, secret: str) -> None:
        self._strategy = FixedWindowRateLimiter(
            storage_from_string(storage_uri, wrap_exceptions=True))
        self._limits: list[RateLimitItem] = parse_many(limits)
        self._secret = secret.encode()

    def allows(self, address: str) -> bool:
        key = hashlib.sha256(self._secret + b"\0stats\0" + address.encode()).hexdigest()[:32]
        # every limit counts the beacon, also after one refused it (no short cut)
        allowed = [self._strategy.hit(item, "stats-beacon", key) for item in self._limits]
        return all(allowed)


def _refuse_cross_site() -> None:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if fetch_site == "cross-site" or (
            origin is not None and (origin == "null" or not is_same_origin(origin))):
        raise Forbidden(description=_("Counts can only be sent from this site."))


def _read_body() -> Any:
    """The body parsed as JSON, whether sent as JSON or as the beacon's plain text."""
    if request.mimetype not in BODY_TYPES:
        raise UnsupportedMediaType(description=_("Send the counts as JSON."))
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(description=_("Too many counts in one request."))
    raw = request.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(description=_("Too many counts in one request."))
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested thousands of levels deep
        raise BadRequest(description=_("The counts are not valid JSON.")) from None


def _check_rate() -> None:
    throttle: StatsThrottle = current_app.extensions[THROTTLE_KEY]
    try:
        allowed = throttle.allows(client_address())
    except LimitStorageError:
        raise ServiceUnavailable(description=_(
            "Counts cannot be received right now.")) from None
    if not allowed:
        raise TooManyRequests(description=_("Too many counts from this client."))


@bp.route("/stats", methods=["POST"])
@csrf.exempt
@bp.doc(requestBody={"required": True, "content": {
    "application/json": {"schema": BeaconSchema},
    "text/plain": {"schema": BeaconSchema},
}})
@bp.response(204, description="Counted (written to the database within seconds)")
@bp.alt_response(400, response="DEFAULT_ERROR", description="The body is not JSON")
@bp.alt_response(403, response="DEFAULT_ERROR", description="Sent from another site")
@bp.alt_response(413, response="DEFAULT_ERROR", description="The body is too large")
@bp.alt_response(415, response="DEFAULT_ERROR", description="Neither JSON nor plain text")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@bp.alt_response(429, response="DEFAULT_ERROR", description="Too many beacons from this client")
def receive_counts() -> Response:
    """Count what a visitor did: ``{"events": [{"event": "scene_view", "subject": 12}, …]}``,
    1 to 50 events. Anonymous: no cookie is set, no address stored."""
    _refuse_cross_site()
    body = _read_body()
    events = _plainly_valid(body)
    if events is None:
        events = _explained(body)
    _check_rate()
    count_visits(events)
    return Response(status=204)


def _plainly_valid(body: Any) -> list[tuple[StatEvent, int]] | None:
    """The events of a beacon that follows :class:`BeaconSchema` (the viewer's always do),
    checked without the schema, which costs more than the rest of the request; None for
    anything else, which the schema then explains."""
    if type(body) is not dict or len(body) != 1:
        return None
    items = body.get("events")
    if type(items) is not list or not 1 <= len(items) <= MAX_EVENTS:
        return None
    events = []
    for item in items:
        if type(item) is not dict or len(item) != 2:
            return None
        event, subject = item.get("event"), item.get("subject")
        if event not in EVENT_NAMES or type(subject) is not int \
                or not 0 < subject <= MAX_SUBJECT_ID:
            return None
        events.append((EVENT_NAMES[event], subject))
    return events


def _explained(body: Any) -> list[tuple[StatEvent, int]]:
    """422 with the schema's messages for a body the quick check did not take."""
    try:
        beacon = BeaconSchema().load(body if isinstance(body, dict) else {"events": None})
    except ma.ValidationError as error:
        abort(422, messages={"json": error.messages})
    return [(StatEvent(item["event"]), item["subject"]) for item in beacon["events"]]


def init_app(app: Flask) -> None:
    try:
        parse_many(app.config["STATS_RATE_LIMIT"])
    except ValueError:
        raise ConfigError("STATS_RATE_LIMIT must be a rate limit such as '120 per minute', "
                          f"got {app.config['STATS_RATE_LIMIT']!r}") from None
    app.extensions[THROTTLE_KEY] = StatsThrottle(
        app.config["RATELIMIT_STORAGE_URI"], app.config["STATS_RATE_LIMIT"],
        app.config["SECRET_KEY"])
