"""Hotspots: clickable points in a scene that open a shop, an info panel or a web page."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tours.models.base import Base, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from tours.models.scenes import Scene
    from tours.models.users import User


class HotspotKind(enum.StrEnum):
    """What a hotspot opens."""

    #: a shop's profile (``shop_id``)
    SHOP = "shop"
    #: an info panel with a text (history of a square, public toilets, tram stop)
    INFO = "info"
    #: a web page (``url``)
    URL = "url"


class HotspotStatus(enum.StrEnum):
    """Whether a hotspot is part of the walk or waits for an editor's decision."""

    #: shown to visitors (inside its validity window)
    APPROVED = "approved"
    #: asked for by a shop owner in a scene they may not edit; editors decide
    REQUESTED = "requested"
    #: an editor said no; kept so the owner sees the decision
    REJECTED = "rejected"


class Hotspot(Base):
    """A clickable point in a scene, shown only inside its validity window."""

    __tablename__ = "hotspot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scene_id: Mapped[int] = mapped_column(ForeignKey("scene.id", ondelete="CASCADE"), index=True)
    #: position in the panorama in degrees, like a view (yaw −180..180, pitch −90..90)
    yaw: Mapped[float] = mapped_column(Float)
    pitch: Mapped[float] = mapped_column(Float)
    kind: Mapped[HotspotKind] = mapped_column(str_enum(HotspotKind, "hotspot_kind"))
    #: the shop a ``shop`` hotspot opens
    shop_id: Mapped[int | None] = mapped_column(
        ForeignKey("shop.id", ondelete="CASCADE"), index=True, default=None)
    #: absolute http(s) address a ``url`` hotspot opens (an ``info`` hotspot may link one too)
    url: Mapped[str | None] = mapped_column(String(2048), default=None)
    #: plain text of an info panel
    text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: short name shown on hover and read by screen readers
    label: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: an ``info`` hotspot's picture, None without one: the upload's ``sha256``, its
    #: ``original_key`` (originals storage), ``source_type``, upright ``width``/``height`` and
    #: the web ``variants`` by name ``{"large": {"key", "content_type", "width", "height"},
    #: "thumb": …}`` (public storage, content-addressed)
    image: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), default=None)
    #: describes the picture for screen readers (kept without a picture, so it may come first)
    image_alt: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: shown from/until these times (a time-limited offer); None = no limit
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: only approved hotspots are shown; owners' requests in street scenes start as requested
    status: Mapped[HotspotStatus] = mapped_column(
        str_enum(HotspotStatus, "hotspot_status", 16), default=HotspotStatus.APPROVED)
    #: the editor who approved or rejected a request, and when
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: bumped by every update (optimistic concurrency)
    version: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own protocol

    scene: Mapped[Scene] = relationship(back_populates="hotspots")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def is_valid_at(self, now: dt.datetime) -> bool:
        """True when the hotspot is to be shown at ``now``."""
        return ((self.valid_from is None or self.valid_from <= now)
                and (self.valid_until is None or now < self.valid_until))
