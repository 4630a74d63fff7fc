"""Links: the walkable arrows from one scene to another.

A link has one direction. Walking usually works both ways, so :func:`add_link` creates the way
back too unless told otherwise: same kind, length and closure, bearing turned by 180°, no label
(a label such as "To the market" rarely fits the way back). A link made without a bearing
takes the direction from one scene's position to the other's (``tours.walk_plan``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from tours.errors import N_, Conflict, NotFound
from tours.i18n import clean_translations
from tours.models import Link, LinkKind, Scene
from tours.scenes import get_scene, scene_for_reference
from tours.validation import (
    InvalidValue,
    MissingValue,
    check_fields,
    check_version,
    clean_bearing,
    clean_choice,
    clean_datetime,
    clean_number,
    flush_versioned,
    reverse_bearing,
)
from tours.walk_plan import initial_bearing, plan_position

MAX_LABEL_LENGTH = 100
MAX_CLOSED_REASON_LENGTH = 300
#: longer than any walk between two neighbouring places; catches kilometres typed as metres
MAX_LENGTH_M = 10_000


class LinkNotFound(NotFound):
    message = N_("There is no such link.")


class LinkExists(Conflict):
    message = N_("There is already a link from this scene to that one.")

    def __init__(self) -> None:
        self.field = "to_scene_id"
        super().__init__()


class LinkToItself(InvalidValue):
    message = N_("A link must lead to another scene.")


class BearingUnknown(InvalidValue):
    message = N_("Give the link's bearing: it can only be computed when both scenes have a "
                 "position.")


class BearingUndefined(InvalidValue):
    message = N_("Both scenes lie at the same position, so the direction between them cannot "
                 "be computed: give the link's bearing.")


class LinkFields(TypedDict, total=False):
    #: where the link leads (only when it is created)
    to_scene_id: int
    bearing: float
    length_m: float | None
    kind: LinkKind | str
    closed_until: dt.datetime | None
    closed_reason: Mapping[str, str]
    label: Mapping[str, str]


def get_link(session: Session, link_id: int) -> Link:
    link = session.get(Link, link_id)
    if link is None:
        raise LinkNotFound()
    return link


def list_links(session: Session, scene_id: int) -> list[Link]:
    """The links leading away from a scene, clockwise from north."""
    scene = get_scene(session, scene_id)
    return list(session.scalars(
        select(Link).where(Link.from_scene_id == scene.id).order_by(Link.bearing, Link.id)
    ))


def add_link(
    session: Session, scene_id: int, fields: LinkFields, *, both_directions: bool = True,
) -> list[Link]:
    """Link a scene to ``fields["to_scene_id"]``; with ``both_directions`` also the way back,
    unless that link exists already. Without a ``bearing`` it is computed from where the two
    scenes lie (:func:`bearing_between`). Returns the links created, the requested one
    first."""
    check_fields(fields, LinkFields.__annotations__)
    scene = get_scene(session, scene_id)
    if fields.get("to_scene_id") is None:
        raise MissingValue(field="to_scene_id")
    target = scene_for_reference(session, fields["to_scene_id"], field="to_scene_id")
    if target.id == scene.id:
        raise LinkToItself(field="to_scene_id")
    if _find(session, scene.id, target.id) is not None:
        raise LinkExists()
    if fields.get("bearing") is None:
        fields = {**fields, "bearing": bearing_between(scene, target)}
    link = Link(from_scene_id=scene.id, to_scene_id=target.id, kind=LinkKind.WALKWAY,
                closed_reason={}, label={})
    _apply(link, fields)
    session.add(link)
    created = [link]
    if both_directions and _find(session, target.id, scene.id) is None:
        created.append(Link(
            from_scene_id=target.id, to_scene_id=scene.id, bearing=reverse_bearing(link.bearing),
            length_m=link.length_m, kind=link.kind, closed_until=link.closed_until,
            closed_reason=dict(link.closed_reason), label={},
        ))
        session.add(created[-1])
    session.flush()
    return created


def bearing_between(scene: Scene, target: Scene) -> float:
    """The bearing of the way from ``scene`` to ``target`` by their positions on the plan;
    :class:`BearingUnknown` when one has no position, :class:`BearingUndefined` when both lie
    at the same place."""
    start, end = plan_position(scene), plan_position(target)
    if start is None or end is None:
        raise BearingUnknown(field="bearing")
    bearing = initial_bearing(start, end)
    if bearing is None:
        raise BearingUndefined(field="bearing")
    return bearing


def update_link(session: Session, link_id: int, changes: LinkFields, *,
                expected_version: int | None = None) -> Link:
    """Change a link's bearing, length, kind, closure or label (not where it leads), if the
    link is still at ``expected_version`` (when given)."""
    check_fields(changes, set(LinkFields.__annotations__) - {"to_scene_id"})
    link = get_link(session, link_id)
    check_version(link.version, expected_version)
    if "bearing" in changes and changes["bearing"] is None:
        raise MissingValue(field="bearing")
    _apply(link, changes)
    flush_versioned(session)
    return link


def delete_link(session: Session, link_id: int, *, both_directions: bool = False,
                expected_version: int | None = None) -> None:
    """Delete a link (still at ``expected_version``, when given); with ``both_directions``
    also the way back, if there is one."""
    link = get_link(session, link_id)
    check_version(link.version, expected_version)
    if both_directions:
        reverse = _find(session, link.to_scene_id, link.from_scene_id)
        if reverse is not None:
            session.delete(reverse)
    session.delete(link)
    session.flush()


def _find(session: Session, from_scene_id: int, to_scene_id: int) -> Link | None:
    return session.scalar(select(Link).where(Link.from_scene_id == from_scene_id,
                                             Link.to_scene_id == to_scene_id))


def _apply(link: Link, fields: LinkFields) -> None:
    """Check ``fields`` and set them on ``link``; nothing is set when a value is refused."""
    values: dict[str, object] = {}
    if "bearing" in fields:
        values["bearing"] = clean_bearing(fields["bearing"], field="bearing")
    if "length_m" in fields:
        length = fields["length_m"]
        values["length_m"] = (None if length is None else
                              clean_number(length, field="length_m", minimum=0,
                                           maximum=MAX_LENGTH_M))
    if "kind" in fields:
        values["kind"] = clean_choice(fields["kind"], LinkKind, field="kind")
    if "closed_until" in fields:
        values["closed_until"] = clean_datetime(fields["closed_until"], field="closed_until")
    if "closed_reason" in fields:
        values["closed_reason"] = clean_translations(
            fields["closed_reason"], field="closed_reason", max_length=MAX_CLOSED_REASON_LENGTH)
    if "label" in fields:
        values["label"] = clean_translations(fields["label"], field="label",
                                             max_length=MAX_LABEL_LENGTH)
    for name, value in values.items():
        setattr(link, name, value)
