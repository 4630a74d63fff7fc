"""Visitor statistics: counts per day, never per visitor.

Nothing here can tell visitors apart: no cookie, no IP address, no session is stored, only how
often something happened on a day. ``subject_id`` names what it happened to (a tour, a scene,
a hotspot or a shop, depending on the event).
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tours.models.base import Base


class StatEvent(enum.StrEnum):
    """What is counted, and what its subject is."""

    TOUR_VIEW = "tour_view"            # a tour
    SCENE_VIEW = "scene_view"          # a scene
    HOTSPOT_OPEN = "hotspot_open"      # a hotspot
    CARD_OPEN = "card_open"            # a shop (its card opened in the walk)
    WEBSITE_CLICK = "website_click"    # a shop (its website followed from the card)
    ONLINE_SHOP_CLICK = "online_shop_click"  # a shop (its online shop followed)
    ROUTE_REQUEST = "route_request"    # a shop (a visitor asked the way to it)


class DailyCount(Base):
    """How often ``event`` happened to ``subject_id`` on ``day`` (the city's calendar day)."""

    __tablename__ = "daily_count"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    event: Mapped[str] = mapped_column(String(30), primary_key=True)
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
