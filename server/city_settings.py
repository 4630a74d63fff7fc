"""The city's settings as the app reads them: :func:`city`.

The admins' row (:class:`tours.models.CitySettings`) wins; while there is none, the
environment's configuration applies (``CITY_NAME``, ``DEFAULT_LANGUAGE``,
``CITY_TIME_ZONE``) with the stylesheet's own colours. Within a request the answer is kept
in ``flask.g``, so one page reads the row once; nothing outlives the request, so a save
shows at the next request in every process without a restart. Outside a request (command
line, job workers) every call reads the row again: a worker's app context can be long.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, has_request_context
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from server.extensions import db
from tours import city as city_rules
from tours.models import CitySettings

_CACHE_KEY = "_city_settings"


@dataclass(frozen=True)
class City:
    """What pages need to know about the city."""

    name: str
    default_language: str
    time_zone: str
    header_colour: str
    header_text_colour: str
    accent_colour: str
    accent_text_colour: str
    #: ``(latitude, longitude)`` where maps open; None: they fit their content
    map_centre: tuple[float, float] | None
    #: the logo's web version (``{"key", "content_type", "width", "height"}``), or None
    logo: dict[str, Any] | None
    #: the stored row's version (0: configuration only)
    version: int

    @property
    def stylesheet_tag(self) -> str:
        """A short hash of everything the generated stylesheet holds (its ETag and cache
        buster)."""
        text = "|".join((self.header_colour, self.header_text_colour, self.accent_colour,
                         self.accent_text_colour))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _from_config() -> City:
    config = current_app.config
    return City(name=config["CITY_NAME"], default_language=config["DEFAULT_LANGUAGE"],
                time_zone=str(config.get("CITY_TIME_ZONE") or config["BABEL_DEFAULT_TIMEZONE"]),
                header_colour=city_rules.DEFAULT_HEADER_COLOUR,
                header_text_colour=city_rules.HEADER_TEXT_COLOURS[
                    city_rules.DEFAULT_HEADER_TEXT],
                accent_colour=city_rules.DEFAULT_ACCENT_COLOUR,
                accent_text_colour=city_rules.WHITE, map_centre=None, logo=None, version=0)


def _from_row(row: CitySettings) -> City:
    centre = ((row.map_latitude, row.map_longitude)
              if row.map_latitude is not None and row.map_longitude is not None else None)
    logo = (row.logo or {}).get("variants", {}).get("large") if row.logo else None
    return City(name=row.name, default_language=row.default_language, time_zone=row.time_zone,
                header_colour=row.header_colour,
                header_text_colour=city_rules.HEADER_TEXT_COLOURS.get(row.header_text,
                                                                      city_rules.WHITE),
                accent_colour=row.accent_colour, accent_text_colour=city_rules.WHITE,
                map_centre=centre, logo=dict(logo) if logo else None, version=row.version)


def load_city() -> City:
    """Read the settings now (no cache)."""
    try:
        with db.session.no_autoflush:
            row = city_rules.get_settings(db.session)
    except SQLAlchemyError:
        # a broken transaction (an error page being rendered) must not turn into a second
        # error: the configuration still names the city
        # (a database that cannot be reached says so elsewhere: no traceback per request)
        current_app.logger.warning("city settings unreadable; using the configuration",
                                   exc_info=not isinstance(sys.exc_info()[1],
                                                           OperationalError | InterfaceError))
        return _from_config()
    return _from_row(row) if row is not None else _from_config()


def city() -> City:
    """The city's settings, read once per request (see the module's docstring)."""
    if not has_request_context():
        return load_city()
    cached = g.get(_CACHE_KEY)
    if cached is None:
        cached = load_city()
        setattr(g, _CACHE_KEY, cached)
    return cached


def forget() -> None:
    """Drop this request's copy (after a save, so the rest of the request sees it)."""
    g.pop(_CACHE_KEY, None)


def template_helpers() -> dict[str, object]:
    """``city`` in every template (read lazily: a template that never uses it costs no
    query)."""
    return {"city": city}
