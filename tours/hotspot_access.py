"""Who may place which hotspots where: editors everywhere, shop owners in their shops' places.

Modes
    :func:`hotspot_mode` says how an account works with the hotspots of a scene:

    * ``edit`` — editors and admins in every scene; a shop's owners in that shop's interior
      scene (``scene.shop_id``), where they change info and URL hotspots and the hotspots of
      shops they own, never another shop's hotspot an editor placed there. What they save
      there is shown at once (visitors see an interior scene only once an editor links it
      into the walk).
    * ``request`` — an owner of any shop (not closed) in a scene visitors can open that is no
      shop's interior (a street of the public walk, ``tours.walk.public_scene_ids``; another
      shop's interior is that shop's own business): they may ask for a hotspot of a
      shop they own there. It is stored as ``requested`` and shown only once an editor
      approves it (``tours.hotspot_requests``). They may move, change or withdraw their own
      requests (a rejected one goes back to the queue when changed), never an approved one.
    * None — anybody else; such an account is refused every hotspot of the scene.

    Only editors set a hotspot's status. The browser's editor mirrors these rules to lock what
    an account cannot change; the checks here are the ones that count.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from tours import walk
from tours.errors import N_, Forbidden
from tours.models import (
    Hotspot,
    HotspotKind,
    HotspotStatus,
    Role,
    Scene,
    Shop,
    ShopStatus,
    User,
    utcnow,
)


class HotspotMode(enum.StrEnum):
    """How an account works with a scene's hotspots (compares equal to its value)."""

    EDIT = "edit"
    REQUEST = "request"


class NotYourScene(Forbidden):
    message = N_("You may not place hotspots in this scene.")


class NotYourHotspot(Forbidden):
    message = N_("This hotspot belongs to the city's editors or another shop: you may not "
                 "change it.")


class RequestOwnShopOnly(Forbidden):
    message = N_("In the walk's streets you may only ask for a hotspot of a shop you own.")


class OwnShopsOnly(Forbidden):
    message = N_("Choose one of your own shops.")


class EditorsDecide(Forbidden):
    message = N_("Only editors approve or reject hotspots.")


def is_editor(user: User) -> bool:
    return user.has_role(Role.EDITOR)


def owned_shop_ids(session: Session, user: User) -> set[int]:
    """The shops (not closed) ``user`` keeps as an owner; empty for other roles."""
    if not user.has_role(Role.SHOP_OWNER):
        return set()
    return set(session.scalars(select(Shop.id).where(
        Shop.owners.any(User.id == user.id), Shop.status != ShopStatus.CLOSED)))


def hotspot_mode(user: User, scene: Scene, *, session: Session | None = None,
                 now: dt.datetime | None = None) -> HotspotMode | None:
    """How ``user`` may work with the hotspots of ``scene`` (see the module's rules).

    ``session`` defaults to the scene's own, ``now`` to the present (which scenes are public
    depends on the tours published at that moment)."""
    if is_editor(user):
        return HotspotMode.EDIT
    session = session or Session.object_session(scene)
    if session is None:
        raise ValueError("the scene is not in a session")
    owned = owned_shop_ids(session, user)
    if not owned:
        return None
    if scene.shop_id is not None:
        # a shop's interior: its own owners edit it; nobody else asks for hotspots there
        return HotspotMode.EDIT if scene.shop_id in owned else None
    if scene.id in walk.public_scene_ids(session, now or utcnow()):
        return HotspotMode.REQUEST
    return None


def check_mode(session: Session, user: User, scene: Scene) -> HotspotMode:
    """The mode of ``user`` in ``scene``; refuses an account without one."""
    mode = hotspot_mode(user, scene, session=session)
    if mode is None:
        raise NotYourScene()
    return mode


def may_change(user: User, hotspot: Hotspot, mode: HotspotMode, owned: set[int]) -> bool:
    """True when ``user`` (working in ``mode``, owning ``owned``) may move, change or delete
    ``hotspot``."""
    if is_editor(user):
        return True
    own_shop = hotspot.kind is HotspotKind.SHOP and hotspot.shop_id in owned
    if mode is HotspotMode.EDIT:
        return hotspot.kind is not HotspotKind.SHOP or own_shop
    return own_shop and hotspot.status is not HotspotStatus.APPROVED


def status_for_new(session: Session, user: User, scene: Scene,
                   fields: Mapping[str, object]) -> HotspotStatus:
    """The status a hotspot ``user`` places in ``scene`` starts with; refuses what their mode
    does not allow (before anything is stored)."""
    mode = check_mode(session, user, scene)
    _refuse_status(user, fields)
    if is_editor(user):
        return HotspotStatus.APPROVED
    owned = owned_shop_ids(session, user)
    kind = str(fields.get("kind", ""))
    if mode is HotspotMode.REQUEST:
        if kind != HotspotKind.SHOP.value:
            raise RequestOwnShopOnly(field="kind")
        if not _owns(owned, fields.get("shop_id")):
            raise RequestOwnShopOnly(field="shop_id")
        return HotspotStatus.REQUESTED
    if kind == HotspotKind.SHOP.value and not _owns(owned, fields.get("shop_id")):
        raise OwnShopsOnly(field="shop_id")
    return HotspotStatus.APPROVED


def check_change(session: Session, user: User, hotspot: Hotspot,
                 changes: Mapping[str, object]) -> HotspotMode:
    """Refuses a change (or, with no ``changes``, a deletion) ``user`` may not make to
    ``hotspot``; returns their mode in its scene."""
    mode = check_mode(session, user, hotspot.scene)
    _refuse_status(user, changes)
    if is_editor(user):
        return mode
    owned = owned_shop_ids(session, user)
    if not may_change(user, hotspot, mode, owned):
        raise NotYourHotspot()
    kind = str(changes.get("kind", hotspot.kind.value))
    kept = hotspot.shop_id if kind == HotspotKind.SHOP.value else None
    shop_id = changes.get("shop_id", kept)
    if mode is HotspotMode.REQUEST and kind != HotspotKind.SHOP.value:
        raise RequestOwnShopOnly(field="kind")
    if kind == HotspotKind.SHOP.value and not _owns(owned, shop_id):
        raise OwnShopsOnly(field="shop_id")
    return mode


def _owns(owned: set[int], shop_id: object) -> bool:
    return isinstance(shop_id, int) and not isinstance(shop_id, bool) and shop_id in owned


def _refuse_status(user: User, fields: Mapping[str, object]) -> None:
    if "status" in fields and not is_editor(user):
        raise EditorsDecide(field="status")
