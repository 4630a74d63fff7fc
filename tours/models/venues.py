"""Floor plans of venues (a mall, a market hall): one uploaded drawing per level, on which that
level's scenes are placed, so indoor routes can be shown where GPS means nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tours.models.base import Base, UTCDateTime, utcnow


class FloorPlan(Base):
    """The drawing of one level of a venue. Scenes name it (``Scene.floor_plan_id``) with
    their position on it as fractions of its width and height (0 = left/top, 1 = right/bottom).
    """

    __tablename__ = "floor_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the venue's name ("Luisencenter"), the same in every language
    venue: Mapped[str] = mapped_column(String(120))
    #: the level as people read it on signs ("0", "1", "-1", "EG"); scenes on the plan take it
    level: Mapped[str] = mapped_column(String(20))
    #: translatable name shown to visitors ("Ground floor"); empty = "Level <level>"
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: public storage key of the drawing (a PNG or WebP rendered from the upload); None until
    #: one is uploaded
    image_key: Mapped[str | None] = mapped_column(String(512), default=None)
    image_width: Mapped[int | None] = mapped_column(Integer, default=None)
    image_height: Mapped[int | None] = mapped_column(Integer, default=None)
    #: bumped by every update (optimistic concurrency: a stale version is refused)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own protocol
