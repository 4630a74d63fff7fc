"""``/api/manage/shops/<id>/images`` and ``…/offers``: a shop's logo, photos, offers and events.

An upload is checked before anything is stored: the account must keep the shop (and the shop
have room for another photo), then it is checked, re-encoded and stored under ``shops/`` like
every uploaded picture (``server.image_uploads``). Objects are written before the row that
points at them is committed, and deleted only after the row is gone.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from flask_smorest.fields import Upload

from media_tools.web_images import WebImage
from server import image_uploads, shop_presenter
from server.editor_api import (
    IF_MATCH,
    account_endpoint,
    etag,
    expected_version,
    handle_errors,
    translated,
    version_field,
)
from server.extensions import db
from server.image_uploads import UploadRefused, accept_upload, delete_objects
from server.security import current_account
from tours import shop_media
from tours.models import ImageKind, Offer, OfferKind, Role, ShopImage

bp = Blueprint(
    "shop_media_api", __name__, url_prefix="/api/manage",
    description="A shop's logo, photos, offers and events. Its owners and editors.",
)
handle_errors(bp)
owners_and_editors = account_endpoint(bp, Role.EDITOR, Role.SHOP_OWNER)

#: where shop pictures are stored (``shops/originals/…``, ``shops/images/…``)
SHOP_IMAGE_AREA = "shops"


class ImageFileSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "A JPEG, PNG or WebP image"})


class ImageFormSchema(ma.Schema):
    kind = ma.fields.Enum(ImageKind, by_value=True, required=True, metadata={
        "description": "logo (replaces the current one) or photo (at most 20)"})
    alt_de = ma.fields.String(load_default="")
    alt_en = ma.fields.String(load_default="")
    alt_es = ma.fields.String(load_default="")
    alt_fr = ma.fields.String(load_default="")


class ImageVariantSchema(ma.Schema):
    url = ma.fields.String(required=True)
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)


class ImageSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.Enum(ImageKind, by_value=True, required=True)
    position = ma.fields.Integer(required=True)
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)
    alt_text = translated("Describes the picture for screen readers", required=True)
    large = ma.fields.Method("get_large", required=True, metadata={"type": "object"})
    thumb = ma.fields.Method("get_thumb", required=True, metadata={"type": "object"})

    def get_large(self, image: ShopImage) -> dict[str, Any]:
        return shop_presenter.image_view(image)["large"]

    def get_thumb(self, image: ShopImage) -> dict[str, Any]:
        return shop_presenter.image_view(image)["thumb"]


class AltTextSchema(ma.Schema):
    alt_text = translated("Describes the picture for screen readers", required=True)


class PhotoOrderSchema(ma.Schema):
    image_ids = ma.fields.List(ma.fields.Integer(), required=True, metadata={
        "description": "Every photo of the shop, each once, in the new order"})


class OfferSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    shop_id = ma.fields.Integer(required=True)
    kind = ma.fields.Enum(OfferKind, by_value=True, required=True)
    title = translated("Short title", required=True)
    text = translated("Plain text", required=True)
    image_id = ma.fields.Integer(required=True, allow_none=True)
    valid_from = ma.fields.AwareDateTime(required=True)
    valid_until = ma.fields.AwareDateTime(required=True)
    version = ma.fields.Integer(required=True)


class OfferChangesSchema(ma.Schema):
    kind = ma.fields.Enum(OfferKind, by_value=True)
    title = translated("Short title")
    text = translated("Plain text")
    image_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "One of the shop's own images"})
    valid_from = ma.fields.AwareDateTime()
    valid_until = ma.fields.AwareDateTime(metadata={
        "description": "Visitors see the offer until then; it disappears by itself"})
    version = version_field()


class NewOfferSchema(OfferChangesSchema):
    class Meta:
        exclude = ("version",)

    kind = ma.fields.Enum(OfferKind, by_value=True, required=True)
    title = translated("Short title", required=True)
    valid_from = ma.fields.AwareDateTime(required=True)
    valid_until = ma.fields.AwareDateTime(required=True)


# --- images ---------------------------------------------------------------------------------


def store_image(prepared: WebImage, upload: bytes) -> shop_media.StoredImage:
    """Write a shop picture's original (``upload``) and web versions; what the row records."""
    return image_uploads.store_image(prepared, upload, area=SHOP_IMAGE_AREA)


