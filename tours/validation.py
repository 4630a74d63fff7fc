"""Rules for values editors enter: angles, positions, slugs, web addresses, plain texts, periods.

Every ``clean_*`` function returns the value in its stored form (trimmed, normalised) or raises an
:class:`InvalidValue` naming the field, so the edge can show the message next to the input.
Field names are the keys of the services' field maps; nested values use dots
(``initial_view.yaw``).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TypeVar
from urllib.parse import urlsplit

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tours.errors import N_, Conflict, InvalidInput
from tours.models import View

SLUG_PATTERN = re.compile(r"[a-z0-9-]{3,80}")
MAX_URL_LENGTH = 2048
E = TypeVar("E", bound=enum.StrEnum)
#: characters allowed in plain texts besides printable ones (only in multi-line texts)
TEXT_LAYOUT_CHARACTERS = frozenset("\n\t")


class InvalidValue(InvalidInput):
    """A value the rules refuse. ``field`` names it (dotted for nested values)."""

    def __init__(self, message: str | None = None, *, field: str, **params: object) -> None:
        self.field = field
        super().__init__(message, **params)


class MissingValue(InvalidValue):
    message = N_("This value is required.")


class NotANumber(InvalidValue):
    message = N_("Enter a number.")


class OutOfRange(InvalidValue):
    message = N_("Enter a value from %(minimum)s to %(maximum)s.")


class InvalidSlug(InvalidValue):
    message = N_("Use 3 to 80 characters: lower-case letters a–z, digits and hyphens.")


class InvalidUrl(InvalidValue):
    message = N_("Enter a complete web address starting with https:// or http://.")


class NotText(InvalidValue):
    message = N_("Enter a text.")


class TextTooLong(InvalidValue):
    message = N_("Use at most %(maximum)d characters.")


class ControlCharacters(InvalidValue):
    message = N_("The text contains invalid control characters.")


class NaiveDateTime(InvalidValue):
    message = N_("Give the time with its time zone.")


class InvalidPeriod(InvalidValue):
    message = N_("The end must be later than the start.")


class IncompletePosition(InvalidValue):
    message = N_("Give both latitude and longitude, or neither.")


class InvalidChoice(InvalidValue):
    message = N_("Choose one of: %(choices)s.")


class SlugTaken(Conflict):
    message = N_("The name %(slug)s is already used; choose another one.")

    def __init__(self, *, slug: str, field: str = "slug") -> None:
        self.field = field
        super().__init__(slug=slug)


class VersionConflict(Conflict):
    message = N_("Someone else changed this in the meantime. Reload it and make your change "
                 "again.")


def check_fields(fields: Mapping[str, object], allowed: Iterable[str]) -> None:
    """Refuse keys a service does not know (a programming error, not an input error)."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


