"""Importing shops from CSV or GeoJSON: read the file, plan every row against the database (the
dry run), then apply exactly that plan in one unit of work.

Formats
    CSV: UTF-8 with or without a byte-order mark; the first row names the columns; the
    delimiter is the one of comma, semicolon and tab that the header row uses most. GeoJSON: a
    FeatureCollection whose features are Points (or have no geometry), with properties named
    like the CSV columns or tagged like OpenStreetMap. A file holds at most
    :data:`MAX_FILE_BYTES`, :data:`MAX_ROWS` rows and :data:`MAX_CELL_LENGTH` characters per
    cell. Rows are numbered by CSV line (the header is line 1) or by feature index (from 0, as
    in ``features[0]``).

Columns
    Our export's columns (``slug``, ``name_de``…, ``category``, ``short_description_de``…,
    ``description_de``…, ``street``, ``house_number``, ``postal_code``, ``locality``,
    ``country``, ``latitude``, ``longitude``, ``venue``, ``level``, ``unit``, ``phone``,
    ``email``, ``whatsapp``, ``website``, ``online_shop_url``, ``social_links``,
    ``payment_methods``, ``opening_hours``, ``wheelchair``, ``step_free_entrance``,
    ``time_zone``) and OpenStreetMap keys (``name``, ``name:de``…, ``shop``/``amenity``/
    ``craft`` through the categories' OSM tags, ``opening_hours``, ``website``/
    ``contact:website``, ``phone``/``contact:phone``, ``email``/``contact:email``,
    ``contact:whatsapp``, ``wheelchair``, ``addr:*``, ``level``, ``description``,
    ``description:de``…, ``flaneur:slug``). A name or description without a language is in the
    city's default language. When two columns give one field, ours wins over OSM's and the
    first non-empty one is taken (a differing other value is a warning). An OSM tag no
    category maps to files the shop under :data:`FALLBACK_CATEGORY` with a warning; an unknown
    ``category`` value is an error. Opening hours outside the supported OSM subset are an
    error of the row: a row is imported whole or not at all.

Empty and missing values
    A column that is present sets its field and an empty cell clears it (names and
    descriptions language by language; clearing a shop's last name is refused). A column or
    GeoJSON property that is missing leaves the field as it is. Empty slug and category cells
    count as missing.

Matching rows to shops
    A row with a slug (``slug`` or ``flaneur:slug``) updates the shop with that slug or
    creates it. A row without one matches by name: a shop one of whose names, written as a
    slug (``Café Sonne`` → ``cafe-sonne``), equals one of the row's names. When the row has
    coordinates, a shop that has coordinates must be at the same place (equal to
    :data:`POSITION_DECIMALS` decimals, about a centimetre); a shop without any still matches.
    Two or more matching shops are an error (add a slug column). A new shop's slug is its
    name as a slug, numbered (``-2``, ``-3``) when taken.

Not imported
    Status and owners: new shops get the import's status (a draft unless an editor chooses
    published) and belong to nobody (the city keeps them); existing shops keep both.

All or nothing
    A plan with any error cannot be applied. :func:`apply_plan` goes through
    :mod:`tours.shops` (the same rules and audit entries as every other change) in the
    caller's unit of work, which commits once or rolls everything back.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from slugify import slugify
from sqlalchemy import select
from sqlalchemy.orm import Session

from tours import audit, opening_hours, shops
from tours.errors import N_, DomainError, InvalidInput
from tours.i18n import LANGUAGES, localized
from tours.models import Shop, ShopStatus, User
from tours.validation import (
    TEXT_LAYOUT_CHARACTERS,
    ControlCharacters,
    InvalidChoice,
    NotANumber,
    TextTooLong,
    has_control_characters,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_CELL_LENGTH = 10_000
#: the category of shops whose OSM tag no category maps (the seeded ``shop=yes``)
FALLBACK_CATEGORY = "other"
#: the OSM keys a shop's category is read from, in this order
OSM_CATEGORY_KEYS = ("shop", "amenity", "craft")
#: the statuses an import may give new shops
IMPORT_STATUSES = (ShopStatus.DRAFT, ShopStatus.PUBLISHED)
#: coordinates equal to this many decimals are the same place
POSITION_DECIMALS = 7
#: the most column names one "ignored columns" warning lists
MAX_LISTED_COLUMNS = 20
SLUG_LENGTH = 80
#: longer column names are cut (no known column is nearly as long)
MAX_COLUMN_NAME = 100

#: plain-text fields and the columns they are read from, ours first
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "street": ("street", "addr:street"),
    "house_number": ("house_number", "addr:housenumber"),
    "postal_code": ("postal_code", "addr:postcode"),
    "locality": ("locality", "addr:city"),
    "country": ("country", "addr:country"),
    "venue": ("venue",),
    "level": ("level",),
    "unit": ("unit", "addr:unit"),
    "time_zone": ("time_zone",),
}
#: fields that are None when empty
OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "phone": ("phone", "contact:phone"),
    "email": ("email", "contact:email"),
    "whatsapp": ("whatsapp", "contact:whatsapp"),
    "website": ("website", "contact:website"),
    "online_shop_url": ("online_shop_url",),
}
#: translatable fields: column prefixes before a language, and the column of the default one
TRANSLATED_FIELDS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "name": (("name_", "name:"), "name"),
    "short_description": (("short_description_", "description:"), "description"),
    "description": (("description_",), None),
}
POSITION_FIELDS: dict[str, tuple[str, ...]] = {
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon"),
}
SLUG_COLUMNS = ("slug", "flaneur:slug")
OTHER_COLUMNS = frozenset({
    *SLUG_COLUMNS, "category", *OSM_CATEGORY_KEYS, "opening_hours", "wheelchair",
    "step_free_entrance", "payment_methods", "social_links",
})
#: columns of our export that are deliberately not imported (see "Not imported")
SKIPPED_COLUMNS = frozenset({
    "id", "@id", "status", "version", "owner_ids", "created_at", "updated_at", "published_at",
    "last_confirmed_at",
})
YES = frozenset({"yes", "true", "1"})
NO = frozenset({"no", "false", "0"})
#: OSM's wheelchair values that our choices name differently
WHEELCHAIR_ALIASES = {"designated": "yes"}
#: fields whose rules read another field: validated together when finding every error of a row
LINKED_FIELDS = {"latitude": ("longitude",), "longitude": ("latitude",),
                 "phone": ("country",), "whatsapp": ("country",)}

# row issues (the column is given with each)
NOT_A_FEATURE = N_("This is not a GeoJSON Feature.")
PROPERTIES_NOT_OBJECT = N_("The properties of a feature must be an object.")
NOT_A_POINT = N_("Only Point geometries can be imported; this feature is a %(kind)s.")
BAD_COORDINATES = N_("A Point needs two numbers: longitude and latitude.")
UNSUPPORTED_VALUE = N_("Give a text or a number here.")
EXTRA_CELLS = N_("This row has more cells than the header has columns.")
NOT_YES_NO = N_("Use yes or no, or leave it empty when unknown.")
DUPLICATE_SLUG = N_("The slug %(slug)s is also used on row %(row)s of this file.")
SAME_SHOP = N_("Row %(row)s of this file already changes this shop.")
AMBIGUOUS_NAME = N_("Several shops match this name: %(slugs)s. Add a slug column to say which "
                    "one.")
NOTHING_TO_MATCH = N_("Give a slug or a name, so the row can be matched to a shop.")
# warnings
UNKNOWN_TAG = N_("No category is mapped to %(tag)s; the shop is filed under “%(category)s”.")
NO_CATEGORY = N_("No category given; the shop is filed under “%(category)s”.")
CONFLICTING_VALUES = N_("%(column)s was used; %(other)s holds a different value and was "
                        "ignored.")
IGNORED_COLUMNS = N_("These columns were ignored: %(columns)s.")


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read; nothing of it is planned."""

    message = N_("The file cannot be imported.")


