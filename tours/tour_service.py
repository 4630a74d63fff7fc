"""Tours and their stops: curating ordered walks.

A tour and its stops are edited as one thing: every change of a stop (added, changed, removed,
reordered) bumps the tour's version, so an editor saving a tour based on an older version is
told that someone else changed it. Stops are numbered 1, 2, 3, … without gaps after every change.

The rows are the draft: visitors see the copy taken when the tour was last published
(``tours.tour_publishing``). :func:`publish_tour` takes that copy; setting the status to
``published`` through :func:`create_tour` or :func:`update_tour` does the same, so there is one
way a tour becomes public. :func:`withdraw_tour` archives it (the copy stays for the record).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tours import former_slugs
from tours.errors import N_, Conflict, NotFound
from tours.i18n import clean_translations
from tours.models import Stop, Tour, TourStatus, View, utcnow
from tours.scenes import scene_for_reference
from tours.tour_publishing import tour_copy
from tours.validation import (
    InvalidValue,
    MissingValue,
    OutOfRange,
    SlugTaken,
    check_fields,
    check_period,
    check_version,
    clean_choice,
    clean_datetime,
    clean_slug,
    clean_view,
    flush_versioned,
)

MAX_TITLE_LENGTH = 200
MAX_INTRO_LENGTH = 5000
MAX_STOP_TEXT_LENGTH = 5000


class TourNotFound(NotFound):
    message = N_("There is no such tour.")


class StopNotFound(NotFound):
    message = N_("There is no such stop.")


class StopsChanged(Conflict):
    message = N_("The stops of the tour have changed in the meantime. Reload the tour and "
                 "order its stops again.")


class RepeatedStop(InvalidValue):
    message = N_("Every stop must appear exactly once.")


class TourFields(TypedDict, total=False):
    slug: str
    title: Mapping[str, str]
    intro: Mapping[str, str]
    cover_scene_id: int | None
    status: TourStatus | str
    publish_from: dt.datetime | None
    publish_until: dt.datetime | None


class StopFields(TypedDict, total=False):
    scene_id: int
    #: 1 = first; only when the stop is added (default: after the last stop)
    position: int
    #: ``{"yaw", "pitch", "zoom"}``, a :class:`View`, or None for the scene's initial view
    initial_view: Mapping[str, float] | View | None
    text: Mapping[str, str]


def get_tour(session: Session, tour_id: int) -> Tour:
    tour = session.get(Tour, tour_id)
    if tour is None:
        raise TourNotFound()
    return tour


def list_tours(
    session: Session, *, status: TourStatus | None = None, offset: int = 0, limit: int = 50,
) -> tuple[list[Tour], int]:
    """One page of tours in the order they were made, and how many there are in all."""
    query = select(Tour)
    if status is not None:
        query = query.where(Tour.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return list(session.scalars(query.order_by(Tour.id).offset(offset).limit(limit))), total


def create_tour(session: Session, fields: TourFields) -> Tour:
    """Create a tour (a draft unless ``status`` says otherwise); ``slug`` and ``title`` are
    required."""
    check_fields(fields, TourFields.__annotations__)
    for name in ("slug", "title"):
        if fields.get(name) is None:
            raise MissingValue(field=name)
    tour = Tour(title={}, intro={}, status=TourStatus.DRAFT)
    with session.no_autoflush:
        _apply(session, tour, fields)
        if tour.status is TourStatus.PUBLISHED:
            _set_copy(session, tour)
    session.add(tour)
    session.flush()
    return tour


def update_tour(
    session: Session, tour_id: int, changes: TourFields, *, expected_version: int | None = None,
) -> Tour:
    """Change the given fields of a tour that is still at ``expected_version`` (if given).

    Visitors keep seeing the published copy; a ``status`` of ``published`` in ``changes``
    publishes the tour as it is after the change (like :func:`publish_tour`)."""
    check_fields(changes, TourFields.__annotations__)
    tour = get_tour(session, tour_id)
    check_version(tour.version, expected_version)
    with session.no_autoflush:
        _apply(session, tour, changes)
        if "status" in changes and tour.status is TourStatus.PUBLISHED:
            _set_copy(session, tour)
    flush_versioned(session)
    return tour


class DraftStop(TypedDict, total=False):
    """A stop of a whole draft saved at once: ``id`` of a stop kept (None or missing = new)."""

    id: int | None
    scene_id: int
    initial_view: Mapping[str, float] | View | None
    text: Mapping[str, str]


def save_draft(
    session: Session, tour_id: int, changes: TourFields, stops: Sequence[DraftStop], *,
    expected_version: int | None = None,
) -> Tour:
    """Save the editor's whole draft in one step: the tour's ``changes`` and its complete list
    of ``stops`` in order (stops of the tour not listed are removed, listed ones without an
    ``id`` added). Refused as a whole when the tour is no longer at ``expected_version`` or a
    value is refused; visitors keep the published copy (``status`` cannot be changed here:
    use :func:`publish_tour` and :func:`withdraw_tour`)."""
    check_fields(changes, set(TourFields.__annotations__) - {"status"})
    tour = get_tour(session, tour_id)
    check_version(tour.version, expected_version)
    current = {stop.id: stop for stop in list_stops(session, tour.id)}
    kept = [entry["id"] for entry in stops if entry.get("id") is not None]
    if len(set(kept)) != len(kept):
        raise RepeatedStop(field="stops")
    if not set(kept) <= set(current):
        raise StopsChanged()
    with session.no_autoflush:
        _apply(session, tour, changes)
    for stop_id in set(current) - set(kept):
        session.delete(current.pop(stop_id))
    session.flush()
    ordered: list[Stop] = []
    for index, entry in enumerate(stops):
        check_fields(entry, DraftStop.__annotations__)
        fields = {key: value for key, value in entry.items() if key != "id"}
        if "scene_id" in fields and fields["scene_id"] is None:
            raise MissingValue(field=f"stops.{index}.scene_id")
        stop_id = entry.get("id")
        if stop_id is None:
            if fields.get("scene_id") is None:
                raise MissingValue(field=f"stops.{index}.scene_id")
            stop = Stop(tour_id=tour.id, text={},
                        position=_spare_position([*current.values(), *ordered]) + index)
            with session.no_autoflush:
                _apply_stop(session, stop, fields)  # type: ignore[arg-type]
            session.add(stop)
        else:
            stop = current[stop_id]
            with session.no_autoflush:
                _apply_stop(session, stop, fields)  # type: ignore[arg-type]
        ordered.append(stop)
    session.flush()
    _renumber(session, ordered)
    _touch(session, tour)
    return tour


def publish_tour(session: Session, tour_id: int, *, expected_version: int | None = None) -> Tour:
    """Publish the tour as its rows are now: visitors see this copy (within the publication
    window) until the next publication, whatever editors change in the meantime."""
    tour = get_tour(session, tour_id)
    check_version(tour.version, expected_version)
    with session.no_autoflush:
        tour.status = TourStatus.PUBLISHED
        _set_copy(session, tour)
    flush_versioned(session)
    return tour


def withdraw_tour(session: Session, tour_id: int, *,
                  expected_version: int | None = None) -> Tour:
    """Take the tour away from visitors (it is archived; its last copy is kept for the
    record and replaced when it is published again)."""
    tour = get_tour(session, tour_id)
    check_version(tour.version, expected_version)
    tour.status = TourStatus.ARCHIVED
    flush_versioned(session)
    return tour


def _set_copy(session: Session, tour: Tour) -> None:
    """Make the rows of ``tour`` what visitors see from now on (flushed by the caller, so a
    publication is one new version)."""
    if tour in session and tour.id is not None:
        # the stops as stored now, not a list loaded before a stop changed
        session.expire(tour, ["stops"])
    tour.published = tour_copy(tour)
    tour.published_at = utcnow()


def delete_tour(session: Session, tour_id: int, *, expected_version: int | None = None) -> None:
    """Delete a tour with its stops (the scenes stay)."""
    tour = get_tour(session, tour_id)
    check_version(tour.version, expected_version)
    session.delete(tour)
    flush_versioned(session)


def get_stop(session: Session, stop_id: int) -> Stop:
    stop = session.get(Stop, stop_id)
    if stop is None:
        raise StopNotFound()
    return stop


def list_stops(session: Session, tour_id: int) -> list[Stop]:
    """The stops of a tour, in order."""
    tour = get_tour(session, tour_id)
    return list(session.scalars(
        select(Stop).where(Stop.tour_id == tour.id).order_by(Stop.position)
    ))


def add_stop(session: Session, tour_id: int, fields: StopFields) -> Stop:
    """Add a stop at ``position`` (default: at the end); later stops move one place on."""
    check_fields(fields, StopFields.__annotations__)
    tour = get_tour(session, tour_id)
    if fields.get("scene_id") is None:
        raise MissingValue(field="scene_id")
    stops = list_stops(session, tour.id)
    position = fields.get("position")
    if position is None:
        position = len(stops) + 1
    if (isinstance(position, bool) or not isinstance(position, int)
            or not 1 <= position <= len(stops) + 1):
        raise OutOfRange(field="position", minimum=1, maximum=len(stops) + 1)
    stop = Stop(tour_id=tour.id, text={}, position=_spare_position(stops))
    with session.no_autoflush:
        _apply_stop(session, stop, {key: value for key, value in fields.items()
                                    if key != "position"})
    session.add(stop)
    _renumber(session, [*stops[:position - 1], stop, *stops[position - 1:]])
    _touch(session, tour)
    return stop


def update_stop(session: Session, stop_id: int, changes: StopFields) -> Stop:
    """Change a stop's scene, view or text (its place changes with :func:`reorder_stops`)."""
    check_fields(changes, set(StopFields.__annotations__) - {"position"})
    stop = get_stop(session, stop_id)
    if "scene_id" in changes and changes["scene_id"] is None:
        raise MissingValue(field="scene_id")
    with session.no_autoflush:
        _apply_stop(session, stop, changes)
    _touch(session, stop.tour)
    return stop


