"""A shop's logo, photos and offers: how many, in which order, who may change them.

Images arrive here already checked and stored (the web layer runs ``media_tools`` and writes
the objects); this module keeps the rows: one logo per shop (a new one replaces the old), at
most :data:`MAX_PHOTOS` photos in the owner's order. Removing an image returns the storage keys
no other image uses any more, so the caller can delete exactly those objects after the commit.

Offers and events are short texts with an optional image and a validity window; visitors see
them only inside it, so they disappear by themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from tours import audit
from tours.errors import N_, Conflict, NotFound
from tours.i18n import clean_translations
from tours.images import StoredImage
from tours.models import ImageKind, Offer, OfferKind, Shop, ShopImage, User, utcnow
from tours.shops import shop_for
from tours.validation import (
    InvalidValue,
    MissingValue,
    check_fields,
    check_period,
    check_version,
    clean_choice,
    clean_datetime,
    flush_versioned,
)

MAX_PHOTOS = 20
MAX_ALT_TEXT_LENGTH = 250
MAX_OFFER_TITLE_LENGTH = 120
MAX_OFFER_TEXT_LENGTH = 1000
#: an offer may run at most this long (older ones are clutter, not offers)
MAX_OFFER_DURATION = dt.timedelta(days=366)


class TooManyPhotos(Conflict):
    message = N_("A shop can show at most %(maximum)d photos. Remove one first.")


class ImageNotFound(NotFound):
    message = N_("There is no such image.")


class OfferNotFound(NotFound):
    message = N_("There is no such offer.")


class OfferTooLong(InvalidValue):
    message = N_("An offer or event can run for at most a year.")


class UnknownImage(InvalidValue):
    message = N_("Choose one of the shop's own images.")


def image_keys(image: ShopImage) -> set[str]:
    return {image.original_key, *(variant["key"] for variant in image.variants.values())}


def unused_keys(session: Session, removed: ShopImage) -> set[str]:
    """The storage keys of a removed image, unless another image still uses them: the same
    upload for the same purpose gives the same keys (content-addressed, deterministic)."""
    keys = image_keys(removed)
    still_used = session.scalar(select(ShopImage.id).where(
        ShopImage.sha256 == removed.sha256, ShopImage.kind == removed.kind).limit(1))
    if still_used is None:
        return keys
    # the same original, but versions made by an older pipeline may differ: keep those in use
    other_keys: set[str] = set()
    for image in session.scalars(select(ShopImage).where(ShopImage.sha256 == removed.sha256)):
        other_keys |= image_keys(image)
    return keys - other_keys


def check_can_add_image(session: Session, actor: User, shop_id: int, kind: ImageKind) -> Shop:
    """Refuse before anything is stored: a foreign shop, or a twenty-first photo."""
    shop = shop_for(session, actor, shop_id)
    if kind is ImageKind.PHOTO and len(shop.photos) >= MAX_PHOTOS:
        raise TooManyPhotos(maximum=MAX_PHOTOS)
    return shop


def add_image(session: Session, actor: User, shop_id: int, kind: ImageKind | str,
              stored: StoredImage, *, alt_text: Mapping[str, str] | None = None,
              ) -> tuple[ShopImage, set[str]]:
    """Record an image; a logo replaces the previous one. Returns the image and the storage
    keys that became unused (the replaced logo's)."""
    kind = clean_choice(kind, ImageKind, field="kind")
    shop = check_can_add_image(session, actor, shop_id, kind)
    alt = clean_translations(alt_text, field="alt_text", max_length=MAX_ALT_TEXT_LENGTH)
    replaced: ShopImage | None = None
    if kind is ImageKind.LOGO and shop.logo is not None:
        replaced = shop.logo
        shop.images.remove(replaced)
        session.flush()
    position = max((photo.position for photo in shop.photos), default=0) + 1
    image = ShopImage(kind=kind, position=position if kind is ImageKind.PHOTO else 0,
                      sha256=stored.sha256, original_key=stored.original_key,
                      source_type=stored.source_type, width=stored.width,
                      height=stored.height, variants={name: dict(variant) for name, variant
                                                      in stored.variants.items()},
                      alt_text=alt, created_by_id=actor.id)
    shop.images.append(image)
    shop.updated_at = utcnow()
    flush_versioned(session)
    audit.record(session, actor, "shop.image_added", target_type="shop",
                 target_id=str(shop.id), details={"kind": kind.value, "image_id": image.id})
    return image, unused_keys(session, replaced) if replaced is not None else set()


def get_image(session: Session, actor: User, shop_id: int, image_id: int) -> ShopImage:
    shop = shop_for(session, actor, shop_id)
    image = session.get(ShopImage, image_id)
    if image is None or image.shop_id != shop.id:
        raise ImageNotFound()
    return image


def update_image(session: Session, actor: User, shop_id: int, image_id: int, *,
                 alt_text: Mapping[str, str]) -> ShopImage:
    image = get_image(session, actor, shop_id, image_id)
    image.alt_text = clean_translations(alt_text, field="alt_text",
                                        max_length=MAX_ALT_TEXT_LENGTH)
    session.flush()
    return image


def remove_image(session: Session, actor: User, shop_id: int, image_id: int) -> set[str]:
    """Remove an image; returns the storage keys nothing uses any more."""
    image = get_image(session, actor, shop_id, image_id)
    shop = image.shop
    shop.images.remove(image)
    shop.updated_at = utcnow()
    flush_versioned(session)
    audit.record(session, actor, "shop.image_removed", target_type="shop",
                 target_id=str(shop.id), details={"image_id": image_id})
    return unused_keys(session, image)


def reorder_photos(session: Session, actor: User, shop_id: int,
                   image_ids: Sequence[int]) -> list[ShopImage]:
    """Put the shop's photos in the order given (every photo exactly once)."""
    shop = shop_for(session, actor, shop_id)
    photos = {photo.id: photo for photo in shop.photos}
    if sorted(image_ids) != sorted(photos) or len(set(image_ids)) != len(image_ids):
        raise UnknownImage(field="image_ids")
    for position, image_id in enumerate(image_ids, start=1):
        photos[image_id].position = position
    session.flush()
    session.refresh(shop, ["images"])
    return shop.photos


# --- offers and events ----------------------------------------------------------------------


class OfferFields(TypedDict, total=False):
    kind: OfferKind | str
    title: Mapping[str, str]
    text: Mapping[str, str]
    image_id: int | None
    valid_from: dt.datetime
    valid_until: dt.datetime


def list_offers(session: Session, actor: User, shop_id: int) -> list[Offer]:
    return list(shop_for(session, actor, shop_id).offers)


def get_offer(session: Session, actor: User, offer_id: int) -> Offer:
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise OfferNotFound()
    shop_for(session, actor, offer.shop_id)
    return offer


def add_offer(session: Session, actor: User, shop_id: int, fields: OfferFields) -> Offer:
    check_fields(fields, OfferFields.__annotations__)
    shop = shop_for(session, actor, shop_id)
    for name in ("kind", "title", "valid_from", "valid_until"):
        if fields.get(name) is None:
            raise MissingValue(field=name)
    # checked before the offer joins the session, so no half-made row is flushed meanwhile
    offer = Offer(shop_id=shop.id, title={}, text={}, created_by_id=actor.id)
    _apply_offer(session, shop, offer, fields)
    session.add(offer)
    session.flush()
    audit.record(session, actor, "shop.offer_added", target_type="shop",
                 target_id=str(shop.id), details={"offer_id": offer.id})
    return offer


def update_offer(session: Session, actor: User, offer_id: int, changes: OfferFields, *,
                 expected_version: int | None = None) -> Offer:
    check_fields(changes, OfferFields.__annotations__)
    offer = get_offer(session, actor, offer_id)
    check_version(offer.version, expected_version)
    for name in ("kind", "title", "valid_from", "valid_until"):
        if name in changes and changes.get(name) is None:
            raise MissingValue(field=name)
    _apply_offer(session, offer.shop, offer, changes)
    flush_versioned(session)
    return offer


def delete_offer(session: Session, actor: User, offer_id: int) -> None:
    offer = get_offer(session, actor, offer_id)
    shop_id = offer.shop_id
    session.delete(offer)
    session.flush()
    audit.record(session, actor, "shop.offer_removed", target_type="shop",
                 target_id=str(shop_id), details={"offer_id": offer_id})


def current_offers(shop: Shop, now: dt.datetime | None = None) -> list[Offer]:
    now = now or utcnow()
    return [offer for offer in shop.offers if offer.is_valid_at(now)]


def _apply_offer(session: Session, shop: Shop, offer: Offer, fields: OfferFields) -> None:
    values: dict[str, Any] = {}
    if "kind" in fields:
        values["kind"] = clean_choice(fields["kind"], OfferKind, field="kind")
    if "title" in fields:
        values["title"] = clean_translations(fields["title"], field="title",
                                             max_length=MAX_OFFER_TITLE_LENGTH, required=True)
    if "text" in fields:
        values["text"] = clean_translations(fields["text"], field="text",
                                            max_length=MAX_OFFER_TEXT_LENGTH, multiline=True)
    if "image_id" in fields:
        image_id = fields["image_id"]
        if image_id is not None:
            image = session.get(ShopImage, image_id) if isinstance(image_id, int) else None
            if image is None or image.shop_id != shop.id:
                raise UnknownImage(field="image_id")
        values["image_id"] = image_id
    for name in ("valid_from", "valid_until"):
        if name in fields:
            values[name] = clean_datetime(fields[name], field=name)
    start = values.get("valid_from", offer.valid_from)
    end = values.get("valid_until", offer.valid_until)
    check_period(start, end, field="valid_until")
    if start is not None and end is not None and end - start > MAX_OFFER_DURATION:
        raise OfferTooLong(field="valid_until")
    for name, value in values.items():
        setattr(offer, name, value)
