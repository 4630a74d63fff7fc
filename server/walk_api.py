"""``/api/walk``: what the visitors' viewer reads: public tours and the scenes of the walk.

No account needed. Texts come in the visitor's language (``?lang=``, the ``lang`` cookie,
``Accept-Language``) with the city's fallback. Only public content is answered (the rule is in
``tours.walk``: published tours inside their window, and the scenes reachable from their stops);
anything else is 404, like something that does not exist. Every answer carries an ``ETag`` and
``Cache-Control: public, max-age=60`` and answers ``If-None-Match`` with 304
(``server.api_caching``).

A shop hotspot embeds the shop's card (``server.shop_presenter.shop_card``, with "open now");
the full profile is ``GET /api/shops/<slug>``, so there is no second shop endpoint here.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint

from server import renamed_slugs, walk_presenter
from server.api_caching import public_cache
from server.editor_api import ViewSchema, handle_errors
from server.extensions import db
from server.shops_api import ShopCardSchema
from tours import walk
from tours.models import HotspotKind, LinkKind, utcnow
from tours.scenes import SceneNotFound
from tours.walk_plan import tour_plan

bp = Blueprint(
    "walk_api", __name__, url_prefix="/api/walk",
    description="The public walk for the viewer: tours and scenes in the visitor's language. "
                "No account needed; answers are cached briefly and revalidated by ETag.",
)
handle_errors(bp)
cached = public_cache(bp)


# --- schemas (answers only) -----------------------------------------------------------------


class WalkImageSchema(ma.Schema):
    url = ma.fields.String(required=True)
    width = ma.fields.Integer(required=True, allow_none=True)
    height = ma.fields.Integer(required=True, allow_none=True)


class WalkSceneRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True, metadata={
        "description": "Opens the scene at /api/walk/scenes/<slug>"})
    title = ma.fields.String(required=True)


class WalkLocationSchema(ma.Schema):
    latitude = ma.fields.Float(required=True)
    longitude = ma.fields.Float(required=True)


class WalkTourSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={
        "description": "What the visitor counts name the tour by (POST /api/stats)"})
    slug = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    intro = ma.fields.String(required=True, metadata={"description": "Plain text"})
    cover = ma.fields.Nested(WalkImageSchema, required=True, allow_none=True, metadata={
        "description": "The cover scene's (else the first stop's) share image, else its "
                       "thumbnail"})
    stop_count = ma.fields.Integer(required=True)
    first_scene = ma.fields.Nested(WalkSceneRefSchema, required=True, allow_none=True)
    available_until = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "End of the tour's publication window (ISO 8601), if it has one"})


class WalkStopSceneSchema(WalkSceneRefSchema):
    location = ma.fields.Nested(WalkLocationSchema, required=True, allow_none=True)
    level = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Venue level, for indoor places"})
    thumbnail = ma.fields.Nested(WalkImageSchema, required=True, allow_none=True)


class WalkStopSchema(ma.Schema):
    position = ma.fields.Integer(required=True, metadata={
        "description": "1, 2, … among the stops visitors see"})
    scene = ma.fields.Nested(WalkStopSceneSchema, required=True)
    initial_view = ma.fields.Nested(ViewSchema, required=True, metadata={
        "description": "The stop's view, else the scene's"})
    text = ma.fields.String(required=True, metadata={"description": "Plain text"})


class WalkPlanPointSchema(WalkLocationSchema):
    position = ma.fields.Integer(required=True)
    scene = ma.fields.String(required=True, metadata={"description": "The scene's slug"})


class WalkBoundsSchema(ma.Schema):
    south = ma.fields.Float(required=True)
    west = ma.fields.Float(required=True)
    north = ma.fields.Float(required=True)
    east = ma.fields.Float(required=True)


class WalkPlanSchema(ma.Schema):
    points = ma.fields.List(ma.fields.Nested(WalkPlanPointSchema), required=True, metadata={
        "description": "The stops whose scene has a position, in order"})
    bounds = ma.fields.Nested(WalkBoundsSchema, required=True, allow_none=True)


class WalkTourSchema(WalkTourSummarySchema):
    stops = ma.fields.List(ma.fields.Nested(WalkStopSchema), required=True)
    plan = ma.fields.Nested(WalkPlanSchema, required=True)


class WalkFloorPositionSchema(ma.Schema):
    floor_plan = ma.fields.Integer(required=True, metadata={
        "description": "The id of a floor plan in floor_plans"})
    x = ma.fields.Float(required=True, metadata={
        "minimum": 0, "maximum": 1, "description": "Fraction of the drawing's width, from its "
                                                   "left edge"})
    y = ma.fields.Float(required=True, metadata={
        "minimum": 0, "maximum": 1, "description": "Fraction of the drawing's height, from its "
                                                   "top edge"})


class WalkFloorPlanSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    venue = ma.fields.String(required=True, metadata={"description": "The venue's name"})
    level = ma.fields.String(required=True, metadata={
        "description": "The level as signs show it (0, 1, -1, EG)"})
    title = ma.fields.String(required=True, metadata={
        "description": "The level's name in the visitor's language, else \"Level <level>\""})
    image = ma.fields.Nested(WalkImageSchema, required=True, metadata={
        "description": "The drawing (PNG or WebP, at most 4096 pixels on a side)"})


class WalkPlanSceneSchema(WalkSceneRefSchema):
    location = ma.fields.Nested(WalkLocationSchema, required=True, allow_none=True, metadata={
        "description": "Where the scene lies (WGS84); null for a scene placed only on a "
                       "floor plan"})
    floor = ma.fields.Nested(WalkFloorPositionSchema, required=True, allow_none=True, metadata={
        "description": "Where the scene lies on a venue's floor plan, else null"})
    north_offset = ma.fields.Float(required=True, metadata={
        "description": "Yaw at which north lies in the panorama: a view's compass heading is "
                       "yaw - north_offset"})
    stops = ma.fields.List(ma.fields.Integer(), required=True, metadata={
        "description": "The numbers (1, 2, …) of the stops showing the scene; empty for a "
                       "scene visitors walk to freely"})
    initial_view = ma.fields.Nested(ViewSchema, required=True, metadata={
        "description": "The view a jump from the plan opens: the first stop's, else the "
                       "scene's"})


class WalkPlanBackgroundSchema(ma.Schema):
    tile_url = ma.fields.String(required=True, metadata={
        "description": "XYZ (slippy map) tile URL template with {z}, {x}, {y}"})
    attribution = ma.fields.String(required=True, metadata={
        "description": "Plain text to show with the map"})
    max_zoom = ma.fields.Integer(required=True)


class WalkTourPlanSchema(ma.Schema):
    tour = ma.fields.String(required=True, metadata={"description": "The tour's slug"})
    scenes = ma.fields.List(ma.fields.Nested(WalkPlanSceneSchema), required=True, metadata={
        "description": "The placed scenes of the tour's walk (its stops and the scenes reached "
                       "from them by links): the stops first, in order, then the others by "
                       "slug. Scenes with neither a position nor a place on a floor plan are "
                       "left off; a viewer draws no map for fewer than two positions"})
    links = ma.fields.List(ma.fields.List(ma.fields.String()), required=True, metadata={
        "description": "The ways between placed scenes: pairs of scene slugs, each way once"})
    floor_plans = ma.fields.List(ma.fields.Nested(WalkFloorPlanSchema), required=True, metadata={
        "description": "The floor plans the scenes lie on, by venue and level; a viewer "
                       "draws one instead of the map while the visitor is on it"})
    background = ma.fields.Nested(WalkPlanBackgroundSchema, required=True, allow_none=True,
                                  metadata={"description": "A map to draw under the plan, when "
                                                           "the city configured one"})


class WalkLevelSchema(ma.Schema):
    z = ma.fields.Integer(required=True, metadata={"description": "Photo Sphere Viewer's level "
                                                                  "index + 1"})
    face_size = ma.fields.Integer(required=True)
    nb_tiles = ma.fields.Integer(required=True, metadata={"description": "Tiles per face side"})


class WalkTileKeysSchema(ma.Schema):
    tile = ma.fields.String(required=True, metadata={
        "description": "Below base_url, with {z}, {face} (f b l r u d), {y} (row), {x}"})
    preview = ma.fields.String(required=True, metadata={"description": "Below base_url, {face}"})


class WalkPreviewSchema(ma.Schema):
    face_size = ma.fields.Integer(required=True, allow_none=True)
    faces = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True,
                           metadata={"description": "URL of each face's preview (z = 0), by "
                                                    "face letter f b l r u d"})


class WalkPanoramaSchema(ma.Schema):
    id = ma.fields.String(required=True)
    revision = ma.fields.String(required=True, metadata={
        "description": "Immutable: its objects are cached forever"})
    base_url = ma.fields.String(required=True, metadata={
        "description": "The revision's folder on the public storage (bucket, CDN or /media)"})
    tile_size = ma.fields.Integer(required=True)
    face_size = ma.fields.Integer(required=True, metadata={"description": "Of the top level"})
    levels = ma.fields.List(ma.fields.Nested(WalkLevelSchema), required=True)
    keys = ma.fields.Nested(WalkTileKeysSchema, required=True)
    tile_url = ma.fields.String(required=True, metadata={
        "description": "base_url + keys.tile: a URL template with {z}, {face}, {y}, {x}"})
    preview = ma.fields.Nested(WalkPreviewSchema, required=True)
    sd = ma.fields.Nested(WalkImageSchema, required=True, allow_none=True, metadata={
        "description": "Equirectangular copy for slow connections"})
    thumbnail = ma.fields.Nested(WalkImageSchema, required=True, allow_none=True)


class WalkCreditSchema(ma.Schema):
    author = ma.fields.String(required=True)
    licence = ma.fields.String(required=True, metadata={"description": "SPDX id or short text"})


class WalkClosedSchema(ma.Schema):
    until = ma.fields.String(required=True, allow_none=True)
    reason = ma.fields.String(required=True)


class WalkLinkSchema(ma.Schema):
    scene = ma.fields.Nested(WalkSceneRefSchema, required=True, metadata={
        "description": "Where the link leads"})
    bearing = ma.fields.Float(required=True, metadata={
        "description": "Degrees clockwise from north"})
    yaw = ma.fields.Float(required=True, metadata={
        "description": "Where the arrow points in this panorama: north_offset + bearing, "
                       "in -180 ≤ yaw < 180"})
    kind = ma.fields.String(required=True, metadata={"enum": [kind.value for kind in LinkKind]})
    length_m = ma.fields.Float(required=True, allow_none=True)
    label = ma.fields.String(required=True)
    closed = ma.fields.Nested(WalkClosedSchema, required=True, allow_none=True, metadata={
        "description": "Set while the way is closed"})


class WalkHotspotImageSchema(WalkImageSchema):
    alt = ma.fields.String(required=True, metadata={
        "description": "Describes the picture for screen readers; empty when none was written"})
    thumb = ma.fields.Nested(WalkImageSchema, required=True, allow_none=True, metadata={
        "description": "A smaller version (at most 400 pixels on a side), for srcset"})


class WalkHotspotSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={
        "enum": [kind.value for kind in HotspotKind]})
    yaw = ma.fields.Float(required=True)
    pitch = ma.fields.Float(required=True)
    label = ma.fields.String(required=True, metadata={
        "description": "For hover and screen readers; a shop hotspot without one has the "
                       "shop's name"})
    text = ma.fields.String(required=True, metadata={"description": "Plain text"})
    url = ma.fields.String(required=True, allow_none=True)
    shop = ma.fields.Nested(ShopCardSchema, required=True, allow_none=True, metadata={
        "description": "A shop hotspot's card; the profile is /api/shops/<slug>"})
    image = ma.fields.Nested(WalkHotspotImageSchema, required=True, allow_none=True, metadata={
        "description": "An info hotspot's picture (its large version, at most 1600 pixels on "
                       "a side), else null"})
    valid_until = ma.fields.String(required=True, allow_none=True)


class WalkSceneSchema(WalkSceneRefSchema):
    description = ma.fields.String(required=True, metadata={"description": "Plain text"})
    panorama = ma.fields.Nested(WalkPanoramaSchema, required=True)
    credit = ma.fields.Nested(WalkCreditSchema, required=True)
    location = ma.fields.Nested(WalkLocationSchema, required=True, allow_none=True)
    level = ma.fields.String(required=True, allow_none=True)
    north_offset = ma.fields.Float(required=True, metadata={
        "description": "Yaw at which north lies in the panorama"})
    initial_view = ma.fields.Nested(ViewSchema, required=True)
    share_image = ma.fields.Nested(WalkImageSchema, required=True, allow_none=True)
    links = ma.fields.List(ma.fields.Nested(WalkLinkSchema), required=True, metadata={
        "description": "To public scenes only, clockwise from north"})
    hotspots = ma.fields.List(ma.fields.Nested(WalkHotspotSchema), required=True, metadata={
        "description": "Those valid now"})


# --- endpoints ------------------------------------------------------------------------------


RENAMED = ("Moved: the slug is a former one of a public tour; Location is this address under "
           "the tour's current slug")
RENAMED_SCENE = ("Moved: the slug is a former one of a public scene; Location is this address "
                 "under the scene's current slug")


@bp.route("/tours", methods=["GET"])
@cached
@bp.response(200, WalkTourSummarySchema(many=True))
def list_tours() -> list[dict[str, Any]]:
    """The tours visitors may take now, oldest first."""
    return [walk_presenter.tour_summary(tour) for tour in walk.public_tours(db.session, utcnow())]


@bp.route("/tours/<tour_slug>", methods=["GET"])
@cached
@bp.response(200, WalkTourSchema)
@bp.alt_response(301, description=RENAMED)
@bp.alt_response(404, response="NOT_FOUND")
def get_tour(tour_slug: str) -> dict[str, Any]:
    """A public tour with its stops in order, and their places for a map. A former slug of
    the tour redirects (301) to its current one."""
    return walk_presenter.tour_detail(renamed_slugs.public_tour(tour_slug, "tour_slug"))


@bp.route("/tours/<tour_slug>/plan", methods=["GET"])
@cached
@bp.response(200, WalkTourPlanSchema)
@bp.alt_response(301, description=RENAMED)
@bp.alt_response(404, response="NOT_FOUND")
def get_tour_plan(tour_slug: str) -> dict[str, Any]:
    """The plan of a public tour's walk: where its scenes lie, its stops and the ways between
    them, and the map tiles to draw under them if the city set a tile server."""
    tour = renamed_slugs.public_tour(tour_slug, "tour_slug")
    config = current_app.config
    background = {"tile_url": config["PLAN_TILE_URL"],
                  "attribution": config["PLAN_TILE_ATTRIBUTION"],
                  "max_zoom": config["PLAN_TILE_MAX_ZOOM"]} if config["PLAN_TILE_URL"] else None
    return walk_presenter.tour_plan_view(tour, tour_plan(db.session, tour), background)


@bp.route("/scenes/<scene_slug>", methods=["GET"])
@cached
@bp.response(200, WalkSceneSchema)
@bp.alt_response(301, description=RENAMED_SCENE)
@bp.alt_response(404, response="NOT_FOUND")
def get_scene(scene_slug: str) -> dict[str, Any]:
    """A public scene: its tiles, its links to public scenes and the hotspots valid now."""
    now = utcnow()
    scene, visible = renamed_slugs.public_scene(scene_slug, "scene_slug")
    links = walk.shown_links(scene, visible)
    hotspots = walk.shown_hotspots(db.session, scene, now)
    try:
        return walk_presenter.scene_node(scene, links, hotspots, now)
    except walk_presenter.UnshowablePanorama as exc:
        # the tiler wrote something else than the tile contract: visitors see no such scene
        current_app.logger.error("scene %s cannot be shown: %s", scene.slug, exc)
        raise SceneNotFound() from exc
