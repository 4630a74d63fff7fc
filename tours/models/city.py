"""The city's own settings: name, colours, logo, language, time zone and map centre."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tours.models.base import Base, UTCDateTime, utcnow

#: the one row's primary key: an installation serves one city
CITY_SETTINGS_ID = 1


class CitySettings(Base):
    """What an admin set for the city, so an installation adapts without code or restart.

    At most one row (id 1). While there is none, the environment's configuration applies
    (``CITY_NAME``, ``DEFAULT_LANGUAGE``, ``CITY_TIME_ZONE``), see ``server.city_settings``.
    """

    __tablename__ = "city_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the name in the header, titles and mails (one string: a city's name is its name)
    name: Mapped[str] = mapped_column(String(120))
    #: the header's background and the buttons' colour, ``#rrggbb``
    header_colour: Mapped[str] = mapped_column(String(7))
    #: the header's text: ``light`` (white) or ``dark`` (black), checked for contrast
    header_text: Mapped[str] = mapped_column(String(5))
    accent_colour: Mapped[str] = mapped_column(String(7))
    #: one of :data:`tours.i18n.LANGUAGES`
    default_language: Mapped[str] = mapped_column(String(2))
    #: an IANA zone name (``Europe/Berlin``)
    time_zone: Mapped[str] = mapped_column(String(64))
    #: where maps open (WGS 84); None: the maps fit their content
    map_latitude: Mapped[float | None] = mapped_column(Float, default=None)
    map_longitude: Mapped[float | None] = mapped_column(Float, default=None)
    #: the uploaded logo's record (:meth:`tours.images.StoredImage.as_record`); None: no logo
    logo: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    #: bumped by every save (optimistic concurrency: a stale form is refused)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    onupdate=utcnow)
    #: the admin who saved last (None once that account is deleted; the audit log keeps it)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own protocol