def clean_number(value: object, *, field: str, minimum: float, maximum: float) -> float:
    """A finite number within ``minimum``..``maximum`` (both included), as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NotANumber(field=field)
    number = float(value)
    if not math.isfinite(number) or not minimum <= number <= maximum:
        raise OutOfRange(field=field, minimum=minimum, maximum=maximum)
    return number + 0.0  # turns -0.0 into 0.0, so equal angles compare and print equal


def clean_choice(value: object, choices: type[E], *, field: str) -> E:
    """A member of the string enumeration ``choices``, given as member or value."""
    try:
        return choices(value)
    except ValueError:
        raise InvalidChoice(field=field, choices=", ".join(choices)) from None


def clean_yaw(value: object, *, field: str) -> float:
    """A horizontal angle −180..180°; 180 is stored as −180, the same direction."""
    yaw = clean_number(value, field=field, minimum=-180, maximum=180)
    return -180.0 if yaw == 180 else yaw


def clean_pitch(value: object, *, field: str) -> float:
    return clean_number(value, field=field, minimum=-90, maximum=90)


def clean_zoom(value: object, *, field: str) -> float:
    return clean_number(value, field=field, minimum=0, maximum=100)


def clean_bearing(value: object, *, field: str) -> float:
    """A compass bearing 0..360°; 360 is stored as 0, the same direction."""
    bearing = clean_number(value, field=field, minimum=0, maximum=360)
    return 0.0 if bearing == 360 else bearing


def reverse_bearing(bearing: float) -> float:
    """The bearing pointing the other way."""
    return (bearing + 180.0) % 360.0


def clean_view(value: object, *, field: str) -> View:
    """A :class:`View` from a map ``{"yaw", "pitch", "zoom"}`` (or a View)."""
    if isinstance(value, View):
        value = value.as_dict()
    if not isinstance(value, Mapping):
        raise MissingValue(field=field)
    for part in ("yaw", "pitch", "zoom"):
        if value.get(part) is None:
            raise MissingValue(field=f"{field}.{part}")
    check_fields(value, ("yaw", "pitch", "zoom"))
    return View(
        yaw=clean_yaw(value["yaw"], field=f"{field}.yaw"),
        pitch=clean_pitch(value["pitch"], field=f"{field}.pitch"),
        zoom=clean_zoom(value["zoom"], field=f"{field}.zoom"),
    )


def clean_latitude(value: object, *, field: str = "latitude") -> float | None:
    if value is None:
        return None
    return clean_number(value, field=field, minimum=-90, maximum=90)


def clean_longitude(value: object, *, field: str = "longitude") -> float | None:
    if value is None:
        return None
    return clean_number(value, field=field, minimum=-180, maximum=180)


def check_position(latitude: float | None, longitude: float | None) -> None:
    """A map position has both coordinates or none."""
    if (latitude is None) != (longitude is None):
        raise IncompletePosition(field="longitude" if longitude is None else "latitude")


def clean_slug(value: object, *, field: str = "slug") -> str:
    """A slug: 3 to 80 of ``a-z``, ``0-9`` and ``-`` (surrounding spaces are dropped)."""
    if not isinstance(value, str):
        raise InvalidSlug(field=field)
    slug = value.strip()
    if not SLUG_PATTERN.fullmatch(slug):
        raise InvalidSlug(field=field)
    return slug


def clean_url(value: object, *, field: str = "url") -> str:
    """An absolute http or https address with a host.

    Everything a browser could run or resolve elsewhere is refused: other schemes
    (``javascript:``, ``data:``), scheme-relative (``//host``) and relative addresses,
    backslashes (browsers read ``https:\\\\host`` as ``https://host``), whitespace and control
    characters, and credentials (``https://bank.example@evil.example``).
    """
    if not isinstance(value, str):
        raise InvalidUrl(field=field)
    url = value.strip()
    if (not url or len(url) > MAX_URL_LENGTH or "\\" in url
            or any(char.isspace() or unicodedata.category(char) == "Cc" for char in url)):
        raise InvalidUrl(field=field)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port raises ValueError when it is not a number
    except ValueError:
        raise InvalidUrl(field=field) from None
    if (parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or parts.username is not None):
        raise InvalidUrl(field=field)
    return url


def has_control_characters(text: str, *, allowed: Iterable[str] = "") -> bool:
    """Whether ``text`` holds a control character (category Cc) other than ``allowed``."""
    permitted = frozenset(allowed)
    return any(unicodedata.category(char) == "Cc" and char not in permitted for char in text)


def clean_text(value: object, *, field: str, max_length: int, multiline: bool = False) -> str:
    """Plain text, Unicode-normalised (NFC) and trimmed; line breaks and tabs only when
    ``multiline``. Markup is kept as typed: plain text is escaped wherever it is shown."""
    if not isinstance(value, str):
        raise NotText(field=field)
    text = unicodedata.normalize("NFC", value).strip()
    if has_control_characters(text, allowed=TEXT_LAYOUT_CHARACTERS if multiline else ""):
        raise ControlCharacters(field=field)
    if len(text) > max_length:
        raise TextTooLong(field=field, maximum=max_length)
    return text


def clean_datetime(value: object, *, field: str) -> dt.datetime | None:
    """An aware datetime (None stays None); times without a zone are ambiguous and refused."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise NaiveDateTime(field=field)
    return value.astimezone(dt.UTC)


def check_period(start: dt.datetime | None, end: dt.datetime | None, *, field: str) -> None:
    """``start`` (when given) lies before ``end`` (when given); ``field`` names the end."""
    if start is not None and end is not None and end <= start:
        raise InvalidPeriod(field=field)


def check_version(current: int, expected: int | None) -> None:
    """Refuse a change based on an older version than the stored one (None = not checked)."""
    if expected is not None and expected != current:
        raise VersionConflict()


def flush_versioned(session: Session) -> None:
    """Flush; a row whose version changed since it was read becomes a :class:`VersionConflict`.

    The version column is part of the UPDATE's WHERE clause, so two concurrent saves of the
    same version cannot both succeed even when both passed :func:`check_version`.
    """
    try:
        session.flush()
    except StaleDataError:
        raise VersionConflict() from None