class FileTooLarge(ImportFileError):
    message = N_("The file is larger than %(maximum)d MB.")


class TooManyRows(ImportFileError):
    message = N_("The file has more than %(maximum)d rows; split it into smaller files.")


class EmptyFile(ImportFileError):
    message = N_("The file is empty.")


class NotUtf8(ImportFileError):
    message = N_("The file is not UTF-8 text (line %(line)d). Save it as “CSV UTF-8” and try "
                 "again.")


class MalformedCsv(ImportFileError):
    message = N_("Line %(line)d of the CSV file cannot be read; look for a quote (\") that is "
                 "not closed.")


class MissingHeader(ImportFileError):
    message = N_("The first row must name the columns, such as slug, name_de and category.")


class DuplicateColumn(ImportFileError):
    message = N_("The column %(column)s appears twice.")


class MalformedJson(ImportFileError):
    message = N_("The file is not valid JSON (line %(line)d, column %(column)d).")


class InvalidJson(ImportFileError):
    message = N_("The file is not valid JSON.")


class NotFeatureCollection(ImportFileError):
    message = N_("A GeoJSON file must hold a FeatureCollection.")


class PlanHasErrors(InvalidInput):
    message = N_("The file has errors, so nothing was imported. Correct them and try again.")


class ImportFormat(enum.StrEnum):
    CSV = "csv"
    GEOJSON = "geojson"


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclasses.dataclass(frozen=True)
class Issue:
    """An error or warning about a row (or the file): ``message`` is marked with ``N_`` and
    translated at the edge with ``params``; ``column`` names the file's column ("" = the row)."""

    column: str
    message: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        text = self.message % dict(self.params) if self.params else self.message
        return f"{self.column}: {text}" if self.column else text


