"""Hotspots as editors and shop owners change them: the access rules applied, and the editors'
decisions about owners' requests.

Every function checks who may do it (``tours.hotspot_access``) before anything is read from
the input or stored, then calls ``tours.hotspots``. An editor decides a request by approving
or rejecting it (the moderation queue, or ``status`` in the API); the decision records who
and when, and is written to the audit log. Services flush and never commit.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tours import audit, hotspots
from tours.hotspot_access import (
    EditorsDecide,
    HotspotMode,
    check_change,
    check_mode,
    is_editor,
    owned_shop_ids,
    status_for_new,
)
from tours.hotspots import HotspotFields
from tours.models import Hotspot, HotspotStatus, Scene, User, utcnow
from tours.scenes import get_scene
from tours.validation import check_version, clean_choice, flush_versioned

#: audit actions of the decisions
APPROVED = "hotspot.approved"
REJECTED = "hotspot.rejected"


def hotspots_for(session: Session, user: User, scene_id: int
                 ) -> tuple[list[Hotspot], HotspotMode]:
    """The hotspots of a scene ``user`` works with, and their mode there: every one in
    ``edit`` mode; the approved ones and the requests for their own shops in ``request``
    mode (other owners' requests are theirs to know)."""
    scene = get_scene(session, scene_id)
    mode = check_mode(session, user, scene)
    found = hotspots.list_hotspots(session, scene.id)
    if mode is HotspotMode.REQUEST:
        owned = owned_shop_ids(session, user)
        found = [hotspot for hotspot in found
                 if hotspot.status is HotspotStatus.APPROVED or hotspot.shop_id in owned]
    return found, mode


def place(session: Session, user: User, scene_id: int, fields: HotspotFields) -> Hotspot:
    """Place a hotspot; an owner's in a street scene starts as a request."""
    scene = get_scene(session, scene_id)
    status = status_for_new(session, user, scene, fields)
    return hotspots.add_hotspot(session, scene.id, fields, created_by=user, status=status)


def change(session: Session, user: User, hotspot_id: int, changes: HotspotFields, *,
           status: HotspotStatus | str | None = None,
           expected_version: int | None = None) -> Hotspot:
    """Change a hotspot's fields (and, for editors, its ``status``). An owner's change to a
    rejected request sends it back to the editors."""
    hotspot = hotspots.get_hotspot(session, hotspot_id)
    check_change(session, user, hotspot, {**changes, **({"status": status}
                                                        if status is not None else {})})
    check_version(hotspot.version, expected_version)
    new_status = None if status is None else clean_choice(status, HotspotStatus,
                                                          field="status")
    if new_status is None and not is_editor(user) and hotspot.status is HotspotStatus.REJECTED:
        new_status = HotspotStatus.REQUESTED
    before = hotspot.status
    if new_status is not None and new_status is not before:
        _set_status(user, hotspot, new_status)
    hotspot = hotspots.update_hotspot(session, hotspot_id, changes,
                                      expected_version=expected_version)
    if new_status is not None and new_status is not before:
        _record_decision(session, user, hotspot, before)
    return hotspot


def remove(session: Session, user: User, hotspot_id: int, *,
           expected_version: int | None = None) -> set[str]:
    """Delete a hotspot (an owner withdraws a request); returns the picture keys it leaves
    unused (see ``tours.hotspots.delete_hotspot``)."""
    check_change(session, user, hotspots.get_hotspot(session, hotspot_id), {})
    return hotspots.delete_hotspot(session, hotspot_id, expected_version=expected_version)


def check_may_change(session: Session, user: User, hotspot_id: int) -> Hotspot:
    """Refuses ``user`` a change to the hotspot (its picture, before anything is stored)."""
    hotspot = hotspots.get_hotspot(session, hotspot_id)
    check_change(session, user, hotspot, {})
    return hotspot


def decide(session: Session, actor: User, hotspot_id: int, *, approve: bool,
           expected_version: int | None = None) -> Hotspot:
    """An editor approves a request (visitors see it from now on) or rejects it (its owners
    see the decision on their shop's page)."""
    if not is_editor(actor):
        raise EditorsDecide()
    hotspot = hotspots.get_hotspot(session, hotspot_id)
    check_version(hotspot.version, expected_version)
    before = hotspot.status
    status = HotspotStatus.APPROVED if approve else HotspotStatus.REJECTED
    if status is not before:
        _set_status(actor, hotspot, status)
        flush_versioned(session)
        _record_decision(session, actor, hotspot, before)
    return hotspot


def _set_status(actor: User, hotspot: Hotspot, status: HotspotStatus) -> None:
    """Set ``status``; an editor's approval or rejection says who decided and when."""
    hotspot.status = status
    if status is HotspotStatus.REQUESTED or not is_editor(actor):
        hotspot.decided_by_id, hotspot.decided_at = None, None
    else:
        hotspot.decided_by_id, hotspot.decided_at = actor.id, utcnow()


def _record_decision(session: Session, actor: User, hotspot: Hotspot,
                     before: HotspotStatus) -> None:
    """An editor's decision goes to the audit log (an owner's resubmission does not)."""
    if hotspot.status is HotspotStatus.REQUESTED:
        return
    action = APPROVED if hotspot.status is HotspotStatus.APPROVED else REJECTED
    audit.record(session, actor, action, target_type="hotspot", target_id=str(hotspot.id),
                 details={"scene_id": hotspot.scene_id, "shop_id": hotspot.shop_id,
                          "status_before": before.value})


def waiting(session: Session, *, offset: int = 0, limit: int = 20
            ) -> tuple[list[Hotspot], int]:
    """The requests waiting for an editor, oldest first, and how many there are."""
    query = select(Hotspot).where(Hotspot.status == HotspotStatus.REQUESTED)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.options(selectinload(Hotspot.scene).selectinload(Scene.panorama),
                      selectinload(Hotspot.created_by))
        .order_by(Hotspot.created_at, Hotspot.id).offset(offset).limit(limit))
    return list(page), total


def requests_of_shop(session: Session, shop_id: int) -> list[Hotspot]:
    """A shop's hotspots that were asked for in street scenes (waiting or decided), newest
    first: what its owners see of their requests."""
    return list(session.scalars(
        select(Hotspot).where(Hotspot.shop_id == shop_id,
                              (Hotspot.status != HotspotStatus.APPROVED)
                              | Hotspot.decided_at.is_not(None))
        .options(selectinload(Hotspot.scene))
        .order_by(Hotspot.created_at.desc(), Hotspot.id.desc())))
