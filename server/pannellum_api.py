"""``GET /api/tours/<id>/pannellum``: a tour's walk as a Pannellum tour configuration.

Editors only, like the tour archive: it is a way to move a walk into another viewer, built by
:mod:`server.pannellum_export` from what visitors are shown.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, jsonify
from flask_babel import gettext as _
from flask_smorest import Blueprint

from server.api_setup import error_response
from server.city_settings import city
from server.editor_api import editor_endpoint, handle_errors
from server.extensions import db
from server.pannellum_export import pannellum_config
from tours import tour_service
from tours.i18n import LANGUAGES
from tours.models import utcnow

bp = Blueprint("pannellum_api", __name__, url_prefix="/api",
               description="A tour as a Pannellum configuration. Editors only.")
handle_errors(bp)
editors_only = editor_endpoint(bp)


class PannellumQuerySchema(ma.Schema):
    lang = ma.fields.String(load_default=None, validate=ma.validate.OneOf(LANGUAGES), metadata={
        "description": "Language of the titles and texts; the city's default language "
                       "without it"})


class PannellumConfigSchema(ma.Schema):
    default = ma.fields.Dict(required=True, metadata={
        "description": "Pannellum's defaults: firstScene, sceneFadeDuration, autoLoad"})
    scenes = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(), required=True,
                            metadata={"description": "Scenes by slug, each an equirectangular "
                                                     "scene with its scene and info hotSpots"})


@bp.route("/tours/<int:tour_id>/pannellum", methods=["GET"])
@editors_only
@bp.arguments(PannellumQuerySchema, location="query")
@bp.response(200, PannellumConfigSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="DEFAULT_ERROR",
                 description="No scene of the tour can be shown yet")
def pannellum(query: dict[str, Any], tour_id: int) -> Response:
    """The walk from this tour's stops as editors have them now (its scenes, links and shown
    hotspots) as a Pannellum tour configuration; save it as JSON and hand it to
    ``pannellum.viewer``."""
    tour = tour_service.get_tour(db.session, tour_id)
    default = city().default_language
    try:
        config = pannellum_config(db.session, tour, lang=query["lang"] or default,
                                  default_language=default, now=utcnow())
    except ValueError:
        return error_response(409, _("No scene of this tour can be shown yet, so there is "
                                     "nothing to export. Try again once its panoramas are "
                                     "ready."))
    response = jsonify(config)
    response.headers["Content-Disposition"] = \
        f'attachment; filename="pannellum-{tour.slug}.json"'
    return response
