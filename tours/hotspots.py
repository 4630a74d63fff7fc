"""Hotspots: placing clickable points in scenes and keeping them consistent with their kind.

What a hotspot needs depends on its kind: a shop hotspot a shop, a URL hotspot a web address
and a label, an info hotspot a text and a label (every hotspot a screen reader can announce;
shop hotspots are announced by the shop's name). Values of another kind are refused when given
and cleared when the kind changes, so a hotspot never carries a stale target.

An info hotspot may also show a picture (``image``, set by :func:`set_image` from what the web
layer stored) with a description for screen readers (``image_alt``, an ordinary field). A
hotspot keeps its kind while it has a picture: the picture is removed on purpose first, never
as a side effect of another change. Whatever removes a picture returns the storage keys that
no hotspot uses any more, for the caller to delete after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from tours.errors import N_, NotFound
from tours.hotspot_images import unused_keys
from tours.i18n import TextRequired, clean_translations
from tours.images import StoredImage
from tours.models import Hotspot, HotspotKind, HotspotStatus, Shop, User
from tours.scenes import get_scene
from tours.validation import (
    InvalidValue,
    MissingValue,
    check_fields,
    check_period,
    check_version,
    clean_choice,
    clean_datetime,
    clean_pitch,
    clean_url,
    clean_yaw,
    flush_versioned,
)

MAX_LABEL_LENGTH = 120
MAX_TEXT_LENGTH = 2000
MAX_ALT_TEXT_LENGTH = 250

#: the target fields each kind uses (``text`` and ``label`` are open to every kind; a picture
#: and its ``image_alt`` to info hotspots only)
TARGET_FIELDS = {
    HotspotKind.SHOP: {"shop_id"},
    HotspotKind.URL: {"url"},
    HotspotKind.INFO: {"url"},
}


class HotspotNotFound(NotFound):
    message = N_("There is no such hotspot.")


class NotForThisKind(InvalidValue):
    message = N_("A hotspot of the kind %(kind)s does not use this value.")


class KindKeepsImage(InvalidValue):
    message = N_("Only info hotspots show a picture: remove the picture before changing the "
                 "kind.")


class InvalidShopId(InvalidValue):
    message = N_("Give the id of a shop.")


class UnknownShop(InvalidValue):
    message = N_("There is no shop with this id.")


class HotspotFields(TypedDict, total=False):
    yaw: float
    pitch: float
    kind: HotspotKind | str
    shop_id: int | None
    url: str | None
    text: Mapping[str, str]
    label: Mapping[str, str]
    image_alt: Mapping[str, str]
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None


def get_hotspot(session: Session, hotspot_id: int) -> Hotspot:
    hotspot = session.get(Hotspot, hotspot_id)
    if hotspot is None:
        raise HotspotNotFound()
    return hotspot


def list_hotspots(session: Session, scene_id: int) -> list[Hotspot]:
    """The hotspots of a scene, in the order they were placed."""
    scene = get_scene(session, scene_id)
    return list(session.scalars(
        select(Hotspot).where(Hotspot.scene_id == scene.id).order_by(Hotspot.id)
    ))


def add_hotspot(
    session: Session, scene_id: int, fields: HotspotFields, *, created_by: User | None = None,
    status: HotspotStatus = HotspotStatus.APPROVED,
) -> Hotspot:
    """Place a hotspot in a scene; ``yaw``, ``pitch`` and ``kind`` are required. An owner's
    request starts as ``requested`` (who may place what: ``tours.hotspot_access``)."""
    check_fields(fields, HotspotFields.__annotations__)
    scene = get_scene(session, scene_id)
    for name in ("yaw", "pitch", "kind"):
        if fields.get(name) is None:
            raise MissingValue(field=name)
    hotspot = Hotspot(scene_id=scene.id, created_by=created_by, text={}, label={},
                      image_alt={}, status=status)
    _apply(session, hotspot, fields)
    session.add(hotspot)
    session.flush()
    return hotspot


def update_hotspot(
    session: Session, hotspot_id: int, changes: HotspotFields, *,
    expected_version: int | None = None,
) -> Hotspot:
    """Change the given fields of a hotspot that is still at ``expected_version`` (if given)."""
    check_fields(changes, HotspotFields.__annotations__)
    hotspot = get_hotspot(session, hotspot_id)
    check_version(hotspot.version, expected_version)
    for name in ("yaw", "pitch", "kind"):
        if name in changes and changes.get(name) is None:
            raise MissingValue(field=name)
    _apply(session, hotspot, changes)
    flush_versioned(session)
    return hotspot


def delete_hotspot(
    session: Session, hotspot_id: int, *, expected_version: int | None = None,
) -> set[str]:
    """Delete a hotspot; returns its picture's storage keys that no hotspot uses any more."""
    hotspot = get_hotspot(session, hotspot_id)
    check_version(hotspot.version, expected_version)
    image = hotspot.image
    session.delete(hotspot)
    flush_versioned(session)
    return unused_keys(session, [image])


def check_can_have_image(session: Session, hotspot_id: int, *,
                         expected_version: int | None = None) -> Hotspot:
    """Refuse before anything is stored: no such hotspot, a stale version, or one that is not
    an info hotspot."""
    hotspot = get_hotspot(session, hotspot_id)
    check_version(hotspot.version, expected_version)
    if hotspot.kind is not HotspotKind.INFO:
        raise NotForThisKind(field="image", kind=hotspot.kind.value)
    return hotspot