# --- reading the file -----------------------------------------------------------------------


@dataclasses.dataclass
class RawRow:
    """A row as the file holds it: cells by lower-case column name, and a Point's position."""

    number: int
    cells: dict[str, str]
    position: tuple[float, float] | None = None
    errors: list[Issue] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ReadRow:
    """A row as shop fields. Translatable texts are kept by language (``""`` clears one), so
    an update changes only the languages the file gives."""

    number: int
    slug: str | None = None
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    texts: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    #: the column each field (``website``, ``name.de``) was read from
    sources: dict[str, str] = dataclasses.field(default_factory=dict)
    errors: list[Issue] = dataclasses.field(default_factory=list)
    warnings: list[Issue] = dataclasses.field(default_factory=list)

    def set(self, field: str, column: str, value: Any) -> None:
        self.fields[field] = value
        self.sources[field] = column

    def set_text(self, field: str, language: str, column: str, text: str) -> None:
        self.texts.setdefault(field, {})[language] = text
        self.sources[f"{field}.{language}"] = column
        self.sources.setdefault(field, column)


@dataclasses.dataclass
class ImportFile:
    format: ImportFormat
    sha256: str
    rows: list[ReadRow]
    warnings: list[Issue]


def detect_format(data: bytes, filename: str = "") -> ImportFormat:
    """GeoJSON for ``.geojson``/``.json`` files, CSV for ``.csv``/``.tsv``/``.txt``; otherwise
    GeoJSON when the content starts with ``{``."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if extension in ("geojson", "json"):
        return ImportFormat.GEOJSON
    if extension in ("csv", "tsv", "txt"):
        return ImportFormat.CSV
    start = data[:64].removeprefix(b"\xef\xbb\xbf").lstrip()
    return ImportFormat.GEOJSON if start.startswith(b"{") else ImportFormat.CSV


def read_import(data: bytes, filename: str = "", *, default_language: str,
                category_tags: Mapping[tuple[str, str], str]) -> ImportFile:
    """The rows of a CSV or GeoJSON file as shop fields, with their errors and warnings.

    ``category_tags`` maps OSM tags (``("shop", "bakery")``) to category keys. Pure: touches
    no database. A file that cannot be read at all raises :class:`ImportFileError`; every
    other problem is an issue of its row.
    """
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(maximum=MAX_FILE_BYTES // (1024 * 1024))
    file_format = detect_format(data, filename)
    text = _decode(data)
    if not text.strip():
        raise EmptyFile()
    raw_rows = _csv_rows(text) if file_format is ImportFormat.CSV else _geojson_rows(text)
    reader = _RowReader(default_language, category_tags)
    rows = [reader.read(raw) for raw in raw_rows]
    warnings = []
    columns = sorted({column for raw in raw_rows for column in raw.cells
                      if not _is_known_column(column)})
    if columns:
        listed = ", ".join(columns[:MAX_LISTED_COLUMNS])
        if len(columns) > MAX_LISTED_COLUMNS:
            listed += ", …"
        warnings.append(Issue("", IGNORED_COLUMNS, {"columns": listed}))
    return ImportFile(file_format, hashlib.sha256(data).hexdigest(), rows, warnings)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotUtf8(line=data.count(b"\n", 0, error.start) + 1) from None


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter the header row uses most (a comma when it uses none)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(text: str) -> list[RawRow]:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first_line))
    records = _csv_records(reader)
    columns = _csv_columns(next(records, (1, []))[1])
    if not any(_is_known_column(column) for column in columns if column):
        raise MissingHeader()
    rows = []
    for line, cells in records:
        if len(rows) == MAX_ROWS:
            raise TooManyRows(maximum=MAX_ROWS)
        rows.append(_csv_row(line, columns, cells))
    return rows


def _csv_records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the line each starts on."""
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise MalformedCsv(line=line) from None
        start, line = line, reader.line_num + 1
        if any(cell.strip() for cell in cells):
            yield start, cells


