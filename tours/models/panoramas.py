"""Panoramas: uploaded 360° images, content-addressed by SHA-256, and their tiled revisions.

A panorama is addressed outside the database (URLs, storage keys ``panoramas/<public_id>/…``) by
its random ``public_id``, never by its row id, so unpublished panoramas cannot be found by
counting. Everything an editor may change about how a place is shown (north offset, initial view,
titles) lives on the scene; a panorama holds only facts about the image.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tours.models.base import Base, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from tours.models.users import User

#: Crockford's base32 alphabet in lower case: no i, l, o, u, so ids read aloud unambiguously
PUBLIC_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
#: 12 characters of 5 bits: 60 random bits, far beyond what anyone can enumerate
PUBLIC_ID_LENGTH = 12


def new_public_id() -> str:
    """A fresh random public id (12 characters of lower-case base32)."""
    bits = secrets.randbits(5 * PUBLIC_ID_LENGTH)
    return "".join(PUBLIC_ID_ALPHABET[(bits >> (5 * i)) & 31] for i in range(PUBLIC_ID_LENGTH))


class PanoramaStatus(enum.StrEnum):
    """Where a panorama is on its way from upload to tiles."""

    QUEUED = "queued"
    TILING = "tiling"
    READY = "ready"
    FAILED = "failed"
    #: removed after a report: never shown again, its objects deleted from both storages; the
    #: row stays as a tombstone, so the same file cannot be uploaded back by accident
    TAKEN_DOWN = "taken_down"


class RevisionState(enum.StrEnum):
    """The life of one set of tiles under ``panoramas/<panorama>/<revision>/``."""

    #: tiles are being written; nothing points at it yet
    BUILDING = "building"
    #: complete, with its manifest; the panorama's current revision or about to become it
    READY = "ready"
    #: replaced by a newer revision; kept for a grace period so open viewers never meet a 404
    RETIRED = "retired"
    #: its objects have been removed from storage by the sweep
    DELETED = "deleted"


class Panorama(Base):
    """One uploaded 360° image and its tiles; identical uploads are one panorama."""

    __tablename__ = "panorama"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: random id used in URLs and storage keys (see ``new_public_id``)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    #: hex SHA-256 of the original file: the same upload twice is the same panorama
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: size of the original file in bytes
    byte_size: Mapped[int] = mapped_column(BigInteger)
    #: pixel size and image format ("jpeg", "png", …) as detected, filled in when inspected
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    format: Mapped[str | None] = mapped_column(String(16), default=None)
    #: the file name the uploader's computer gave it, to recognise it in lists
    original_filename: Mapped[str] = mapped_column(String(255), default="")
    #: key of the original in the (private) originals storage
    original_key: Mapped[str] = mapped_column(String(512))
    #: when the picture was taken (EXIF), in UTC
    captured_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: camera position from EXIF GPS; private: never copied into anything public
    gps_latitude: Mapped[float | None] = mapped_column(Float, default=None)
    gps_longitude: Mapped[float | None] = mapped_column(Float, default=None)
    #: metres above sea level
    gps_altitude: Mapped[float | None] = mapped_column(Float, default=None)
    #: camera pose from XMP GPano (PoseHeadingDegrees, PosePitchDegrees, PoseRollDegrees)
    pose_heading: Mapped[float | None] = mapped_column(Float, default=None)
    pose_pitch: Mapped[float | None] = mapped_column(Float, default=None)
    pose_roll: Mapped[float | None] = mapped_column(Float, default=None)
    #: GPano cropped-area data of a partial panorama (full and cropped sizes, offsets)
    crop: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    #: regions blurred in every tiling (faces, licence plates, private windows): a list of
    #: ``{"x", "y", "width", "height"}`` in fractions of the full equirectangular image plus a
    #: ``kind`` (``face``, ``plate``, ``other``); the original itself stays unblurred and private
    blur_regions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: photographer, shown in the credits
    author: Mapped[str] = mapped_column(String(200), default="")
    #: SPDX licence id (``CC-BY-SA-4.0``) or a short free text
    licence: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[PanoramaStatus] = mapped_column(
        str_enum(PanoramaStatus, "panorama_status", 16), default=PanoramaStatus.QUEUED
    )
    #: revision the viewer shows; None until the first tiling is complete
    current_revision: Mapped[str | None] = mapped_column(String(32), default=None)
    #: why the last tiling failed: a stable code for programs and a text for people
    error_code: Mapped[str] = mapped_column(String(64), default="")
    error_message: Mapped[str] = mapped_column(Text, default="")
    #: copy of the current revision's manifest.json (face size, levels, key template)
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None
    )
    #: when a taken-down panorama's original and tiles were deleted; None while that is pending
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    created_by: Mapped[User | None] = relationship()
    revisions: Mapped[list[PanoramaRevision]] = relationship(
        back_populates="panorama", cascade="all, delete-orphan", passive_deletes=True,
        order_by="PanoramaRevision.id",
    )


class PanoramaRevision(Base):
    """One immutable set of tiles of a panorama; re-tiling makes a new one."""

    __tablename__ = "panorama_revision"
    __table_args__ = (
        UniqueConstraint("panorama_id", "revision"),
        # the sweep looks for revisions retired before the end of the grace period
        Index("ix_panorama_revision_sweep", "state", "retired_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panorama_id: Mapped[int] = mapped_column(ForeignKey("panorama.id", ondelete="CASCADE"))
    #: the storage key segment of the revision (``panoramas/<panorama>/<revision>/…``)
    revision: Mapped[str] = mapped_column(String(32))
    state: Mapped[RevisionState] = mapped_column(
        str_enum(RevisionState, "panorama_revision_state", 16), default=RevisionState.BUILDING
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: when a newer revision replaced it; the grace period runs from here
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    panorama: Mapped[Panorama] = relationship(back_populates="revisions")
