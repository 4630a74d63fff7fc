"""Former slugs: a renamed tour or scene keeps the slugs it had, so the addresses made with them
(printed QR codes, shared links, embeds, kiosk screens) lead to it under its current slug.

A slug is either some row's current slug or at most one row's former slug: taking a slug as
the current one (a new tour, a rename, a rename back) makes it nobody's former slug, because
the live address wins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tours.models import FormerSceneSlug, FormerTourSlug, Scene, Tour

#: the table of former slugs of each kind of row, and the column naming the row
FORMER = {Tour: (FormerTourSlug, "tour_id"), Scene: (FormerSceneSlug, "scene_id")}


def rename(session: Session, row: Tour | Scene, slug: str) -> None:
    """Before ``row`` takes ``slug``: the slug stops being a former one, and the row's current
    slug, if it has been stored with one, becomes one of its former slugs."""
    former, column = FORMER[type(row)]
    session.execute(delete(former).where(former.slug == slug))
    if row.id is not None and row.slug and row.slug != slug:
        session.add(former(slug=row.slug, **{column: row.id}))


def current_slug(session: Session, kind: type[Tour] | type[Scene], slug: str,
                 *conditions: Any) -> str | None:
    """The current slug of the ``kind`` row whose former slug ``slug`` is (and which meets the
    SQL ``conditions``); None when there is none."""
    former, column = FORMER[kind]
    return session.scalar(
        select(kind.slug).join(former, getattr(former, column) == kind.id)
        .where(former.slug == slug, *conditions))