def _csv_columns(header: Sequence[str]) -> list[str]:
    columns = [cell.strip().lower()[:MAX_COLUMN_NAME] for cell in header]
    seen: set[str] = set()
    for column in columns:
        if column and column in seen:
            raise DuplicateColumn(column=column)
        seen.add(column)
    return columns


def _csv_row(line: int, columns: Sequence[str], cells: Sequence[str]) -> RawRow:
    row = RawRow(line, {})
    for index, cell in enumerate(cells):
        if index >= len(columns):
            if cell.strip():
                row.errors.append(Issue("", EXTRA_CELLS))
                break
            continue
        if columns[index]:
            _put_cell(row, columns[index], cell)
    for column in columns[len(cells):]:
        if column:
            row.cells[column] = ""  # a short row: its missing cells are empty
    return row


def _put_cell(row: RawRow, column: str, value: str) -> None:
    # a quoted cell may span lines, Windows' and old Macs' included: line breaks are "\n"
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if len(value) > MAX_CELL_LENGTH:
        row.errors.append(Issue(column, TextTooLong.message, {"maximum": MAX_CELL_LENGTH}))
        return
    # no field takes them, and a NUL could not even be looked up in PostgreSQL
    if has_control_characters(value, allowed=TEXT_LAYOUT_CHARACTERS):
        row.errors.append(Issue(column, ControlCharacters.message))
        return
    row.cells[column] = value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _geojson_rows(text: str) -> list[RawRow]:
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise MalformedJson(line=error.lineno, column=error.colno) from None
    except (ValueError, RecursionError):
        raise InvalidJson() from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise NotFeatureCollection()
    features = document.get("features")
    if not isinstance(features, list):
        raise NotFeatureCollection()
    if len(features) > MAX_ROWS:
        raise TooManyRows(maximum=MAX_ROWS)
    return [_feature_row(index, feature) for index, feature in enumerate(features)]


def _feature_row(index: int, feature: object) -> RawRow:
    row = RawRow(index, {})
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        row.errors.append(Issue("", NOT_A_FEATURE))
        return row
    properties = feature.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        row.errors.append(Issue("properties", PROPERTIES_NOT_OBJECT))
        properties = {}
    for key, value in properties.items():
        column = key.strip().lower()[:MAX_COLUMN_NAME]
        if not column or column in row.cells:
            continue
        cell = _property_text(value)
        if cell is None:
            row.errors.append(Issue(column, UNSUPPORTED_VALUE))
        else:
            _put_cell(row, column, cell)
    _read_geometry(row, feature.get("geometry"))
    return row


