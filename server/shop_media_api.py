"""``/api/manage/shops/<id>/images`` and ``…/offers``: a shop's logo, photos, offers and events.

An upload is checked before anything is stored: the account must keep the shop (and the shop
have room for another photo), then ``media_tools`` sniffs the type, checks the caps from the
header, decodes, turns it upright and re-encodes it without any metadata. The upload goes to
the originals storage under its SHA-256; the web versions to the public storage under the hash
of their own bytes, so they are cached for a year. Objects are written before the row that
points at them is committed, and deleted only after the row is gone.
"""

from __future__ import annotations

import hashlib
from typing import Any

import marshmallow as ma
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from werkzeug.datastructures import FileStorage

from media_tools.errors import ImageRejected, RejectionCode
from media_tools.web_images import WEB_IMAGE_LIMITS, WebImage, prepare_web_image
from server import shop_presenter
from server.api_setup import error_response
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
from server.panorama_uploads import REJECTION_MESSAGES
from server.security import current_account
from server.storage import IMMUTABLE_CACHE_CONTROL, StorageError
from server.storage_setup import originals_storage, public_storage
from tours import shop_media
from tours.models import ImageKind, Offer, OfferKind, Role, ShopImage

bp = Blueprint(
    "shop_media_api", __name__, url_prefix="/api/manage",
    description="A shop's logo, photos, offers and events. Its owners and editors.",
)
handle_errors(bp)
owners_and_editors = account_endpoint(bp, Role.EDITOR, Role.SHOP_OWNER)

#: what a refused web image is told, beyond the panorama messages
WEB_IMAGE_MESSAGES = {
    RejectionCode.VECTOR_IMAGE: _l("Vector files (SVG, PDF) are not accepted. Please upload the "
                                  "logo as a PNG image or the photo as a JPEG image."),
    RejectionCode.TOO_SMALL: _l("The image is too small: it must be at least %(min_side)s "
                               "pixels wide and high."),
    RejectionCode.TOO_LARGE: _l("The image is too large: at most %(megapixels)s megapixels and "
                               "%(max_side)s pixels on a side are accepted."),
    RejectionCode.ANIMATED: _l("Animated images are not accepted."),
}


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


def rejection_message(rejection: ImageRejected) -> str:
    limits = WEB_IMAGE_LIMITS
    template = WEB_IMAGE_MESSAGES.get(rejection.code) or REJECTION_MESSAGES.get(rejection.code)
    if template is None:
        return _("The image cannot be used.")
    return str(template) % {
        "min_side": limits.min_side, "max_side": limits.max_width,
        "megapixels": limits.pixel_cap // 1_000_000,
        "max_width": limits.max_width, "max_height": limits.max_height,
        "min_width": limits.min_side,
    }


def store_image(prepared: WebImage, upload: bytes) -> shop_media.StoredImage:
    """Write the original (``upload``) and the web versions; return what the row records."""
    original_key = (f"shops/originals/{prepared.source_sha256[:2]}/{prepared.source_sha256}."
                    f"{prepared.source_extension}")
    originals = originals_storage()
    if not originals.exists(original_key):
        originals.put(original_key, upload, content_type=prepared.source_type)
    variants = {}
    for name, variant in prepared.variants.items():
        digest = hashlib.sha256(variant.data).hexdigest()[:40]
        key = f"shops/images/{digest[:2]}/{digest}.{variant.extension}"
        public_storage().put(key, variant.data, content_type=variant.content_type,
                             cache_control=IMMUTABLE_CACHE_CONTROL)
        variants[name] = {"key": key, "content_type": variant.content_type,
                          "width": variant.width, "height": variant.height}
    return shop_media.StoredImage(
        sha256=prepared.source_sha256, original_key=original_key,
        source_type=prepared.source_type, width=prepared.width, height=prepared.height,
        variants=variants)


def delete_objects(keys: set[str]) -> None:
    """Delete objects nothing refers to any more (after the commit); a failure only leaves
    harmless garbage, so it is logged, not raised."""
    for key in sorted(keys):
        storage = originals_storage() if key.startswith("shops/originals/") else public_storage()
        try:
            storage.delete(key)
        except StorageError:
            current_app.logger.warning("could not delete %s; left for a later clean-up", key)


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
    upload: FileStorage = files["file"]
    data = upload.stream.read(WEB_IMAGE_LIMITS.max_file_bytes + 1)
    try:
        prepared = prepare_web_image(data, purpose=kind.value)
    except ImageRejected as rejection:
        status = {RejectionCode.UNSUPPORTED_FORMAT: 415, RejectionCode.VECTOR_IMAGE: 415,
                  RejectionCode.TOO_LARGE: 413}.get(rejection.code, 422)
        return error_response(status, rejection_message(rejection),
                              {"file": {"code": str(rejection.code)}})
    try:
        stored = store_image(prepared, data)
    except StorageError:
        current_app.logger.exception("storage failed during a shop image upload")
        return error_response(503, _("The file could not be stored right now. Please try again "
                                     "in a few minutes."))
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
