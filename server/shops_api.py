"""``/api/shops``: the public shop directory, and ``/api/manage/…``: keeping shops current.

Visitors search published shops (``GET /api/shops``) and read one (``GET /api/shops/<slug>``),
localised to their language, with "open now" computed in each shop's time zone.

Shop owners and editors keep profiles under ``/api/manage/shops``: an owner sees and changes
only the shops they own, editors every shop. Owners submit a draft for publication; editors
decide the moderation queue at ``/api/manage/changes``.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint

from server import shop_directory, shop_presenter
from server.api_caching import public_cache
from server.city_settings import city
from server.editor_api import (
    IF_MATCH,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    VersionQuerySchema,
    account_endpoint,
    etag,
    expected_version,
    handle_errors,
    page_bounds,
    translated,
    version_field,
)
from server.extensions import db
from server.security import current_account
from tours import shops
from tours.models import (
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    Role,
    Shop,
    ShopStatus,
    Wheelchair,
    utcnow,
)

bp = Blueprint(
    "shops_api", __name__, url_prefix="/api",
    description="Shops: the public directory, and profiles kept by their owners and editors.",
)
handle_errors(bp)
owners_and_editors = account_endpoint(bp, Role.EDITOR, Role.SHOP_OWNER)
editors_only = account_endpoint(bp, Role.EDITOR)
#: the public directory: ETag, a short Cache-Control and 304 for a current copy
cached = public_cache(bp)



# --- schemas --------------------------------------------------------------------------------


class CategorySchema(ma.Schema):
    key = ma.fields.String(required=True)
    label = ma.fields.String(required=True, metadata={"description": "In the visitor's language"})
    osm_tag = ma.fields.String(required=True, metadata={"description": "e.g. shop=bakery"})
    schema_type = ma.fields.String(required=True, metadata={"description": "schema.org type"})


class OpeningSchema(ma.Schema):
    known = ma.fields.Boolean(required=True, metadata={
        "description": "False when the shop has entered no opening hours"})
    is_open = ma.fields.Boolean(required=True)
    closes_at = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "When open: when it closes (ISO 8601, shop's time zone); null = open "
                       "around the clock"})
    opens_at = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "When closed: when it opens next; null = not within a year"})
    summary = ma.fields.String(required=True, metadata={
        "description": "A sentence for people, such as “Open · closes at 18:00”"})


class ShopCardSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={
        "description": "What visitor counts and routes name the shop by"})
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    category = ma.fields.Nested(CategorySchema, required=True)
    short_description = ma.fields.String(required=True)
    opening = ma.fields.Nested(OpeningSchema, required=True)
    wheelchair = ma.fields.String(required=True)
    step_free_entrance = ma.fields.Boolean(required=True, allow_none=True)
    location = ma.fields.Dict(required=True, allow_none=True)
    logo = ma.fields.Dict(required=True, allow_none=True, metadata={
        "description": "The logo's web versions: {large: {url, width, height}, thumb: …}"})
    website = ma.fields.String(required=True, allow_none=True)
    online_shop_url = ma.fields.String(required=True, allow_none=True)
    phone = ma.fields.String(required=True, allow_none=True)
    whatsapp = ma.fields.String(required=True, allow_none=True)
    offers = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "Offers and events valid now"})
    profile_url = ma.fields.String(required=True)


class ShopProfileSchema(ShopCardSchema):
    description_html = ma.fields.String(required=True, metadata={
        "description": "Sanitised HTML (paragraphs, emphasis, lists, links)"})
    address = ma.fields.Dict(required=True)
    venue = ma.fields.String(required=True)
    level = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    email = ma.fields.String(required=True, allow_none=True)
    social_links = ma.fields.List(ma.fields.String(), required=True)
    payment_methods = ma.fields.List(ma.fields.Dict(), required=True)
    time_zone = ma.fields.String(required=True)
    opening_hours = ma.fields.Dict(required=True)
    opening_hours_osm = ma.fields.String(required=True, allow_none=True)
    photos = ma.fields.List(ma.fields.Dict(), required=True)
    last_confirmed_at = ma.fields.String(required=True, allow_none=True)


class DirectoryQuerySchema(ma.Schema):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=200), metadata={
        "description": "Words of the name or description, in any language; accents and case "
                       "do not matter"})
    category = ma.fields.String(load_default=None, validate=ma.validate.Length(max=40))
    open_now = ma.fields.Boolean(load_default=False)
    step_free = ma.fields.Boolean(load_default=False, metadata={
        "description": "Only shops with a step-free entrance"})


class AddressFields(ma.Schema):
    street = ma.fields.String()
    house_number = ma.fields.String()
    postal_code = ma.fields.String()
    locality = ma.fields.String()
    country = ma.fields.String(metadata={"description": "ISO 3166-1 alpha-2, e.g. DE"})


class ShopChangesSchema(AddressFields):
    slug = ma.fields.String(metadata={"description": "Editors only"})
    name = translated("The shop's name")
    category = ma.fields.String(metadata={"description": "A key of /api/shop-categories"})
    short_description = translated("Plain text, at most 280 characters")
    description = translated("Limited HTML (p, br, strong, em, ul, ol, li, a); sanitised")
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    venue = ma.fields.String(metadata={"description": "The market hall or mall it is in"})
    level = ma.fields.String()
    unit = ma.fields.String(metadata={"description": "Unit or stall number"})
    phone = ma.fields.String(allow_none=True, metadata={
        "description": "Stored as E.164; a national number needs the shop's country"})
    email = ma.fields.String(allow_none=True)
    whatsapp = ma.fields.String(allow_none=True)
    website = ma.fields.String(allow_none=True, metadata={
        "description": "Absolute http(s). On a public shop, an owner's change waits for an "
                       "editor"})
    online_shop_url = ma.fields.String(allow_none=True, metadata={
        "description": "Absolute http(s). On a public shop, an owner's change waits for an "
                       "editor"})
    social_links = ma.fields.List(ma.fields.String())
    payment_methods = ma.fields.List(ma.fields.String(), metadata={
        "description": "Keys: " + ", ".join(shops.PAYMENT_METHODS)})
    wheelchair = ma.fields.Enum(Wheelchair, by_value=True)
    step_free_entrance = ma.fields.Boolean(allow_none=True)
    time_zone = ma.fields.String(metadata={"description": "IANA name, e.g. Europe/Berlin"})
    opening_hours = ma.fields.Dict(metadata={
        "description": "Weekly and special hours; see docs/opening-hours.md"})
    status = ma.fields.Enum(ShopStatus, by_value=True, metadata={"description": "Editors only"})
    version = version_field()


class NewShopSchema(ShopChangesSchema):
    class Meta:
        exclude = ("version",)

    slug = ma.fields.String(required=True)
    name = translated("The shop's name", required=True)
    category = ma.fields.String(required=True)


class PendingLinksSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    changes = ma.fields.Dict(required=True, metadata={
        "description": "{field: {old, new}} waiting for an editor"})


class ShopSchema(ma.Schema):
    """A shop as stored: every language of every text, for the people who keep it."""

    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    name = translated("The shop's name", required=True)
    category = ma.fields.String(required=True, attribute="category_key")
    short_description = translated("Plain text", required=True)
    description = translated("Sanitised HTML", required=True)
    street = ma.fields.String(required=True)
    house_number = ma.fields.String(required=True)
    postal_code = ma.fields.String(required=True)
    locality = ma.fields.String(required=True)
    country = ma.fields.String(required=True)
    latitude = ma.fields.Float(required=True, allow_none=True)
    longitude = ma.fields.Float(required=True, allow_none=True)
    venue = ma.fields.String(required=True)
    level = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    phone = ma.fields.String(required=True, allow_none=True)
    email = ma.fields.String(required=True, allow_none=True)
    whatsapp = ma.fields.String(required=True, allow_none=True)
    website = ma.fields.String(required=True, allow_none=True)
    online_shop_url = ma.fields.String(required=True, allow_none=True)
    social_links = ma.fields.List(ma.fields.String(), required=True)
    payment_methods = ma.fields.List(ma.fields.String(), required=True)
    wheelchair = ma.fields.Enum(Wheelchair, by_value=True, required=True)
    step_free_entrance = ma.fields.Boolean(required=True, allow_none=True)
    time_zone = ma.fields.String(required=True)
    opening_hours = ma.fields.Dict(required=True)
    status = ma.fields.Enum(ShopStatus, by_value=True, required=True)
    owner_ids = ma.fields.Method("get_owner_ids", required=True,
                                 metadata={"type": "array", "items": {"type": "integer"}})
    pending_links = ma.fields.Method("get_pending_links", allow_none=True, metadata={
        "type": "object", "description": "New web addresses waiting for an editor, if any"})
    last_confirmed_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    published_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)

    def get_owner_ids(self, shop: Shop) -> list[int]:
        return [owner.id for owner in shop.owners]

    def get_pending_links(self, shop: Shop) -> dict[str, Any] | None:
        change = shops.pending_link_change(db.session, shop)
        return {"id": change.id, "changes": change.changes} if change else None


class OwnersSchema(ma.Schema):
    owner_ids = ma.fields.List(ma.fields.Integer(), required=True, metadata={
        "description": "Accounts (role shop_owner) who keep the shop; [] = the city keeps it"})


class ChangeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    shop_id = ma.fields.Integer(required=True)
    shop_slug = ma.fields.String(required=True, attribute="shop.slug")
    kind = ma.fields.Enum(ChangeKind, by_value=True, required=True)
    status = ma.fields.Enum(ChangeStatus, by_value=True, required=True)
    changes = ma.fields.Dict(required=True, metadata={
        "description": "The diff: {field: {old, new}}"})
    comment = ma.fields.String(required=True)
    requested_by_id = ma.fields.Integer(required=True, allow_none=True)
    decided_by_id = ma.fields.Integer(required=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    decided_at = ma.fields.AwareDateTime(required=True, allow_none=True)


class ChangeQuerySchema(ma.Schema):
    status = ma.fields.Enum(ChangeStatus, by_value=True, load_default=ChangeStatus.PENDING)


class DecisionSchema(ma.Schema):
    approve = ma.fields.Boolean(required=True)
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class ManagedShopQuerySchema(ma.Schema):
    status = ma.fields.Enum(ShopStatus, by_value=True, load_default=None)


# --- the public directory -------------------------------------------------------------------


@bp.route("/shop-categories", methods=["GET"])
@cached
@bp.response(200, CategorySchema(many=True))
def list_categories() -> list[dict[str, str]]:
    """The city's shop categories, in its order, labelled in the visitor's language."""
    return [shop_presenter.category_view(category)
            for category in shops.list_categories(db.session)]


@bp.route("/shops", methods=["GET"])
@cached
@bp.arguments(DirectoryQuerySchema, location="query")
@bp.response(200, ShopCardSchema(many=True))
@bp.paginate(page_size=20, max_page_size=100)
def search_shops(query: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
    """Published shops matching every word of ``q`` (and the filters), by name."""
    page, total = directory_page(query, **page_bounds(pagination_parameters))
    pagination_parameters.item_count = total
    return page


def directory_page(query: dict[str, Any], *, offset: int, limit: int
                   ) -> tuple[list[dict[str, Any]], int]:
    """One page of the directory as cards, and how many shops match (the search is
    :func:`server.shop_directory.find_shops`, shared with the ``/shops`` page)."""
    now = utcnow()
    found, total = shop_directory.find_shops(query, offset=offset, limit=limit, now=now)
    return [shop_presenter.shop_card(shop, now) for shop in found], total


@bp.route("/shops/<slug>", methods=["GET"])
@cached
@bp.response(200, ShopProfileSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_public_shop(slug: str) -> dict[str, Any]:
    """A published shop's profile, localised."""
    return shop_presenter.shop_profile(shops.published_shop(db.session, slug))


