"""``/api/tours`` and ``/api/stops``: editors curate tours, ordered walks through scenes.

Editors and admins only (a personal token, or a signed-in session with ``X-CSRFToken`` on
changes). Every change of a stop bumps its tour's version.

The tour and its stops as stored here are the draft; visitors see the copy taken when the tour
was last published (``POST /api/tours/<id>/publish``, or a change of ``status`` to
``published``), until it is published again. ``unpublished_changes`` says whether the draft
differs from that copy.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint

from server.editor_api import (
    IF_MATCH,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    VersionQuerySchema,
    ViewSchema,
    editor_endpoint,
    etag,
    expected_version,
    handle_errors,
    page_bounds,
    translated,
    version_field,
)
from server.extensions import db
from tours import tour_service
from tours.models import Stop, Tour, TourStatus
from tours.tour_publishing import has_unpublished_changes

bp = Blueprint(
    "tours_api", __name__, url_prefix="/api",
    description="Tours (curated, ordered walks) and their stops. Editors only.",
)
handle_errors(bp)
editors_only = editor_endpoint(bp)


class TourSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    title = translated("Name of the tour", required=True)
    intro = translated("Plain text shown before the first stop", required=True)
    cover_scene_id = ma.fields.Integer(required=True, allow_none=True)
    status = ma.fields.Enum(TourStatus, by_value=True, required=True)
    publish_from = ma.fields.AwareDateTime(required=True, allow_none=True)
    publish_until = ma.fields.AwareDateTime(required=True, allow_none=True)
    published_at = ma.fields.AwareDateTime(required=True, allow_none=True, metadata={
        "description": "When the copy visitors see was taken; null = never published"})
    unpublished_changes = ma.fields.Function(
        has_unpublished_changes, required=True, metadata={
            "type": "boolean",
            "description": "The tour or its stops differ from the published copy"})
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class TourChangesSchema(ma.Schema):
    slug = ma.fields.String(metadata={"description": "3–80 of a–z, 0–9 and -"})
    title = translated("Name of the tour")
    intro = translated("Plain text shown before the first stop")
    cover_scene_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.Enum(TourStatus, by_value=True)
    publish_from = ma.fields.AwareDateTime(allow_none=True)
    publish_until = ma.fields.AwareDateTime(allow_none=True)
    version = version_field()


class NewTourSchema(TourChangesSchema):
    class Meta:
        exclude = ("version",)

    slug = ma.fields.String(required=True, metadata={"description": "3–80 of a–z, 0–9 and -"})
    title = translated("Name of the tour", required=True)


class TourQuerySchema(ma.Schema):
    status = ma.fields.Enum(TourStatus, by_value=True)


class StopSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    tour_id = ma.fields.Integer(required=True)
    position = ma.fields.Integer(required=True, metadata={"description": "1 = first stop"})
    scene_id = ma.fields.Integer(required=True)
    initial_view = ma.fields.Nested(ViewSchema, required=True, allow_none=True, metadata={
        "description": "The view at this stop; null = the scene's initial view"})
    text = translated("Plain text told at this stop", required=True)


class StopChangesSchema(ma.Schema):
    scene_id = ma.fields.Integer()
    initial_view = ma.fields.Nested(ViewSchema, allow_none=True, metadata={
        "description": "null = the scene's initial view"})
    text = translated("Plain text told at this stop")


class NewStopSchema(StopChangesSchema):
    scene_id = ma.fields.Integer(required=True)
    position = ma.fields.Integer(metadata={
        "minimum": 1, "description": "Where to insert it (1 = first); default: at the end"})


class DraftStopSchema(StopChangesSchema):
    id = ma.fields.Integer(allow_none=True, metadata={
        "description": "A stop of the tour kept; null or missing = a new stop"})
    scene_id = ma.fields.Integer(required=True)


class TourDraftChangesSchema(TourChangesSchema):
    class Meta:
        exclude = ("status",)

    stops = ma.fields.List(ma.fields.Nested(DraftStopSchema), required=True, metadata={
        "description": "Every stop of the draft in order; stops of the tour left out are "
                       "removed"})


class TourDraftSchema(ma.Schema):
    tour = ma.fields.Nested(TourSchema, required=True)
    stops = ma.fields.List(ma.fields.Nested(StopSchema), required=True)


class PublicationSchema(ma.Schema):
    version = version_field()


class StopOrderSchema(ma.Schema):
    stop_ids = ma.fields.List(ma.fields.Integer(), required=True, metadata={
        "description": "Every stop of the tour, each once, in the new order"})
    version = version_field()


@bp.route("/tours", methods=["GET"])
@editors_only
@bp.arguments(TourQuerySchema, location="query")
@bp.response(200, TourSchema(many=True))
@bp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_tours(query: dict[str, Any], pagination_parameters: Any) -> list[Tour]:
    """All tours (or those with ``status``), oldest first, a page at a time."""
    page, total = tour_service.list_tours(db.session, status=query.get("status"),
                                          **page_bounds(pagination_parameters))
    pagination_parameters.item_count = total
    return page


@bp.route("/tours", methods=["POST"])
@editors_only
@bp.arguments(NewTourSchema)
@bp.response(201, TourSchema)
@bp.alt_response(409, response="CONFLICT")
def create_tour(data: dict[str, Any]) -> tuple[Tour, dict[str, str]]:
    """Create a tour (a draft unless ``status`` says otherwise)."""
    tour = tour_service.create_tour(db.session, data)  # type: ignore[arg-type]
    db.session.commit()
    return tour, etag(tour.version)


@bp.route("/tours/<int:tour_id>", methods=["GET"])
@editors_only
@bp.response(200, TourSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_tour(tour_id: int) -> tuple[Tour, dict[str, str]]:
    """One tour (its stops are at ``/api/tours/<id>/stops``)."""
    tour = tour_service.get_tour(db.session, tour_id)
    return tour, etag(tour.version)


@bp.route("/tours/<int:tour_id>", methods=["PATCH"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(TourChangesSchema)
@bp.response(200, TourSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def update_tour(data: dict[str, Any], tour_id: int) -> tuple[Tour, dict[str, str]]:
    """Change the fields given; the others stay as they are."""
    version = expected_version(data.pop("version", None))
    tour = tour_service.update_tour(db.session, tour_id, data,  # type: ignore[arg-type]
                                    expected_version=version)
    db.session.commit()
    return tour, etag(tour.version)


@bp.route("/tours/<int:tour_id>", methods=["DELETE"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(VersionQuerySchema, location="query")
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def delete_tour(query: dict[str, Any], tour_id: int) -> None:
    """Delete a tour and its stops (the scenes stay)."""
    tour_service.delete_tour(db.session, tour_id,
                             expected_version=expected_version(query.get("version")))
    db.session.commit()


@bp.route("/tours/<int:tour_id>/draft", methods=["PUT"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(TourDraftChangesSchema)
@bp.response(200, TourDraftSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def save_draft(data: dict[str, Any], tour_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """Save the whole draft at once: the fields given and the complete list of stops in
    order (the editor's Save). Visitors keep seeing the published copy."""
    version = expected_version(data.pop("version", None))
    stops = data.pop("stops")
    tour = tour_service.save_draft(db.session, tour_id, data, stops,  # type: ignore[arg-type]
                                   expected_version=version)
    db.session.commit()
    return ({"tour": tour, "stops": tour_service.list_stops(db.session, tour.id)},
            etag(tour.version))


@bp.route("/tours/<int:tour_id>/publish", methods=["POST"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(PublicationSchema)
@bp.response(200, TourSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def publish_tour(data: dict[str, Any], tour_id: int) -> tuple[Tour, dict[str, str]]:
    """Publish the tour as it is now: visitors see this copy (within the publication window)
    until it is published again."""
    tour = tour_service.publish_tour(db.session, tour_id,
                                     expected_version=expected_version(data.get("version")))
    db.session.commit()
    return tour, etag(tour.version)


@bp.route("/tours/<int:tour_id>/withdraw", methods=["POST"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(PublicationSchema)
@bp.response(200, TourSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def withdraw_tour(data: dict[str, Any], tour_id: int) -> tuple[Tour, dict[str, str]]:
    """Take the tour away from visitors (it is archived; publishing brings it back)."""
    tour = tour_service.withdraw_tour(db.session, tour_id,
                                      expected_version=expected_version(data.get("version")))
    db.session.commit()
    return tour, etag(tour.version)


@bp.route("/tours/<int:tour_id>/stops", methods=["GET"])
@editors_only
@bp.response(200, StopSchema(many=True))
@bp.alt_response(404, response="NOT_FOUND")
def list_stops(tour_id: int) -> list[Stop]:
    """The tour's stops, in order."""
    return tour_service.list_stops(db.session, tour_id)


@bp.route("/tours/<int:tour_id>/stops", methods=["POST"])
@editors_only
@bp.arguments(NewStopSchema)
@bp.response(201, StopSchema)
@bp.alt_response(404, response="NOT_FOUND")
def create_stop(data: dict[str, Any], tour_id: int) -> Stop:
    """Add a stop, at the end or at ``position`` (later stops move one place on)."""
    stop = tour_service.add_stop(db.session, tour_id, data)  # type: ignore[arg-type]
    db.session.commit()
    return stop


@bp.route("/tours/<int:tour_id>/stops/order", methods=["PUT"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(StopOrderSchema)
@bp.response(200, StopSchema(many=True))
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def reorder_stops(data: dict[str, Any], tour_id: int) -> list[Stop]:
    """Put the stops in the order given, all at once. The list must name every stop of the
    tour exactly once; a list made from an outdated copy is refused with 409."""
    ordered = tour_service.reorder_stops(
        db.session, tour_id, data["stop_ids"],
        expected_version=expected_version(data.get("version")))
    db.session.commit()
    return ordered


@bp.route("/stops/<int:stop_id>", methods=["PATCH"])
@editors_only
@bp.arguments(StopChangesSchema)
@bp.response(200, StopSchema)
@bp.alt_response(404, response="NOT_FOUND")
def update_stop(data: dict[str, Any], stop_id: int) -> Stop:
    """Change a stop's scene, view or text (its place changes through the order endpoint)."""
    stop = tour_service.update_stop(db.session, stop_id, data)  # type: ignore[arg-type]
    db.session.commit()
    return stop


@bp.route("/stops/<int:stop_id>", methods=["DELETE"])
@editors_only
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
def delete_stop(stop_id: int) -> None:
    """Remove a stop; the stops after it move one place up."""
    tour_service.remove_stop(db.session, stop_id)
    db.session.commit()
