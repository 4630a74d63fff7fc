"""Reading panoramas and editing their credits.

Creating panoramas (upload, de-duplication, tiling) belongs to the ingest; this module serves
the editors who browse panoramas and credit their authors.
"""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tours.errors import N_, NotFound
from tours.models import Panorama, PanoramaStatus
from tours.validation import InvalidValue, check_fields, clean_text

MAX_AUTHOR_LENGTH = 200
MAX_LICENCE_LENGTH = 100


class PanoramaNotFound(NotFound):
    message = N_("There is no such panorama.")


class UnknownPanorama(InvalidValue):
    message = N_("There is no panorama with the id %(panorama)s.")


class PanoramaCredits(TypedDict, total=False):
    #: photographer, shown in the credits
    author: str
    #: SPDX licence id (``CC-BY-SA-4.0``) or a short free text
    licence: str


def find_panorama(session: Session, public_id: str) -> Panorama | None:
    """The panorama with ``public_id``, or None."""
    return session.scalar(select(Panorama).where(Panorama.public_id == public_id))


def get_panorama(session: Session, public_id: str) -> Panorama:
    """The panorama with ``public_id``; :class:`PanoramaNotFound` when there is none."""
    panorama = find_panorama(session, public_id)
    if panorama is None:
        raise PanoramaNotFound()
    return panorama


def panorama_for_reference(session: Session, public_id: object, *, field: str) -> Panorama:
    """The panorama a scene refers to; :class:`UnknownPanorama` (an input error) if missing."""
    if not isinstance(public_id, str):
        raise UnknownPanorama(field=field, panorama=str(public_id)[:40])
    panorama = find_panorama(session, public_id)
    if panorama is None:
        raise UnknownPanorama(field=field, panorama=public_id[:40])
    return panorama


def list_panoramas(
    session: Session, *, status: PanoramaStatus | None = None, offset: int = 0, limit: int = 50,
) -> tuple[list[Panorama], int]:
    """One page of panoramas, newest first, and how many there are in all."""
    query = select(Panorama)
    if status is not None:
        query = query.where(Panorama.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.order_by(Panorama.created_at.desc(), Panorama.id.desc()).offset(offset).limit(limit)
    )
    return list(page), total


def update_panorama(session: Session, public_id: str, changes: PanoramaCredits) -> Panorama:
    """Change a panorama's author or licence (the image itself never changes)."""
    check_fields(changes, PanoramaCredits.__annotations__)
    panorama = get_panorama(session, public_id)
    if "author" in changes:
        panorama.author = clean_text(changes["author"], field="author",
                                     max_length=MAX_AUTHOR_LENGTH)
    if "licence" in changes:
        panorama.licence = clean_text(changes["licence"], field="licence",
                                      max_length=MAX_LICENCE_LENGTH)
    session.flush()
    return panorama

