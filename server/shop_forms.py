"""The shop profile as an HTML form: what the inputs hold, and how a posted form becomes the
fields :func:`tours.shops.create_shop` and :func:`tours.shops.update_shop` take.

The form keeps every input as the text the person typed (:class:`ProfileForm`), so a page that
refuses a value shows everything again, unchanged, with the message next to the input that
caused it. The services check the rules; this module only reads the inputs' shapes:

* texts per language are inputs ``name-de``, ``description-fr``…;
* opening hours are one input per weekday (``hours-1`` is Monday) holding intervals such as
  ``09:00-12:30, 14:00-18:30`` (empty: closed that day; ``22:00-02:00`` runs past midnight),
  and rows of special days (``special-<row>-from``, ``-to``, ``-closed``, ``-hours``,
  ``-reason``). A form with no hours and no special days stores ``{}``: "not known";
* a special day's reason is edited in the page's language; its other languages are kept.

Errors of the services name dotted fields (``opening_hours.weekly.2.closes``);
:func:`input_of` finds the input that produced them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape, unescape
from typing import Any

from werkzeug.datastructures import MultiDict

from tours.errors import N_, DomainError
from tours.i18n import LANGUAGES, clean_translations
from tours.models import Shop
from tours.opening_hours import wall_time_instant
from tours.opening_hours.stored import MAX_SPECIAL_ENTRIES, MAX_YEAR, MIN_YEAR
from tours.shop_media import OfferFields
from tours.shops import MAX_NAME_LENGTH, ShopFields
from tours.validation import InvalidValue, MissingValue, NotANumber

#: texts kept per language, in the order the form shows them
TRANSLATED_FIELDS = ("name", "short_description", "description")
#: single-line inputs passed to the service as typed
PLAIN_FIELDS = ("category", "street", "house_number", "postal_code", "locality", "country",
                "venue", "level", "unit", "phone", "email", "whatsapp", "website",
                "online_shop_url", "wheelchair", "time_zone")
#: inputs whose empty value means "none" (stored as None, not "")
OPTIONAL_FIELDS = frozenset({"phone", "email", "whatsapp", "website", "online_shop_url"})
WEEKDAYS = tuple(range(1, 8))
#: empty rows of special days offered below the stored ones
BLANK_SPECIAL_ROWS = 3
#: rows read from a posted form, at most (the stored form allows MAX_SPECIAL_ENTRIES)
MAX_SPECIAL_ROWS = MAX_SPECIAL_ENTRIES + BLANK_SPECIAL_ROWS
#: what the services call an input, where the form's name differs
SERVICE_NAMES = {"category_key": "category"}
#: the parts of a special day's error field, and the input of its row that shows it
SPECIAL_PARTS = {"from": "from", "to": "to", "closed": "closed", "intervals": "hours",
                 "reason": "reason"}

_INTERVAL = re.compile(
    r"(?P<oh>[0-9]{1,2})(?:[:.h](?P<om>[0-9]{2}))?h?\s*[-–—]\s*"
    r"(?P<ch>[0-9]{1,2})(?:[:.h](?P<cm>[0-9]{2}))?h?", re.IGNORECASE)
_INTERVAL_SEPARATORS = re.compile(r"[,;]")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
#: what makes a description HTML rather than plain text: the start of a tag or comment
_TAG = re.compile(r"<[A-Za-z/!]")
#: a description made only of paragraphs holding text and line breaks
_PARAGRAPHS = re.compile(r"(?:<p>(?:[^<]|<br>)*</p>\s*)+")


class IntervalSyntax(InvalidValue):
    message = N_("Write opening times like 09:00-12:30, 14:00-18:30 (empty: closed).")


class InvalidDateTime(InvalidValue):
    message = N_("Enter a date and a time.")


@dataclass
class SpecialRow:
    """One row of special days as typed."""

    start: str = ""
    end: str = ""
    closed: bool = False
    hours: str = ""
    reason: str = ""

    def is_blank(self) -> bool:
        return not (self.start or self.end or self.closed or self.hours or self.reason)


@dataclass
class ProfileForm:
    """Every input of the profile form as text, and what was refused."""

    values: dict[str, str] = field(default_factory=dict)
    payment_methods: list[str] = field(default_factory=list)
    special: list[SpecialRow] = field(default_factory=list)
    #: the shop's version the form was based on ("" for a new shop)
    version: str = ""
    #: refused inputs: input name → the error to show next to it
    errors: dict[str, DomainError] = field(default_factory=dict)
    #: errors that belong to no input (a conflict)
    form_errors: list[DomainError | str] = field(default_factory=list)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def rows(self) -> list[tuple[int, SpecialRow]]:
        """The special rows to show: every row typed or stored, then some blank ones."""
        rows = list(self.special)
        while rows and rows[-1].is_blank():
            rows.pop()
        rows += [SpecialRow() for _ in range(BLANK_SPECIAL_ROWS)]
        return list(enumerate(rows))


@dataclass(frozen=True)
class ParsedProfile:
    """A form turned into service fields, with the way back from fields to inputs."""

    fields: ShopFields
    #: the weekday of each entry of ``opening_hours.weekly``, by index
    weekly_days: tuple[int, ...]
    #: the form row of each entry of ``opening_hours.special``, by index
    special_rows: tuple[int, ...]


# --- from a shop, from a posted form --------------------------------------------------------


def form_of_shop(shop: Shop | None, language: str, *, time_zone: str) -> ProfileForm:
    """The form showing ``shop`` (None: a blank new shop in ``time_zone``)."""
    if shop is None:
        return ProfileForm(values={"time_zone": time_zone, "wheelchair": "unknown",
                                   "step_free_entrance": "unknown"})
    values: dict[str, str] = {"slug": shop.slug, "category": shop.category_key}
    for name in TRANSLATED_FIELDS:
        for code, text in (getattr(shop, name) or {}).items():
            values[f"{name}-{code}"] = description_to_form(text) if name == "description" \
                else text
    for name in PLAIN_FIELDS:
        if name not in values:
            current = getattr(shop, name, None)
            values[name] = "" if current is None else str(current)
    values["wheelchair"] = shop.wheelchair.value
    values["latitude"] = _number_text(shop.latitude)
    values["longitude"] = _number_text(shop.longitude)
    values["social_links"] = "\n".join(shop.social_links or [])
    values["step_free_entrance"] = {True: "yes", False: "no"}.get(
        shop.step_free_entrance, "unknown")  # type: ignore[arg-type]
    hours = shop.opening_hours or {}
    for day in WEEKDAYS:
        values[f"hours-{day}"] = intervals_text(
            entry for entry in hours.get("weekly", []) if entry["day"] == day)
    special = [SpecialRow(start=entry["from"],
                          end="" if entry["to"] == entry["from"] else entry["to"],
                          closed=bool(entry["closed"]),
                          hours=intervals_text(entry["intervals"]),
                          reason=(entry.get("reason") or {}).get(language, ""))
               for entry in hours.get("special", [])]
    return ProfileForm(values=values, payment_methods=list(shop.payment_methods or []),
                       special=special, version=str(shop.version))


def form_of_post(form: MultiDict[str, str]) -> ProfileForm:
    """The posted inputs, as typed (only the known ones; Werkzeug bounds the form's size)."""
    names = ["slug", *PLAIN_FIELDS, "latitude", "longitude", "social_links",
             "step_free_entrance", *(f"hours-{day}" for day in WEEKDAYS),
             *(f"{name}-{code}" for name in TRANSLATED_FIELDS for code in LANGUAGES)]
    values = {name: form.get(name, "") for name in names}
    special = []
    for row in range(MAX_SPECIAL_ROWS):
        prefix = f"special-{row}-"
        if f"{prefix}from" not in form:
            break
        special.append(SpecialRow(start=form.get(f"{prefix}from", "").strip(),
                                  end=form.get(f"{prefix}to", "").strip(),
                                  closed=bool(form.get(f"{prefix}closed")),
                                  hours=form.get(f"{prefix}hours", ""),
                                  reason=form.get(f"{prefix}reason", "")))
    return ProfileForm(values=values, payment_methods=form.getlist("payment_methods"),
                       special=special, version=form.get("version", ""))


# --- from the form to the service's fields --------------------------------------------------


def parse_profile(form: ProfileForm, *, language: str, with_slug: bool,
                  stored_special: Sequence[Mapping[str, Any]] = ()) -> ParsedProfile | None:
    """The service fields of ``form``; None when an input has the wrong shape (the errors are
    then in ``form.errors``). ``stored_special`` are the shop's special days as stored, whose
    reasons in other languages than ``language`` the rows keep."""
    fields: dict[str, Any] = {}
    for name in TRANSLATED_FIELDS:
        fields[name] = {code: form.value(f"{name}-{code}") for code in LANGUAGES}
    fields["description"] = {code: description_from_form(text)
                             for code, text in fields["description"].items()}
    if with_slug:
        fields["slug"] = form.value("slug").strip()
        if not fields["slug"]:
            # made from the name: a missing name is the error to show, not the address name
            try:
                clean_translations(fields["name"], field="name", max_length=MAX_NAME_LENGTH,
                                   required=True)
            except InvalidValue as exc:
                form.errors[input_of(exc.field, None, language) or "slug"] = exc
            fields["slug"] = slug_from(form, language)
    for name in PLAIN_FIELDS:
        text = form.value(name)
        fields[name] = None if name in OPTIONAL_FIELDS and not text.strip() else text
    for name in ("latitude", "longitude"):
        try:
            fields[name] = parse_number(form.value(name), field=name)
        except InvalidValue as exc:
            form.errors[name] = exc
    fields["social_links"] = [line.strip() for line in form.value("social_links").splitlines()
                              if line.strip()]
    fields["payment_methods"] = list(form.payment_methods)
    fields["step_free_entrance"] = {"yes": True, "no": False}.get(
        form.value("step_free_entrance"))
    hours, weekly_days, special_rows = _opening_hours(form, language, stored_special)
    fields["opening_hours"] = hours
    if form.errors:
        return None
    return ParsedProfile(fields=fields,  # type: ignore[arg-type]
                         weekly_days=weekly_days, special_rows=special_rows)


def _opening_hours(form: ProfileForm, language: str,
                   stored_special: Sequence[Mapping[str, Any]],
                   ) -> tuple[dict[str, Any], tuple[int, ...], tuple[int, ...]]:
    weekly: list[dict[str, Any]] = []
    weekly_days: list[int] = []
    for day in WEEKDAYS:
        name = f"hours-{day}"
        try:
            intervals = parse_intervals(form.value(name), field=name)
        except InvalidValue as exc:
            form.errors[name] = exc
            continue
        for interval in intervals:
            weekly.append({"day": day, **interval})
            weekly_days.append(day)
    special: list[dict[str, Any]] = []
    special_rows: list[int] = []
    for row, typed in enumerate(form.special):
        if typed.is_blank():
            continue
        entry: dict[str, Any] = {"from": typed.start, "closed": typed.closed}
        if typed.end:
            entry["to"] = typed.end
        try:
            entry["intervals"] = parse_intervals(typed.hours, field=f"special-{row}-hours")
        except InvalidValue as exc:
            form.errors[exc.field] = exc
            continue
        stored = stored_special[row] if row < len(stored_special) else {}
        reason = {code: text for code, text in (stored.get("reason") or {}).items()
                  if code != language}
        if typed.reason.strip():
            reason[language] = typed.reason
        entry["reason"] = reason
        special.append(entry)
        special_rows.append(row)
    if not weekly and not special:
        return {}, (), ()
    return ({"weekly": weekly, "special": special}, tuple(weekly_days), tuple(special_rows))


def description_from_form(text: str) -> str:
    """A description as typed: plain text becomes paragraphs (a blank line) and line breaks;
    text with markup is passed on as HTML, for the service to sanitise."""
    if _TAG.search(text):
        return text
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
                  if part.strip()]
    return "".join("<p>" + escape(part, quote=False).replace("\n", "<br>") + "</p>"
                   for part in paragraphs)