def _property_text(value: object) -> str | None:
    """A property as a cell's text (lists joined by ``;``); None for nested objects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list) and all(
            isinstance(item, str | int | float) and not isinstance(item, bool) for item in value):
        return ";".join(str(item) for item in value)
    return None


def _read_geometry(row: RawRow, geometry: object) -> None:
    if geometry is None:
        return
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind != "Point":
        shown = kind[:40] if isinstance(kind, str) else "?"
        row.errors.append(Issue("geometry", NOT_A_POINT, {"kind": shown}))
        return
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if (not isinstance(coordinates, list) or len(coordinates) not in (2, 3)
            or not all(_is_number(item) for item in coordinates)):
        row.errors.append(Issue("geometry", BAD_COORDINATES))
        return
    row.position = (float(coordinates[1]), float(coordinates[0]))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_known_column(column: str) -> bool:
    if column in OTHER_COLUMNS or column in SKIPPED_COLUMNS:
        return True
    for columns in (*TEXT_FIELDS.values(), *OPTIONAL_FIELDS.values(), *POSITION_FIELDS.values()):
        if column in columns:
            return True
    for prefixes, bare in TRANSLATED_FIELDS.values():
        if column == bare:
            return True
        for prefix in prefixes:
            if column.startswith(prefix) and column.removeprefix(prefix) in LANGUAGES:
                return True
    return False


class _RowReader:
    """Turns a file's cells into shop fields."""

    def __init__(self, default_language: str,
                 category_tags: Mapping[tuple[str, str], str]) -> None:
        self.default_language = default_language
        self.category_tags = category_tags

    def read(self, raw: RawRow) -> ReadRow:
        row = ReadRow(raw.number, errors=list(raw.errors))
        cells = raw.cells
        picked = self._pick(row, cells, SLUG_COLUMNS)
        if picked is not None and picked[1].strip():
            row.slug = picked[1].strip()
            row.sources["slug"] = picked[0]
        self._read_texts(row, cells)
        self._read_category(row, cells)
        for field, columns in TEXT_FIELDS.items():
            picked = self._pick(row, cells, columns)
            if picked is not None:
                row.set(field, picked[0], picked[1])
        for field, columns in OPTIONAL_FIELDS.items():
            picked = self._pick(row, cells, columns)
            if picked is not None:
                row.set(field, picked[0], picked[1].strip() or None)
        self._read_position(row, cells, raw.position)
        self._read_facts(row, cells)
        return row

    def _pick(self, row: ReadRow, cells: Mapping[str, str], columns: Iterable[str]
              ) -> tuple[str, str] | None:
        """The first present column with a value (else the first present one, empty); a
        later column with a different value is a warning."""
        present = [(column, cells[column]) for column in columns if column in cells]
        if not present:
            return None
        filled = [(column, value) for column, value in present if value.strip()]
        if not filled:
            return present[0]
        chosen = filled[0]
        for column, value in filled[1:]:
            if value.strip() != chosen[1].strip():
                row.warnings.append(Issue(column, CONFLICTING_VALUES,
                                          {"column": chosen[0], "other": column}))
        return chosen

    def _read_texts(self, row: ReadRow, cells: Mapping[str, str]) -> None:
        for field, (prefixes, bare) in TRANSLATED_FIELDS.items():
            for language in LANGUAGES:
                columns = [prefix + language for prefix in prefixes]
                if bare is not None and language == self.default_language:
                    columns.append(bare)
                picked = self._pick(row, cells, columns)
                if picked is not None:
                    row.set_text(field, language, picked[0], picked[1])

    def _read_category(self, row: ReadRow, cells: Mapping[str, str]) -> None:
        given = cells.get("category", "").strip().lower()
        if given:
            row.set("category", "category", given)
            return
        tags = [(key, cells[key].strip()) for key in OSM_CATEGORY_KEYS
                if cells.get(key, "").strip()]
        for key, value in tags:
            category = self.category_tags.get((key, value))
            if category is not None:
                row.set("category", key, category)
                return
        if tags:
            key, value = tags[0]
            row.warnings.append(Issue(key, UNKNOWN_TAG, {"tag": f"{key}={value}"[:80],
                                                         "category": FALLBACK_CATEGORY}))
            row.set("category", key, FALLBACK_CATEGORY)

    def _read_position(self, row: ReadRow, cells: Mapping[str, str],
                       position: tuple[float, float] | None) -> None:
        if position is not None:
            row.set("latitude", "geometry", position[0])
            row.set("longitude", "geometry", position[1])
            return
        for field, columns in POSITION_FIELDS.items():
            picked = self._pick(row, cells, columns)
            if picked is None:
                continue
            try:
                row.set(field, picked[0], _number(picked[1]))
            except ValueError:
                row.errors.append(Issue(picked[0], NotANumber.message))

    def _read_facts(self, row: ReadRow, cells: Mapping[str, str]) -> None:
        if "wheelchair" in cells:
            value = cells["wheelchair"].strip().lower() or "unknown"
            row.set("wheelchair", "wheelchair", WHEELCHAIR_ALIASES.get(value, value))
        if "step_free_entrance" in cells:
            value = cells["step_free_entrance"].strip().lower()
            if value in YES or value in NO or not value:
                row.set("step_free_entrance", "step_free_entrance",
                        value in YES if value else None)
            else:
                row.errors.append(Issue("step_free_entrance", NOT_YES_NO))
        for field, separators in (("payment_methods", r"[\s;,|]+"), ("social_links", r"[\s;|]+")):
            if field in cells:
                items = [item for item in re.split(separators, cells[field]) if item]
                row.set(field, field, items)
        if "opening_hours" in cells:
            self._read_hours(row, cells["opening_hours"])

    def _read_hours(self, row: ReadRow, text: str) -> None:
        if not text.strip():
            row.set("opening_hours", "opening_hours", {})
            return
        try:
            read = opening_hours.read_osm(text.strip(), field="opening_hours")
        except DomainError as error:
            row.errors.append(Issue("opening_hours", error.message, error.params))
            return
        row.set("opening_hours", "opening_hours", read.hours)
        row.warnings.extend(Issue("opening_hours", note.message, note.params)
                            for note in read.notes)


