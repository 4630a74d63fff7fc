"""Visitors' reports of a panorama ("report this image") and the editors' decision on them.

A report names the scene the visitor was looking at and, copied at the time, the panorama and
revision it showed, so the decision applies to the image that was meant even if the scene is
later pointed at another panorama. Nothing identifies the visitor: no account, no address.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tours.models.base import Base, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from tours.models.panoramas import Panorama
    from tours.models.scenes import Scene
    from tours.models.users import User


class ReportReason(enum.StrEnum):
    """Why a visitor reports an image."""

    PERSON = "person"
    LICENCE_PLATE = "licence_plate"
    PRIVATE_PROPERTY = "private_property"
    OFFENSIVE = "offensive"
    COPYRIGHT = "copyright"
    OTHER = "other"


class ReportStatus(enum.StrEnum):
    """Where a report is in the editors' queue."""

    OPEN = "open"
    DISMISSED = "dismissed"
    #: an editor took the panorama down (this report's or another report's decision)
    TAKEN_DOWN = "taken_down"


class ImageReport(Base):
    """One visitor's report of the image a scene showed."""

    __tablename__ = "image_report"
    __table_args__ = (
        # the queue: open reports, oldest first
        Index("ix_image_report_queue", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the scene the visitor was in; a deleted scene leaves the report (and its panorama) behind
    scene_id: Mapped[int | None] = mapped_column(
        ForeignKey("scene.id", ondelete="SET NULL"), index=True, default=None)
    #: the panorama shown when the report was made: the takedown applies to it
    panorama_id: Mapped[int] = mapped_column(
        ForeignKey("panorama.id", ondelete="CASCADE"), index=True)
    #: the revision shown then (``None`` only if the panorama had none)
    revision: Mapped[str | None] = mapped_column(String(32), default=None)
    reason: Mapped[ReportReason] = mapped_column(str_enum(ReportReason, "report_reason", 20))
    #: the visitor's words, plain text, possibly empty
    comment: Mapped[str] = mapped_column(Text, default="")
    #: where the viewer looked (``{"yaw", "pitch", "zoom"}``), so editors see what was meant
    view: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status", 16), default=ReportStatus.OPEN)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    scene: Mapped[Scene | None] = relationship()
    panorama: Mapped[Panorama] = relationship()
    decided_by: Mapped[User | None] = relationship()