def set_image(session: Session, hotspot_id: int, stored: StoredImage, *,
              expected_version: int | None = None) -> tuple[Hotspot, set[str]]:
    """Show ``stored`` on an info hotspot (replacing its picture, keeping the description).
    Returns the hotspot and the storage keys the replaced picture leaves unused."""
    hotspot = check_can_have_image(session, hotspot_id, expected_version=expected_version)
    replaced = hotspot.image
    hotspot.image = stored.as_record()
    flush_versioned(session)
    return hotspot, unused_keys(session, [replaced])


def remove_image(session: Session, hotspot_id: int, *,
                 expected_version: int | None = None) -> tuple[Hotspot, set[str]]:
    """Take an info hotspot's picture and its description away (nothing changes, and the
    version stays, when it has neither). Returns the hotspot and the keys left unused."""
    hotspot = check_can_have_image(session, hotspot_id, expected_version=expected_version)
    removed = hotspot.image
    if removed is None and not hotspot.image_alt:
        return hotspot, set()
    hotspot.image = None
    hotspot.image_alt = {}
    flush_versioned(session)
    return hotspot, unused_keys(session, [removed])


def _apply(session: Session, hotspot: Hotspot, fields: HotspotFields) -> None:
    """Check ``fields`` against the hotspot's resulting kind and set them; nothing is set when
    a value is refused."""
    values: dict[str, object] = {}
    if "yaw" in fields:
        values["yaw"] = clean_yaw(fields["yaw"], field="yaw")
    if "pitch" in fields:
        values["pitch"] = clean_pitch(fields["pitch"], field="pitch")
    kind = (clean_choice(fields["kind"], HotspotKind, field="kind") if "kind" in fields
            else hotspot.kind)
    values["kind"] = kind
    values.update(_clean_targets(session, kind, fields))
    if "text" in fields:
        values["text"] = clean_translations(fields["text"], field="text",
                                            max_length=MAX_TEXT_LENGTH, multiline=True)
    if "label" in fields:
        values["label"] = clean_translations(fields["label"], field="label",
                                             max_length=MAX_LABEL_LENGTH)
    values.update(_clean_image_alt(hotspot, kind, fields))
    if "valid_from" in fields:
        values["valid_from"] = clean_datetime(fields["valid_from"], field="valid_from")
    if "valid_until" in fields:
        values["valid_until"] = clean_datetime(fields["valid_until"], field="valid_until")
    check_period(values.get("valid_from", hotspot.valid_from),
                 values.get("valid_until", hotspot.valid_until), field="valid_until")
    _check_complete(kind, {name: values.get(name, getattr(hotspot, name))
                           for name in ("shop_id", "url", "text", "label")})
    for name, value in values.items():
        setattr(hotspot, name, value)


def _clean_targets(session: Session, kind: HotspotKind, fields: HotspotFields
                   ) -> dict[str, object]:
    """The shop and URL values given for a hotspot of ``kind``; those it does not use are
    cleared."""
    values: dict[str, object] = {}
    for name in ("shop_id", "url"):
        if name not in TARGET_FIELDS[kind]:
            if fields.get(name) is not None:
                raise NotForThisKind(field=name, kind=kind.value)
            values[name] = None
    if "shop_id" in fields and "shop_id" in TARGET_FIELDS[kind]:
        shop_id = fields["shop_id"]
        if shop_id is not None and (isinstance(shop_id, bool) or not isinstance(shop_id, int)
                                    or shop_id < 1):
            raise InvalidShopId(field="shop_id")
        if shop_id is not None and session.get(Shop, shop_id) is None:
            raise UnknownShop(field="shop_id")
        values["shop_id"] = shop_id
    if "url" in fields and "url" in TARGET_FIELDS[kind]:
        url = fields["url"]
        values["url"] = None if url is None or url == "" else clean_url(url, field="url")
    return values


def _clean_image_alt(hotspot: Hotspot, kind: HotspotKind, fields: HotspotFields
                     ) -> dict[str, object]:
    """The picture's description of an info hotspot; another kind has neither a picture
    (a hotspot showing one keeps its kind) nor a description."""
    alt = (clean_translations(fields["image_alt"], field="image_alt",
                              max_length=MAX_ALT_TEXT_LENGTH)
           if "image_alt" in fields else None)
    if kind is HotspotKind.INFO:
        return {} if alt is None else {"image_alt": alt}
    if alt:
        raise NotForThisKind(field="image_alt", kind=kind.value)
    if hotspot.image is not None:
        raise KindKeepsImage(field="kind")
    return {"image_alt": {}}


def _check_complete(kind: HotspotKind, targets: Mapping[str, object]) -> None:
    if kind is HotspotKind.SHOP and targets["shop_id"] is None:
        raise MissingValue(field="shop_id")
    if kind is HotspotKind.URL and not targets["url"]:
        raise MissingValue(field="url")
    if kind is HotspotKind.INFO and not targets["text"]:
        raise TextRequired(field="text")
    if kind in (HotspotKind.URL, HotspotKind.INFO) and not targets["label"]:
        raise TextRequired(field="label")
