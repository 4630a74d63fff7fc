"""The city's settings (name, colours, logo, default language, time zone, map centre) and its
category list, as admins change them.

Rules:

- the name is one plain string of 1 to 120 characters (a city is called the same in every
  language of this site; the header shows it as it is);
- colours are ``#rrggbb``. The header's text is white or black as the admin chooses, and
  must reach WCAG AA's 4.5:1 contrast against the header colour; the accent colour is used
  for links, borders and white-on-accent buttons, so it must reach 4.5:1 against white;
- the default language is one of :data:`tours.i18n.LANGUAGES`, the time zone an IANA name
  this system knows (``zoneinfo``), the map centre both coordinates or none;
- saving checks the version the form was based on (a stale form is a
  :class:`~tours.validation.VersionConflict`, nothing is overwritten) and is recorded in the
  audit log in the same unit of work.

Categories: the key is fixed once created (shops, filters and imports use it); a category
shops use cannot be deleted (:class:`CategoryInUse`).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tours import audit
from tours.errors import N_, Conflict, Forbidden, NotFound
from tours.i18n import LANGUAGES, clean_translations
from tours.models import CITY_SETTINGS_ID, Category, CitySettings, Role, Shop, User
from tours.validation import (
    InvalidChoice,
    InvalidValue,
    MissingValue,
    VersionConflict,
    check_position,
    check_version,
    clean_latitude,
    clean_longitude,
    clean_number,
    clean_text,
    flush_versioned,
)

MAX_NAME_LENGTH = 120
COLOUR_PATTERN = re.compile(r"#[0-9a-f]{6}")
#: WCAG 2 AA for normal text
MIN_CONTRAST = 4.5
WHITE = "#ffffff"
BLACK = "#000000"
#: the header text choices and their colours
HEADER_TEXT_COLOURS = {"light": WHITE, "dark": BLACK}
#: what a city looks like before an admin chose anything (the stylesheet's own colours)
DEFAULT_HEADER_COLOUR = "#1d5c63"
DEFAULT_HEADER_TEXT = "light"
DEFAULT_ACCENT_COLOUR = "#1d5c63"
MAX_LABEL_LENGTH = 60
MAX_POSITION = 100_000
CATEGORY_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,39}")
#: OSM keys a shop-like place is tagged with
OSM_KEYS = ("shop", "amenity", "craft", "office", "tourism", "leisure", "healthcare")
OSM_VALUE_PATTERN = re.compile(r"[a-z0-9_]{1,60}")
#: a schema.org type name (``Bakery``, ``CafeOrCoffeeShop``): letters and digits, capitalised
SCHEMA_TYPE_PATTERN = re.compile(r"[A-Z][A-Za-z0-9]{1,59}")
#: what audit entries call the changes
SETTINGS_UPDATED = "city.settings_updated"
CATEGORY_CREATED = "category.created"
CATEGORY_UPDATED = "category.updated"
CATEGORY_DELETED = "category.deleted"
SETTINGS_FIELDS = ("name", "header_colour", "header_text", "accent_colour",
                   "default_language", "time_zone", "map_latitude", "map_longitude")


class InvalidColour(InvalidValue):
    message = N_("Enter a colour as # and six hexadecimal digits, such as #1d5c63.")


class LowContrast(InvalidValue):
    message = N_("The contrast is %(ratio)s:1; at least 4.5:1 is needed so the text stays "
                 "readable. Choose a darker or lighter colour.")


class UnknownTimeZone(InvalidValue):
    message = N_("Enter a time zone such as Europe/Berlin.")


class InvalidCategoryKey(InvalidValue):
    message = N_("Use 2 to 40 characters: lower-case letters a–z, digits and underscores, "
                 "starting with a letter.")


class InvalidOsmValue(InvalidValue):
    message = N_("Use 1 to 60 characters: lower-case letters a–z, digits and underscores.")


class InvalidSchemaType(InvalidValue):
    message = N_("Enter a schema.org type such as Store or Bakery.")


class CategoryKeyTaken(Conflict):
    message = N_("A category with the key %(key)s exists already.")


class CategoryInUse(Conflict):
    message = N_("This category cannot be deleted while shops use it (%(count)d). Move them "
                 "to another category first.")


# --- colours ------------------------------------------------------------------------------

def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of ``#rrggbb``."""
    channels = []
    for start in (1, 3, 5):
        value = int(colour[start:start + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)),
                             reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def clean_colour(value: object, *, field: str) -> str:
    """``#rrggbb`` in lower case (surrounding spaces dropped)."""
    colour = value.strip().lower() if isinstance(value, str) else ""
    if not COLOUR_PATTERN.fullmatch(colour):
        raise InvalidColour(field=field)
    return colour


