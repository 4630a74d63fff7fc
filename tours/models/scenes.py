"""Scenes (places in the walk showing a panorama) and the links walked between them.

Translatable texts are JSON maps from language to text (``{"de": "Marktplatz", "en": …}``),
checked and read by ``tours.i18n``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tours.models.base import Base, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from tours.models.hotspots import Hotspot
    from tours.models.panoramas import Panorama
    from tours.models.venues import FloorPlan


@dataclasses.dataclass(frozen=True)
class View:
    """Where the camera looks: yaw −180..180° (0 = the panorama's centre), pitch −90..90°
    (up is positive) and zoom 0..100 (the viewer's zoom level)."""

    yaw: float
    pitch: float
    zoom: float

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)


class Scene(Base):
    """A place in the walk showing a panorama."""

    __tablename__ = "scene"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: stable, readable part of public URLs (``[a-z0-9-]{3,80}``)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: a panorama shown by a scene cannot be deleted (RESTRICT); panoramas are removed by a sweep
    panorama_id: Mapped[int] = mapped_column(
        ForeignKey("panorama.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: plain text
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: WGS84 position on the map, set by an editor or taken from the panorama's GPS
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    #: venue level ("0", "EG", "-1") for indoor wayfinding; None outdoors
    level: Mapped[str | None] = mapped_column(String(20), default=None)
    #: the venue floor plan the scene is placed on, and where on it (fractions 0..1 of the
    #: drawing's width and height, from its top left corner)
    floor_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("floor_plan.id", ondelete="SET NULL"), index=True, default=None)
    floor_x: Mapped[float | None] = mapped_column(Float, default=None)
    floor_y: Mapped[float | None] = mapped_column(Float, default=None)
    #: a shop's interior scene: that shop's owners may place its hotspots themselves
    shop_id: Mapped[int | None] = mapped_column(
        ForeignKey("shop.id", ondelete="SET NULL"), index=True, default=None)
    #: yaw in degrees at which north lies in the panorama
    north_offset: Mapped[float] = mapped_column(Float, default=0.0)
    initial_yaw: Mapped[float] = mapped_column(Float, default=0.0)
    initial_pitch: Mapped[float] = mapped_column(Float, default=0.0)
    initial_zoom: Mapped[float] = mapped_column(Float, default=50.0)
    #: public storage key of the image shown when the scene is shared; None until rendered
    share_image_key: Mapped[str | None] = mapped_column(String(512), default=None)
    #: the view the share image was rendered for; it is stale when the initial view differs
    share_image_view: Mapped[dict[str, float] | None] = mapped_column(JSON, default=None)
    #: bumped by every update (optimistic concurrency: a stale version is refused)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own protocol

    panorama: Mapped[Panorama] = relationship()
    floor_plan: Mapped[FloorPlan | None] = relationship()
    # links and hotspots go with their scene; the database cascades, so nothing is loaded first
    links: Mapped[list[Link]] = relationship(
        foreign_keys="Link.from_scene_id", back_populates="from_scene",
        cascade="all, delete-orphan", passive_deletes=True, order_by="Link.bearing",
    )
    hotspots: Mapped[list[Hotspot]] = relationship(
        back_populates="scene", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Hotspot.id",
    )

    @property
    def initial_view(self) -> View:
        return View(self.initial_yaw, self.initial_pitch, self.initial_zoom)

    @initial_view.setter
    def initial_view(self, view: View) -> None:
        self.initial_yaw, self.initial_pitch, self.initial_zoom = view.yaw, view.pitch, view.zoom

    @property
    def share_image_is_stale(self) -> bool:
        """True when there is no share image or it shows another view than the initial one."""
        return self.share_image_key is None or self.share_image_view != self.initial_view.as_dict()


class FormerSceneSlug(Base):
    """A slug a scene had before it was renamed: deep links made with it (``/tours/<tour>/<scene>``,
    kiosk screens, shared routes) lead to the scene under its current slug. A slug that becomes
    some scene's current slug again stops being a former one."""

    __tablename__ = "former_scene_slug"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    scene_id: Mapped[int] = mapped_column(ForeignKey("scene.id", ondelete="CASCADE"), index=True)
    retired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LinkKind(enum.StrEnum):
    """How a link is walked; wayfinding avoids stairs and escalators for step-free routes."""

    WALKWAY = "walkway"
    STAIRS = "stairs"
    ESCALATOR = "escalator"
    ELEVATOR = "elevator"
    RAMP = "ramp"
    DOOR = "door"


class Link(Base):
    """A walkable connection from one scene to another (one direction; the way back is its own
    link, created with it by default)."""

    __tablename__ = "link"
    __table_args__ = (
        UniqueConstraint("from_scene_id", "to_scene_id"),
        CheckConstraint("from_scene_id <> to_scene_id", name="not_to_itself"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_scene_id: Mapped[int] = mapped_column(ForeignKey("scene.id", ondelete="CASCADE"))
    to_scene_id: Mapped[int] = mapped_column(
        ForeignKey("scene.id", ondelete="CASCADE"), index=True
    )
    #: direction of the arrow in the panorama, degrees clockwise from north, 0 ≤ bearing < 360
    bearing: Mapped[float] = mapped_column(Float)
    #: walking distance in metres, when known (wayfinding uses it as the cost)
    length_m: Mapped[float | None] = mapped_column(Float, default=None)
    kind: Mapped[LinkKind] = mapped_column(
        str_enum(LinkKind, "link_kind"), default=LinkKind.WALKWAY
    )
    #: closed (an elevator out of service, building works) until this time
    closed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_reason: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: optional text on the arrow ("To the market hall")
    label: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: bumped by every update (optimistic concurrency: a stale version is refused)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own protocol

    from_scene: Mapped[Scene] = relationship(foreign_keys=[from_scene_id], back_populates="links")
    to_scene: Mapped[Scene] = relationship(foreign_keys=[to_scene_id])

    def is_closed(self, now: dt.datetime) -> bool:
        return self.closed_until is not None and self.closed_until > now