# --- keeping shops --------------------------------------------------------------------------


@bp.route("/manage/shops", methods=["GET"])
@owners_and_editors
@bp.arguments(ManagedShopQuerySchema, location="query")
@bp.response(200, ShopSchema(many=True))
@bp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_managed_shops(query: dict[str, Any], pagination_parameters: Any) -> list[Shop]:
    """The shops the account keeps (editors: every shop), by slug."""
    page, total = shops.shops_of(db.session, current_account(), status=query.get("status"),
                                 **page_bounds(pagination_parameters))
    pagination_parameters.item_count = total
    return page


@bp.route("/manage/shops", methods=["POST"])
@owners_and_editors
@bp.arguments(NewShopSchema)
@bp.response(201, ShopSchema)
@bp.alt_response(409, response="CONFLICT")
def create_shop(data: dict[str, Any]) -> tuple[Shop, dict[str, str]]:
    """Create a shop as a draft. A shop owner who creates one owns it."""

    shop = shops.create_shop(db.session, current_account(), data,  # type: ignore[arg-type]
                             default_time_zone=city().time_zone)
    db.session.commit()
    return shop, etag(shop.version)


@bp.route("/manage/shops/<int:shop_id>", methods=["GET"])
@owners_and_editors
@bp.response(200, ShopSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_managed_shop(shop_id: int) -> tuple[Shop, dict[str, str]]:
    """A shop as stored (every language)."""
    shop = shops.shop_for(db.session, current_account(), shop_id)
    return shop, etag(shop.version)


@bp.route("/manage/shops/<int:shop_id>", methods=["PATCH"])
@owners_and_editors
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(ShopChangesSchema)
@bp.response(200, ShopSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def update_shop(data: dict[str, Any], shop_id: int) -> tuple[Shop, dict[str, str]]:
    """Change the fields given. An owner's new website or online-shop address for a public
    shop waits for an editor (``pending_links``); the rest applies at once."""
    version = expected_version(data.pop("version", None))
    shop = shops.update_shop(db.session, current_account(), shop_id,
                             data, expected_version=version)  # type: ignore[arg-type]
    db.session.commit()
    return shop, etag(shop.version)


@bp.route("/manage/shops/<int:shop_id>", methods=["DELETE"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(VersionQuerySchema, location="query")
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def delete_shop(query: dict[str, Any], shop_id: int) -> None:
    """Delete a shop for good, with its images, offers and hotspots (editors only; closing it
    keeps the record)."""
    shops.delete_shop(db.session, current_account(), shop_id,
                      expected_version=expected_version(query.get("version")))
    db.session.commit()


@bp.route("/manage/shops/<int:shop_id>/submit", methods=["POST"])
@owners_and_editors
@bp.response(201, ChangeSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def submit_shop(shop_id: int) -> ChangeRequest:
    """Ask the editors to publish this draft."""
    change = shops.submit_for_review(db.session, current_account(), shop_id)
    db.session.commit()
    return change


@bp.route("/manage/shops/<int:shop_id>/confirm", methods=["POST"])
@owners_and_editors
@bp.response(200, ShopSchema)
@bp.alt_response(404, response="NOT_FOUND")
def confirm_shop(shop_id: int) -> tuple[Shop, dict[str, str]]:
    """Confirm that the profile is current (sets ``last_confirmed_at``)."""
    shop = shops.confirm_current(db.session, current_account(), shop_id)
    db.session.commit()
    return shop, etag(shop.version)


@bp.route("/manage/shops/<int:shop_id>/owners", methods=["PUT"])
@editors_only
@bp.arguments(OwnersSchema)
@bp.response(200, ShopSchema)
@bp.alt_response(404, response="NOT_FOUND")
def set_shop_owners(data: dict[str, Any], shop_id: int) -> tuple[Shop, dict[str, str]]:
    """Hand the shop to other owners (editors and admins)."""
    shop = shops.set_owners(db.session, current_account(), shop_id, data["owner_ids"])
    db.session.commit()
    return shop, etag(shop.version)


# --- moderation -----------------------------------------------------------------------------


@bp.route("/manage/changes", methods=["GET"])
@owners_and_editors
@bp.arguments(ChangeQuerySchema, location="query")
@bp.response(200, ChangeSchema(many=True))
@bp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_changes(query: dict[str, Any], pagination_parameters: Any) -> list[ChangeRequest]:
    """Editors: the moderation queue, oldest first. Owners: their shops' requests."""
    account = current_account()
    shop_ids = None
    if not shops.is_editor(account):
        shop_ids = [shop.id for shop in shops.shops_of(db.session, account, limit=10_000)[0]]
    page, total = shops.list_changes(db.session, status=query["status"], shop_ids=shop_ids,
                                     **page_bounds(pagination_parameters))
    pagination_parameters.item_count = total
    return page


@bp.route("/manage/changes/<int:change_id>/decision", methods=["POST"])
@editors_only
@bp.arguments(DecisionSchema)
@bp.response(200, ChangeSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def decide_change(data: dict[str, Any], change_id: int) -> ChangeRequest:
    """Approve or reject a change request, with a comment the owner sees."""
    change = shops.decide(db.session, current_account(), change_id, approve=data["approve"],
                          comment=data["comment"])
    db.session.commit()
    return change
