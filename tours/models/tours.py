"""Tours: curated, ordered walks, and their stops."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tours.models.base import Base, UTCDateTime, str_enum, utcnow
from tours.models.scenes import View

if TYPE_CHECKING:
    from tours.models.scenes import Scene


class TourStatus(enum.StrEnum):
    #: being written; visible to editors only
    DRAFT = "draft"
    #: visible to visitors within its publication window
    PUBLISHED = "published"
    #: withdrawn, kept for the record
    ARCHIVED = "archived"


class Tour(Base):
    """A curated, ordered walk through scenes."""

    __tablename__ = "tour"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: stable, readable part of public URLs (``[a-z0-9-]{3,80}``)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: plain text shown before the first stop
    intro: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: scene whose picture represents the tour in lists; cleared when the scene is deleted
    cover_scene_id: Mapped[int | None] = mapped_column(
        ForeignKey("scene.id", ondelete="SET NULL"), index=True, default=None
    )
    status: Mapped[TourStatus] = mapped_column(
        str_enum(TourStatus, "tour_status", 16), default=TourStatus.DRAFT
    )
    #: a published tour is shown from/until these times (an Advent walk); None = no limit
    publish_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    publish_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: what visitors see: a copy of the tour and its stops taken when it was last published
    #: (title, intro, cover and stops with their texts and views); editors change the rows,
    #: which are the draft, until they publish again. None = never published
    published: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), default=None)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: bumped by every change of the tour or its stops (optimistic concurrency)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own protocol

    cover_scene: Mapped[Scene | None] = relationship()
    stops: Mapped[list[Stop]] = relationship(
        back_populates="tour", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Stop.position",
    )


class FormerTourSlug(Base):
    """A slug a tour had before it was renamed: the addresses made with it (printed QR codes,
    shared links, other sites' embeds) lead to the tour under its current slug. A slug that
    becomes some tour's current slug again stops being a former one."""

    __tablename__ = "former_tour_slug"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    tour_id: Mapped[int] = mapped_column(ForeignKey("tour.id", ondelete="CASCADE"), index=True)
    retired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Stop(Base):
    """One step of a tour: a scene, optionally seen from another view, with a text."""

    __tablename__ = "stop"
    __table_args__ = (
        UniqueConstraint("tour_id", "position"),
        CheckConstraint("position > 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tour_id: Mapped[int] = mapped_column(ForeignKey("tour.id", ondelete="CASCADE"))
    #: 1, 2, 3, … without gaps within the tour
    position: Mapped[int] = mapped_column(Integer)
    #: a scene that is a stop cannot be deleted (RESTRICT): the tour would silently change
    scene_id: Mapped[int] = mapped_column(ForeignKey("scene.id", ondelete="RESTRICT"), index=True)
    #: the view at this stop; None = the scene's initial view
    initial_yaw: Mapped[float | None] = mapped_column(Float, default=None)
    initial_pitch: Mapped[float | None] = mapped_column(Float, default=None)
    initial_zoom: Mapped[float | None] = mapped_column(Float, default=None)
    #: plain text told at this stop
    text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    tour: Mapped[Tour] = relationship(back_populates="stops")
    scene: Mapped[Scene] = relationship()

    @property
    def initial_view(self) -> View | None:
        """The stop's own view, or None when it uses the scene's."""
        if self.initial_yaw is None or self.initial_pitch is None or self.initial_zoom is None:
            return None
        return View(self.initial_yaw, self.initial_pitch, self.initial_zoom)

    @initial_view.setter
    def initial_view(self, view: View | None) -> None:
        if view is None:
            self.initial_yaw = self.initial_pitch = self.initial_zoom = None
        else:
            self.initial_yaw, self.initial_pitch, self.initial_zoom = (
                view.yaw, view.pitch, view.zoom)