def check_contrast(background: str, text: str, *, field: str) -> None:
    ratio = contrast_ratio(background, text)
    if ratio < MIN_CONTRAST:
        # rounded down, so 4.49 never shows as an acceptable-looking 4.5
        raise LowContrast(field=field, ratio=f"{int(ratio * 100) / 100:.2f}")


# --- settings -----------------------------------------------------------------------------

def clean_time_zone(value: object, *, field: str = "time_zone") -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name or len(name) > 64 or name.startswith("/") or ".." in name:
        raise UnknownTimeZone(field=field)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(field=field) from None
    return name


def clean_settings(fields: Mapping[str, object]) -> dict[str, Any]:
    """Every field in its stored form (all of :data:`SETTINGS_FIELDS` are required, the map
    centre as None/None for none). Raises the first :class:`InvalidValue` found."""
    name = clean_text(fields.get("name"), field="name", max_length=MAX_NAME_LENGTH)
    if not name:
        raise MissingValue(field="name")
    header_colour = clean_colour(fields.get("header_colour"), field="header_colour")
    header_text = fields.get("header_text")
    if header_text not in HEADER_TEXT_COLOURS:
        raise InvalidChoice(field="header_text", choices=", ".join(HEADER_TEXT_COLOURS))
    check_contrast(header_colour, HEADER_TEXT_COLOURS[str(header_text)], field="header_colour")
    accent_colour = clean_colour(fields.get("accent_colour"), field="accent_colour")
    check_contrast(accent_colour, WHITE, field="accent_colour")
    language = fields.get("default_language")
    if language not in LANGUAGES:
        raise InvalidChoice(field="default_language", choices=", ".join(LANGUAGES))
    latitude = clean_latitude(fields.get("map_latitude"), field="map_latitude")
    longitude = clean_longitude(fields.get("map_longitude"), field="map_longitude")
    check_position(latitude, longitude)
    return {"name": name, "header_colour": header_colour, "header_text": str(header_text),
            "accent_colour": accent_colour, "default_language": str(language),
            "time_zone": clean_time_zone(fields.get("time_zone")),
            "map_latitude": latitude, "map_longitude": longitude}


def get_settings(session: Session) -> CitySettings | None:
    """The stored settings; None while no admin saved any (the configuration applies)."""
    return session.get(CitySettings, CITY_SETTINGS_ID)


def version_of(settings: CitySettings | None) -> int:
    """The version a form is based on: 0 while nothing is stored."""
    return settings.version if settings is not None else 0


def _require_admin(actor: User) -> None:
    if not actor.has_role(Role.ADMIN):
        raise Forbidden()


def _insert(session: Session, settings: CitySettings) -> None:
    try:
        # two admins saving the first settings at once: the second one meets a conflict
        with session.begin_nested():
            session.add(settings)
            session.flush()
    except IntegrityError:
        raise VersionConflict() from None


def save_settings(session: Session, actor: User, fields: Mapping[str, object], *,
                  expected_version: int, logo: Mapping[str, Any] | None = None,
                  remove_logo: bool = False) -> tuple[CitySettings, bool]:
    """Store the settings (admins only) and record the change in the audit log.

    ``expected_version`` is the version the admin's form showed (0 while nothing is stored);
    another save in between raises :class:`~tours.validation.VersionConflict` and changes
    nothing. ``logo`` is a new logo's record, ``remove_logo`` drops the current one. Returns
    the row and whether anything changed.
    """
    _require_admin(actor)
    values = clean_settings(fields)
    settings = get_settings(session)
    check_version(version_of(settings), expected_version)
    if logo is not None:
        values["logo"] = dict(logo)
    elif remove_logo:
        values["logo"] = None
    if settings is None:
        settings = CitySettings(id=CITY_SETTINGS_ID, updated_by_id=actor.id, **values)
        _insert(session, settings)
        changed = sorted(values)
    else:
        changed = sorted(name for name, value in values.items()
                         if getattr(settings, name) != value)
        if not changed:
            return settings, False
        for name in changed:
            setattr(settings, name, values[name])
        settings.updated_by_id = actor.id
        flush_versioned(session)
    audit.record(session, actor, SETTINGS_UPDATED, target_type="city_settings",
                 target_id=str(CITY_SETTINGS_ID),
                 details={"fields": changed, "version": settings.version})
    return settings, True