def _number(text: str) -> float | None:
    """A coordinate cell as a number (a decimal comma is fine), None when empty; raises
    ValueError for anything else."""
    text = text.strip()
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".", 1)
    return float(text)


# --- planning -------------------------------------------------------------------------------


@dataclasses.dataclass
class PlannedRow:
    """What applying the plan will do with one row. ``fields`` are what goes to
    :func:`tours.shops.create_shop` or :func:`~tours.shops.update_shop` (for an update only
    the changed ones); ``changes`` are the stored values before and after."""

    number: int
    action: Action
    slug: str
    name: str
    shop_id: int | None = None
    shop_version: int | None = None
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    changes: dict[str, tuple[Any, Any]] = dataclasses.field(default_factory=dict)
    errors: list[Issue] = dataclasses.field(default_factory=list)
    warnings: list[Issue] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ImportPlan:
    format: ImportFormat
    sha256: str
    status: ShopStatus
    default_time_zone: str
    rows: list[PlannedRow]
    warnings: list[Issue]

    @property
    def has_errors(self) -> bool:
        return any(row.action is Action.ERROR for row in self.rows)

    def counts(self) -> dict[str, int]:
        """How many rows of each action: ``{"create": 3, "update": 1, …}``."""
        counts = dict.fromkeys(Action, 0)
        for row in self.rows:
            counts[row.action] += 1
        return {action.value: count for action, count in counts.items()}

    @property
    def fingerprint(self) -> str:
        """Identifies what the plan does: equal fingerprints change the same shops in the same
        way, so a plan made again before applying can be compared with the one reviewed."""
        payload = {
            "file": self.sha256, "status": self.status.value,
            "rows": [[row.number, row.action.value, row.slug, row.shop_id,
                      {name: [plain_value(old), plain_value(new)]
                       for name, (old, new) in row.changes.items()},
                      [str(issue) for issue in row.errors]] for row in self.rows],
        }
        encoded = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(encoded.encode()).hexdigest()


def plain_value(value: Any) -> Any:
    """A stored value as JSON would hold it (enumerations as their value)."""
    return value.value if isinstance(value, enum.Enum) else value


def clean_import_status(value: object) -> ShopStatus:
    """The status new shops get: draft or published."""
    if not isinstance(value, str) or value not in IMPORT_STATUSES:
        raise InvalidChoice(field="status", choices=", ".join(IMPORT_STATUSES))
    return ShopStatus(value)


def plan_import(session: Session, data: bytes, filename: str = "", *, default_language: str,
                default_time_zone: str, status: ShopStatus | str = ShopStatus.DRAFT
                ) -> ImportPlan:
    """Read ``data`` and decide for every row: create, update, unchanged or error. Reads the
    database, changes nothing (the dry run). Raises :class:`ImportFileError` for a file that
    cannot be read at all."""
    new_status = clean_import_status(status)
    tags: dict[tuple[str, str], str] = {}
    for category in shops.list_categories(session):
        tags.setdefault((category.osm_key, category.osm_value), category.key)
    source = read_import(data, filename, default_language=default_language, category_tags=tags)
    planner = _Planner(session, _ShopIndex.load(session), new_status, default_language,
                       source.rows)
    rows = [planner.plan(row) for row in source.rows]
    return ImportPlan(source.format, source.sha256, new_status, default_time_zone, rows,
                      source.warnings)


def apply_plan(session: Session, actor: User, plan: ImportPlan) -> dict[str, int]:
    """Create and update the shops of ``plan`` through :mod:`tours.shops` (editors only; a
    plan with errors is refused whole). Flushes; the caller commits, or rolls back on any
    error so that nothing is half-imported. Returns the counts of :meth:`ImportPlan.counts`."""
    if not shops.is_editor(actor):
        raise shops.EditorsOnly()
    if plan.has_errors:
        raise PlanHasErrors()
    for row in plan.rows:
        if row.action is Action.CREATE:
            shops.create_shop(session, actor, row.fields,  # type: ignore[arg-type]
                              default_time_zone=plan.default_time_zone)
        elif row.action is Action.UPDATE and row.shop_id is not None:
            shops.update_shop(session, actor, row.shop_id, row.fields,  # type: ignore[arg-type]
                              expected_version=row.shop_version)
    counts = plan.counts()
    audit.record(session, actor, "shops.imported", target_type="import",
                 target_id=plan.sha256,
                 details={"format": plan.format.value, "status": plan.status.value,
                          "counts": counts})
    return counts