def remove_stop(session: Session, stop_id: int) -> None:
    """Remove a stop; the stops after it move one place up."""
    stop = get_stop(session, stop_id)
    tour = stop.tour
    remaining = [other for other in list_stops(session, tour.id) if other.id != stop.id]
    session.delete(stop)
    session.flush()
    _renumber(session, remaining)
    _touch(session, tour)


def reorder_stops(
    session: Session, tour_id: int, stop_ids: Sequence[int], *,
    expected_version: int | None = None,
) -> list[Stop]:
    """Put all stops of a tour in the order of ``stop_ids``, in one step.

    ``stop_ids`` must name every stop of the tour exactly once; a list made from an outdated
    copy of the tour is refused with :class:`StopsChanged` rather than guessed at.
    """
    tour = get_tour(session, tour_id)
    check_version(tour.version, expected_version)
    if len(set(stop_ids)) != len(stop_ids):
        raise RepeatedStop(field="stop_ids")
    stops = {stop.id: stop for stop in list_stops(session, tour.id)}
    if set(stop_ids) != set(stops):
        raise StopsChanged()
    ordered = [stops[stop_id] for stop_id in stop_ids]
    _renumber(session, ordered)
    _touch(session, tour)
    return ordered


def _spare_position(stops: Sequence[Stop]) -> int:
    """A position above every current one and every one a renumbering will give out."""
    return max([len(stops) + 1, *(stop.position for stop in stops)]) + 1