# --- categories ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CategoryUse:
    category: Category
    shops: int


def categories_with_use(session: Session) -> list[CategoryUse]:
    """Every category in list order, with how many shops (any status) use it."""
    counts = dict(session.execute(
        select(Shop.category_key, func.count(Shop.id)).group_by(Shop.category_key)).all())
    return [CategoryUse(category, counts.get(category.key, 0)) for category in
            session.scalars(select(Category).order_by(Category.position, Category.key))]


def clean_category(fields: Mapping[str, object]) -> dict[str, Any]:
    """Labels (at least one language), OSM tag, schema.org type and position, stored form."""
    label = clean_translations(fields.get("label"), field="label", max_length=MAX_LABEL_LENGTH,
                               required=True)
    osm_key = fields.get("osm_key")
    if osm_key not in OSM_KEYS:
        raise InvalidChoice(field="osm_key", choices=", ".join(OSM_KEYS))
    osm_value = fields.get("osm_value")
    osm_value = osm_value.strip() if isinstance(osm_value, str) else ""
    if not OSM_VALUE_PATTERN.fullmatch(osm_value):
        raise InvalidOsmValue(field="osm_value")
    schema_type = fields.get("schema_type")
    schema_type = schema_type.strip() if isinstance(schema_type, str) else ""
    if not SCHEMA_TYPE_PATTERN.fullmatch(schema_type):
        raise InvalidSchemaType(field="schema_type")
    position = int(clean_number(fields.get("position"), field="position", minimum=0,
                                maximum=MAX_POSITION))
    return {"label": label, "osm_key": str(osm_key), "osm_value": osm_value,
            "schema_type": schema_type, "position": position}


def create_category(session: Session, actor: User, key: object,
                    fields: Mapping[str, object]) -> Category:
    """A new category (admins only); its key cannot change later."""
    _require_admin(actor)
    clean_key = key.strip() if isinstance(key, str) else ""
    if len(clean_key) > 40 or not CATEGORY_KEY_PATTERN.fullmatch(clean_key):
        raise InvalidCategoryKey(field="key")
    values = clean_category(fields)
    if session.get(Category, clean_key) is not None:
        raise CategoryKeyTaken(key=clean_key)
    category = Category(key=clean_key, **values)
    try:
        with session.begin_nested():
            session.add(category)
            session.flush()
    except IntegrityError:
        raise CategoryKeyTaken(key=clean_key) from None
    audit.record(session, actor, CATEGORY_CREATED, target_type="category", target_id=clean_key,
                 details={"osm_tag": category.osm_tag, "schema_type": category.schema_type})
    return category


def update_category(session: Session, actor: User, key: str,
                    fields: Mapping[str, object]) -> tuple[Category, bool]:
    """New labels, tag, type or position for category ``key``; whether anything changed."""
    _require_admin(actor)
    category = session.get(Category, key)
    if category is None:
        raise NotFound()
    values = clean_category(fields)
    changed = sorted(name for name, value in values.items()
                     if getattr(category, name) != value)
    if not changed:
        return category, False
    for name in changed:
        setattr(category, name, values[name])
    session.flush()
    audit.record(session, actor, CATEGORY_UPDATED, target_type="category", target_id=key,
                 details={"fields": changed})
    return category, True


def delete_category(session: Session, actor: User, key: str) -> None:
    """Remove category ``key``, refused (:class:`CategoryInUse`) while any shop uses it."""
    _require_admin(actor)
    category = session.get(Category, key)
    if category is None:
        raise NotFound()
    count = session.scalar(select(func.count(Shop.id)).where(Shop.category_key == key)) or 0
    if count:
        raise CategoryInUse(count=count)
    session.delete(category)
    try:
        session.flush()
    except IntegrityError:  # a shop took it in the meantime
        raise CategoryInUse(count=1) from None
    audit.record(session, actor, CATEGORY_DELETED, target_type="category", target_id=key,
                 details={"osm_tag": category.osm_tag})