@bp.route("/shops/<int:shop_id>/images", methods=["POST"])
@owners_and_editors
@bp.arguments(ImageFileSchema, location="files")
@bp.arguments(ImageFormSchema, location="form")
@bp.response(201, ImageSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT", description="The shop has 20 photos already")
@bp.alt_response(413, response="DEFAULT_ERROR", description="File or image too large")
@bp.alt_response(415, response="DEFAULT_ERROR", description="Not a JPEG, PNG or WebP image")
@bp.alt_response(422, response="DEFAULT_ERROR", description="Not a usable image")
@bp.alt_response(503, response="DEFAULT_ERROR", description="Storage unavailable")
def upload_image(files: dict[str, Any], form: dict[str, Any], shop_id: int) -> Any:
    """Add a logo or photo. The image is re-encoded without any metadata (no GPS position
    survives) into a large and a thumbnail version."""
    account = current_account()
    kind: ImageKind = form["kind"]
    shop_media.check_can_add_image(db.session, account, shop_id, kind)
    try:
        stored = accept_upload(files["file"], purpose=kind.value, area=SHOP_IMAGE_AREA)
    except UploadRefused as refused:
        return refused.response
    alt_text = {language: form[f"alt_{language}"] for language in ("de", "en", "es", "fr")}
    image, freed = shop_media.add_image(db.session, account, shop_id, kind, stored,
                                        alt_text=alt_text)
    db.session.commit()
    delete_objects(freed)
    return image, 201


@bp.route("/shops/<int:shop_id>/images/<int:image_id>", methods=["PATCH"])
@owners_and_editors
@bp.arguments(AltTextSchema)
@bp.response(200, ImageSchema)
@bp.alt_response(404, response="NOT_FOUND")
def update_image(data: dict[str, Any], shop_id: int, image_id: int) -> ShopImage:
    """Change an image's description (alt text)."""
    image = shop_media.update_image(db.session, current_account(), shop_id, image_id,
                                    alt_text=data["alt_text"])
    db.session.commit()
    return image


@bp.route("/shops/<int:shop_id>/images/<int:image_id>", methods=["DELETE"])
@owners_and_editors
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
def delete_image(shop_id: int, image_id: int) -> None:
    """Remove an image; its files go too unless another image uses them."""
    freed = shop_media.remove_image(db.session, current_account(), shop_id, image_id)
    db.session.commit()
    delete_objects(freed)


@bp.route("/shops/<int:shop_id>/photos/order", methods=["PUT"])
@owners_and_editors
@bp.arguments(PhotoOrderSchema)
@bp.response(200, ImageSchema(many=True))
@bp.alt_response(404, response="NOT_FOUND")
def reorder_photos(data: dict[str, Any], shop_id: int) -> list[ShopImage]:
    """Put the photos in the order given."""
    photos = shop_media.reorder_photos(db.session, current_account(), shop_id,
                                       data["image_ids"])
    db.session.commit()
    return photos


# --- offers ---------------------------------------------------------------------------------


@bp.route("/shops/<int:shop_id>/offers", methods=["GET"])
@owners_and_editors
@bp.response(200, OfferSchema(many=True))
@bp.alt_response(404, response="NOT_FOUND")
def list_offers(shop_id: int) -> list[Offer]:
    """The shop's offers and events, past and future included."""
    return shop_media.list_offers(db.session, current_account(), shop_id)


@bp.route("/shops/<int:shop_id>/offers", methods=["POST"])
@owners_and_editors
@bp.arguments(NewOfferSchema)
@bp.response(201, OfferSchema)
@bp.alt_response(404, response="NOT_FOUND")
def create_offer(data: dict[str, Any], shop_id: int) -> tuple[Offer, dict[str, str]]:
    """Publish an offer or event; visitors see it from ``valid_from`` until ``valid_until``."""
    offer = shop_media.add_offer(db.session, current_account(), shop_id,
                                 data)  # type: ignore[arg-type]
    db.session.commit()
    return offer, etag(offer.version)


@bp.route("/offers/<int:offer_id>", methods=["PATCH"])
@owners_and_editors
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(OfferChangesSchema)
@bp.response(200, OfferSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def update_offer(data: dict[str, Any], offer_id: int) -> tuple[Offer, dict[str, str]]:
    """Change an offer or event."""
    version = expected_version(data.pop("version", None))
    offer = shop_media.update_offer(db.session, current_account(), offer_id,
                                    data, expected_version=version)  # type: ignore[arg-type]
    db.session.commit()
    return offer, etag(offer.version)


@bp.route("/offers/<int:offer_id>", methods=["DELETE"])
@owners_and_editors
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
def delete_offer(offer_id: int) -> None:
    """Remove an offer or event."""
    shop_media.delete_offer(db.session, current_account(), offer_id)
    db.session.commit()