def _renumber(session: Session, ordered: Sequence[Stop]) -> None:
    """Number ``ordered`` 1, 2, 3, …; stops that move go through spare positions first, so
    the unique (tour, position) constraint holds after every single UPDATE."""
    moving = [(number, stop) for number, stop in enumerate(ordered, start=1)
              if stop.position != number]
    if not moving:
        session.flush()
        return
    spare = _spare_position(ordered)
    for offset, (_number, stop) in enumerate(moving):
        stop.position = spare + offset
    session.flush()
    for number, stop in moving:
        stop.position = number
    session.flush()


def _touch(session: Session, tour: Tour) -> None:
    """Record a change of the tour's stops as a change of the tour (a new version)."""
    tour.updated_at = utcnow()
    flush_versioned(session)
    session.expire(tour, ["stops"])


def _apply(session: Session, tour: Tour, fields: TourFields) -> None:
    """Check ``fields`` and set them on ``tour``; nothing is set when a value is refused."""
    values: dict[str, object] = {}
    if "slug" in fields:
        slug = clean_slug(fields["slug"])
        if slug != tour.slug and session.scalar(select(Tour.id).where(Tour.slug == slug)):
            raise SlugTaken(slug=slug)
        values["slug"] = slug
    if "title" in fields:
        values["title"] = clean_translations(fields["title"], field="title", required=True,
                                             max_length=MAX_TITLE_LENGTH)
    if "intro" in fields:
        values["intro"] = clean_translations(fields["intro"], field="intro", multiline=True,
                                             max_length=MAX_INTRO_LENGTH)
    if "cover_scene_id" in fields:
        cover = fields["cover_scene_id"]
        values["cover_scene_id"] = (
            None if cover is None
            else scene_for_reference(session, cover, field="cover_scene_id").id)
    if "status" in fields:
        values["status"] = clean_choice(fields["status"], TourStatus, field="status")
    if "publish_from" in fields:
        values["publish_from"] = clean_datetime(fields["publish_from"], field="publish_from")
    if "publish_until" in fields:
        values["publish_until"] = clean_datetime(fields["publish_until"], field="publish_until")
    check_period(values.get("publish_from", tour.publish_from),
                 values.get("publish_until", tour.publish_until), field="publish_until")
    if "slug" in values:
        former_slugs.rename(session, tour, str(values["slug"]))
    for name, value in values.items():
        setattr(tour, name, value)


def _apply_stop(session: Session, stop: Stop, fields: StopFields) -> None:
    values: dict[str, object] = {}
    if "scene_id" in fields:
        values["scene_id"] = scene_for_reference(session, fields["scene_id"],
                                                 field="scene_id").id
    if "initial_view" in fields:
        view = fields["initial_view"]
        values["initial_view"] = (None if view is None
                                  else clean_view(view, field="initial_view"))
    if "text" in fields:
        values["text"] = clean_translations(fields["text"], field="text", multiline=True,
                                            max_length=MAX_STOP_TEXT_LENGTH)
    for name, value in values.items():
        setattr(stop, name, value)