def slug_key(text: str) -> str:
    """A name written as a slug, for matching: ``Café Sonne`` → ``cafe-sonne``."""
    return str(slugify(text))


@dataclasses.dataclass(frozen=True)
class _KnownShop:
    id: int
    slug: str
    name_keys: frozenset[str]
    position: tuple[float, float] | None


def _rounded(latitude: float, longitude: float) -> tuple[float, float]:
    return round(latitude, POSITION_DECIMALS), round(longitude, POSITION_DECIMALS)


class _ShopIndex:
    """Every shop's slug, names (as slugs) and position, for matching rows."""

    def __init__(self, known: Iterable[_KnownShop]) -> None:
        self.by_slug: dict[str, _KnownShop] = {}
        self.by_name: dict[str, list[_KnownShop]] = {}
        for shop in known:
            self.by_slug[shop.slug] = shop
            for key in shop.name_keys:
                self.by_name.setdefault(key, []).append(shop)

    @classmethod
    def load(cls, session: Session) -> _ShopIndex:
        rows = session.execute(select(Shop.id, Shop.slug, Shop.name, Shop.latitude,
                                      Shop.longitude))
        return cls(
            _KnownShop(shop_id, slug,
                       frozenset(slug_key(text) for text in (name or {}).values() if text),
                       _rounded(latitude, longitude)
                       if latitude is not None and longitude is not None else None)
            for shop_id, slug, name, latitude, longitude in rows)

    def by_names(self, keys: Iterable[str], position: tuple[float, float] | None
                 ) -> list[_KnownShop]:
        found = {shop.id: shop for key in keys for shop in self.by_name.get(key, ())}
        return sorted((shop for shop in found.values()
                       if position is None or shop.position is None
                       or shop.position == position), key=lambda shop: shop.slug)