def description_to_form(html: str) -> str:
    """A stored description as the text area shows it: as plain text when it is nothing but
    paragraphs and line breaks (what :func:`description_from_form` makes of plain text),
    else as its HTML."""
    if not _PARAGRAPHS.fullmatch(html.strip()):
        return html
    paragraphs = [unescape(part.replace("<br>", "\n"))
                  for part in re.findall(r"<p>(.*?)</p>", html, re.DOTALL)]
    if any(_TAG.search(part) for part in paragraphs):
        return html  # shown as text, it would be read back as markup
    return "\n\n".join(paragraphs)


def parse_intervals(text: str, *, field: str) -> list[dict[str, str]]:
    """``09:00-12:30, 14:00-18:30`` as ``[{"opens": "09:00", "closes": "12:30"}, …]``.

    Hours may have one digit (``9-18``), minutes may follow ``:``, ``.`` or ``h`` (``9h30``,
    ``18h``). Only the
    shape is checked here; the ranges (``25:00``) and overlaps are the opening-hours rules'.
    """
    intervals = []
    for part in _INTERVAL_SEPARATORS.split(text):
        if not part.strip():
            continue
        match = _INTERVAL.fullmatch(part.strip())
        if match is None:
            raise IntervalSyntax(field=field)
        intervals.append({
            "opens": f"{int(match['oh']):02d}:{match['om'] or '00'}",
            "closes": f"{int(match['ch']):02d}:{match['cm'] or '00'}",
        })
    return intervals


def intervals_text(entries: Any) -> str:
    """Stored intervals as the form writes them: ``09:00-12:30, 14:00-18:30``."""
    return ", ".join(f"{entry['opens']}-{entry['closes']}" for entry in entries)


def parse_number(text: str, *, field: str) -> float | None:
    """A decimal number as typed (``49,8728`` or ``49.8728``); empty is None."""
    cleaned = text.strip()
    if not cleaned:
        return None
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        raise NotANumber(field=field) from None


def _number_text(value: float | None) -> str:
    return "" if value is None else repr(value)


def slug_from(form: ProfileForm, language: str) -> str:
    """An address name made from the shop's name (the page's language first): lower-case
    letters without accents, digits and hyphens; "" when the name has none."""
    names = [form.value(f"name-{language}"),
             *(form.value(f"name-{code}") for code in LANGUAGES)]
    name = next((text for text in names if text.strip()), "")
    ascii_name = unicodedata.normalize("NFKD", name.casefold().replace("ß", "ss")).encode(
        "ascii", "ignore").decode()
    return _SLUG_DROP.sub("-", ascii_name).strip("-")[:80].rstrip("-")


# --- from a service's error back to the input -----------------------------------------------


def input_of(error_field: str, parsed: ParsedProfile | None, language: str) -> str | None:
    """The input that shows an error about ``error_field`` (None: no input; the page shows
    it above the form)."""
    parts = error_field.split(".")
    head = SERVICE_NAMES.get(parts[0], parts[0])
    if head in TRANSLATED_FIELDS:
        code = parts[1] if len(parts) > 1 and parts[1] in LANGUAGES else language
        return f"{head}-{code}"
    if head == "opening_hours":
        return _hours_input(parts[1:], parsed)
    if head in ("social_links", "payment_methods", "slug", "latitude", "longitude",
                "step_free_entrance", *PLAIN_FIELDS):
        return head
    return None