class _Planner:
    """Plans rows in file order, remembering which slugs and shops earlier rows took."""

    def __init__(self, session: Session, index: _ShopIndex, status: ShopStatus,
                 default_language: str, rows: Sequence[ReadRow]) -> None:
        self.session = session
        self.index = index
        self.status = status
        self.default_language = default_language
        #: slugs that new shops may not get: every shop's, and every slug the file names
        self.taken = set(index.by_slug) | {row.slug for row in rows if row.slug}
        self.slug_rows: dict[str, int] = {}
        self.shop_rows: dict[int, int] = {}

    def plan(self, row: ReadRow) -> PlannedRow:
        errors = list(row.errors)
        if row.slug is not None:
            if row.slug in self.slug_rows:
                errors.append(Issue(row.sources["slug"], DUPLICATE_SLUG,
                                    {"slug": row.slug, "row": self.slug_rows[row.slug]}))
            self.slug_rows.setdefault(row.slug, row.number)
            known = self.index.by_slug.get(row.slug)
        else:
            known = self._match_by_name(row, errors)
        if known is not None:
            if known.id in self.shop_rows:
                errors.append(Issue("", SAME_SHOP, {"row": self.shop_rows[known.id]}))
            self.shop_rows.setdefault(known.id, row.number)
            return self._plan_update(row, known, errors)
        return self._plan_create(row, errors)

    def _match_by_name(self, row: ReadRow, errors: list[Issue]) -> _KnownShop | None:
        keys = {slug_key(text) for text in row.texts.get("name", {}).values() if text}
        keys.discard("")
        if not keys:
            errors.append(Issue("", NOTHING_TO_MATCH))
            return None
        latitude, longitude = row.fields.get("latitude"), row.fields.get("longitude")
        position = (_rounded(latitude, longitude)
                    if isinstance(latitude, float) and isinstance(longitude, float) else None)
        matches = self.index.by_names(keys, position)
        if len(matches) > 1:
            slugs = ", ".join(shop.slug for shop in matches[:10])
            errors.append(Issue("", AMBIGUOUS_NAME, {"slugs": slugs}))
            return None
        return matches[0] if matches else None

    def _plan_create(self, row: ReadRow, errors: list[Issue]) -> PlannedRow:
        warnings = list(row.warnings)
        fields = dict(row.fields)
        for field, texts in row.texts.items():
            fields[field] = {language: text for language, text in texts.items() if text}
        if "category" not in fields:
            fields["category"] = FALLBACK_CATEGORY
            warnings.append(Issue("", NO_CATEGORY, {"category": FALLBACK_CATEGORY}))
        slug = row.slug or self._new_slug(fields.get("name") or {})
        fields["slug"] = slug
        fields["status"] = self.status.value
        values, issues = self._validate(row, fields, None)
        name = localized(values["name"] if values else fields.get("name"),
                         self.default_language, self.default_language)
        errors = _first_per_column([*errors, *issues])
        return PlannedRow(row.number, Action.ERROR if errors else Action.CREATE, slug, name,
                          fields=fields, errors=errors, warnings=warnings)

    def _plan_update(self, row: ReadRow, known: _KnownShop, errors: list[Issue]) -> PlannedRow:
        shop = self.session.get(Shop, known.id)
        if shop is None:  # deleted since the index was read
            return self._plan_create(row, errors)
        fields = dict(row.fields)
        for field, texts in row.texts.items():
            merged = {**(getattr(shop, field) or {}), **texts}
            fields[field] = {language: text for language, text in merged.items() if text}
        values, issues = self._validate(row, fields, shop)
        errors = _first_per_column([*errors, *issues])
        name = localized(shop.name, self.default_language, self.default_language)
        planned = PlannedRow(row.number, Action.ERROR, shop.slug, name, shop_id=shop.id,
                             shop_version=shop.version, errors=errors,
                             warnings=list(row.warnings))
        if errors or values is None:
            return planned
        for column, new in values.items():
            old = getattr(shop, column)
            if old != new:
                planned.changes[column] = (old, new)
                field = "category" if column == "category_key" else column
                planned.fields[field] = fields[field]
        planned.action = Action.UPDATE if planned.changes else Action.UNCHANGED
        return planned

    def _new_slug(self, names: Mapping[str, str]) -> str:
        """A free slug from the shop's name (``cafe-sonne``, ``cafe-sonne-2``, …)."""
        name = localized(names, self.default_language, self.default_language)
        base = str(slugify(name, max_length=SLUG_LENGTH, word_boundary=True))
        if len(base) < 3 or not shops.SLUG_LETTER.search(base):
            base = f"shop-{base}".strip("-")
        slug = base
        for number in range(2, len(self.taken) + 3):  # one of these is free
            if slug not in self.taken:
                break
            suffix = f"-{number}"
            slug = base[:SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
        self.taken.add(slug)
        return slug

    def _validate(self, row: ReadRow, fields: dict[str, Any], shop: Shop | None
                  ) -> tuple[dict[str, Any] | None, list[Issue]]:
        """The stored values by the service's own rules, or every error found: after the
        first, each field (with the fields its rule reads) is checked on its own."""
        try:
            return shops.clean_shop_fields(self.session, fields, shop=shop), []  # type: ignore[arg-type]
        except DomainError as error:
            first = _issue(row, error)
        issues = []
        alone = shop if shop is not None else Shop()  # transient: never added
        for group in _field_groups(fields):
            try:
                shops.clean_shop_fields(self.session, group, shop=alone)  # type: ignore[arg-type]
            except DomainError as error:
                issues.append(_issue(row, error))
        if not any(issue.column == first.column for issue in issues):
            issues.insert(0, first)
        return None, issues


def _field_groups(fields: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    done: set[str] = set()
    for name in fields:
        if name in done:
            continue
        group = [name, *(linked for linked in LINKED_FIELDS.get(name, ()) if linked in fields)]
        done.update(group)
        yield {member: fields[member] for member in group}


def _issue(row: ReadRow, error: DomainError) -> Issue:
    field = str(getattr(error, "field", "") or "")
    column = (row.sources.get(field) or row.sources.get(field.split(".", 1)[0])
              or field.split(".", 1)[0])
    return Issue(column, error.message, error.params)


def _first_per_column(issues: Iterable[Issue]) -> list[Issue]:
    """One error per column (the first): a bad latitude is not also an incomplete position."""
    seen: set[str] = set()
    kept = []
    for issue in issues:
        if issue.column and issue.column in seen:
            continue
        seen.add(issue.column)
        kept.append(issue)
    return kept