def _hours_input(parts: list[str], parsed: ParsedProfile | None) -> str | None:
    if parsed is None or len(parts) < 2 or not parts[1].isdigit():
        return "hours"
    index = int(parts[1])
    if parts[0] == "weekly" and index < len(parsed.weekly_days):
        return f"hours-{parsed.weekly_days[index]}"
    if parts[0] == "special" and index < len(parsed.special_rows):
        part = SPECIAL_PARTS.get(parts[2] if len(parts) > 2 else "from", "from")
        return f"special-{parsed.special_rows[index]}-{part}"
    return "hours"


# --- offers and events ----------------------------------------------------------------------


@dataclass
class OfferForm:
    """The inputs of the form adding an offer or event, as typed, and what was refused."""

    values: dict[str, str] = field(default_factory=lambda: {"kind": "offer"})
    errors: dict[str, DomainError] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")


def offer_form_of_post(form: MultiDict[str, str]) -> OfferForm:
    names = ["kind", "valid_from", "valid_until",
             *(f"{name}-{code}" for name in ("title", "text") for code in LANGUAGES)]
    return OfferForm(values={name: form.get(name, "") for name in names})


def parse_offer(form: OfferForm, *, time_zone: str) -> OfferFields | None:
    """The service fields of an offer form; times are the shop's wall-clock times. None when
    an input has the wrong shape (see ``form.errors``)."""
    fields: dict[str, Any] = {
        "kind": form.value("kind"),
        "title": {code: form.value(f"title-{code}") for code in LANGUAGES},
        "text": {code: form.value(f"text-{code}") for code in LANGUAGES},
    }
    zone = zoneinfo.ZoneInfo(time_zone)
    for name in ("valid_from", "valid_until"):
        try:
            fields[name] = parse_local_datetime(form.value(name), zone, field=name)
        except InvalidValue as exc:
            form.errors[name] = exc
    return None if form.errors else fields  # type: ignore[return-value]


def parse_local_datetime(text: str, zone: dt.tzinfo, *, field: str) -> dt.datetime:
    """A ``datetime-local`` input (``2026-12-24T09:00``) read as a wall-clock time in
    ``zone``, as an aware UTC datetime (a time the clocks skip is the moment of the jump)."""
    cleaned = text.strip()
    if not cleaned:
        raise MissingValue(field=field)
    try:
        wall = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidDateTime(field=field) from None
    if wall.tzinfo is not None or not MIN_YEAR <= wall.year <= MAX_YEAR:
        raise InvalidDateTime(field=field)
    return wall_time_instant(zone, wall)

