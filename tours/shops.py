"""Shop profiles: who may change what, the rules for every field, and the editors' moderation.

Who may do what
    Editors and admins may change every shop. A shop owner may change only the shops they own,
    and not their owners, slug or status: an owner *submits* a shop for publication and an
    editor approves it. Changing the website or online-shop address of a public shop is not
    applied at once either: it becomes a change request that an editor approves or rejects
    (with a comment), so a trusted listing cannot be pointed at a phishing page unnoticed.
    Every other change by an owner applies immediately.

Field rules
    Names and short descriptions are plain text, descriptions limited HTML sanitised with an
    allow-list (``nh3``), phone numbers are validated and stored as E.164, web addresses must be
    absolute http(s), opening hours follow :mod:`tours.opening_hours`.

Search
    ``search_text`` keeps every language's name and descriptions lower-cased without accents,
    so ``cafe`` finds ``Café`` and ``strasse`` finds ``Straße`` on every database.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

import nh3
import phonenumbers
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from tours import audit, opening_hours
from tours.accounts import InvalidEmail, normalise_email
from tours.errors import N_, Conflict, Forbidden, NotFound
from tours.i18n import LANGUAGES, clean_translations
from tours.models import (
    Category,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    Role,
    Shop,
    ShopStatus,
    User,
    Wheelchair,
    utcnow,
)
from tours.validation import (
    InvalidChoice,
    InvalidValue,
    MissingValue,
    SlugTaken,
    check_fields,
    check_position,
    check_version,
    clean_choice,
    clean_latitude,
    clean_longitude,
    clean_slug,
    clean_text,
    clean_url,
    flush_versioned,
)

MAX_NAME_LENGTH = 120
MAX_SHORT_DESCRIPTION_LENGTH = 280
MAX_DESCRIPTION_LENGTH = 5000
MAX_SOCIAL_LINKS = 10
#: the payment methods a shop can list, with their labels
PAYMENT_METHODS: dict[str, str] = {
    "cash": N_("Cash"),
    "debit_card": N_("Debit card"),
    "credit_card": N_("Credit card"),
    "contactless": N_("Contactless"),
    "mobile": N_("Mobile payment"),
    "invoice": N_("Invoice"),
    "voucher": N_("City voucher"),
}
#: what a sanitised description may contain: paragraphs, emphasis, lists and links
DESCRIPTION_TAGS = frozenset({"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a"})
DESCRIPTION_ATTRIBUTES = {"a": {"href"}}
DESCRIPTION_URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: fields only editors may set
EDITOR_FIELDS = frozenset({"slug", "status", "last_confirmed_at"})
#: web addresses whose change on a public shop waits for an editor
MODERATED_LINKS = ("website", "online_shop_url")
COUNTRY_PATTERN = re.compile(r"[A-Z]{2}")
POSITION_DECIMALS = 7
#: a shop's slug needs a letter, so it can never be mistaken for a number in a URL
SLUG_LETTER = re.compile(r"[a-z]")


class ShopNotFound(NotFound):
    message = N_("There is no such shop.")


class ChangeNotFound(NotFound):
    message = N_("There is no such change request.")


class NotYourShop(Forbidden):
    message = N_("You can only change the shops you own.")


class EditorsOnly(Forbidden):
    message = N_("Only the city's editors can do this.")


class UnknownCategory(InvalidValue):
    message = N_("Choose a category from the list.")


class InvalidPhone(InvalidValue):
    message = N_("Enter a valid phone number, with the country code (+49 …) when the shop has "
                 "no country.")


class InvalidCountry(InvalidValue):
    message = N_("Use the two-letter country code, such as DE, FR, ES or MX.")


class TooManyLinks(InvalidValue):
    message = N_("Give at most %(maximum)d social links.")


class UnknownPaymentMethod(InvalidValue):
    message = N_("Choose payment methods from: %(choices)s.")


class ShopClosed(Conflict):
    message = N_("This shop is closed. Ask the city's editors to reopen it.")


class CannotSubmit(Conflict):
    message = N_("Only a draft can be submitted for publication.")


class ChangeDecided(Conflict):
    message = N_("This change request has already been decided.")


class ShopFields(TypedDict, total=False):
    slug: str
    name: Mapping[str, str]
    category: str
    short_description: Mapping[str, str]
    description: Mapping[str, str]
    street: str
    house_number: str
    postal_code: str
    locality: str
    country: str
    latitude: float | None
    longitude: float | None
    venue: str
    level: str
    unit: str
    phone: str | None
    email: str | None
    whatsapp: str | None
    website: str | None
    online_shop_url: str | None
    social_links: Sequence[str]
    payment_methods: Sequence[str]
    wheelchair: Wheelchair | str
    step_free_entrance: bool | None
    time_zone: str
    opening_hours: Mapping[str, Any]
    status: ShopStatus | str


# --- who may do what ----------------------------------------------------------------------


def is_editor(user: User) -> bool:
    return user.has_role(Role.EDITOR)


def check_can_edit(user: User, shop: Shop) -> None:
    """Editors may change every shop, owners their own; anybody else is refused."""
    if is_editor(user):
        return
    if user.has_role(Role.SHOP_OWNER) and shop.is_owned_by(user):
        return
    raise NotYourShop()


def get_shop(session: Session, shop_id: int) -> Shop:
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise ShopNotFound()
    return shop


def shop_for(session: Session, user: User, shop_id: int) -> Shop:
    """The shop ``user`` may change; refuses (before anything is read or written) otherwise."""
    shop = get_shop(session, shop_id)
    check_can_edit(user, shop)
    return shop


def shops_of(session: Session, user: User, *, offset: int = 0, limit: int = 50,
             status: ShopStatus | None = None) -> tuple[list[Shop], int]:
    """The shops ``user`` may change (all for editors), by name, and how many there are."""
    query = select(Shop)
    if not is_editor(user):
        query = query.where(Shop.owners.any(User.id == user.id))
    if status is not None:
        query = query.where(Shop.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    shops = list(session.scalars(query.order_by(Shop.slug).offset(offset).limit(limit)))
    return shops, total


# --- changes --------------------------------------------------------------------------------


def create_shop(session: Session, actor: User, fields: ShopFields, *,
                default_time_zone: str) -> Shop:
    """A new shop as a draft; an owner who creates one owns it."""
    check_fields(fields, ShopFields.__annotations__)
    if not is_editor(actor):
        if not actor.has_role(Role.SHOP_OWNER):
            raise NotYourShop()
        _refuse_editor_fields(fields, allowed={"slug"})  # an owner names a new shop
    for name in ("slug", "name", "category"):
        if not fields.get(name):
            raise MissingValue(field=name)
    shop = Shop(time_zone=default_time_zone, created_by_id=actor.id, name={},
                short_description={}, description={}, social_links=[], payment_methods=[],
                opening_hours={}, status=ShopStatus.DRAFT)
    values = _clean_fields(session, shop, fields)
    _set_status(shop, values.pop("status", ShopStatus.DRAFT))
    _set(shop, values)
    if not is_editor(actor):
        shop.owners.append(actor)
    session.add(shop)
    session.flush()
    audit.record(session, actor, "shop.created", target_type="shop", target_id=str(shop.id),
                 details={"slug": shop.slug})
    return shop


def update_shop(session: Session, actor: User, shop_id: int, changes: ShopFields, *,
                expected_version: int | None = None) -> Shop:
    """Apply ``changes``; an owner's new web addresses for a public shop wait for an editor
    (see :func:`pending_link_change`)."""
    check_fields(changes, ShopFields.__annotations__)
    shop = shop_for(session, actor, shop_id)
    check_version(shop.version, expected_version)
    editor = is_editor(actor)
    if not editor:
        _refuse_editor_fields(changes)
        if shop.status is ShopStatus.CLOSED:
            raise ShopClosed()
    values = _clean_fields(session, shop, changes)
    held: dict[str, Any] = {}
    if not editor and shop.status is ShopStatus.PUBLISHED:
        held = {name: values.pop(name) for name in MODERATED_LINKS
                if name in values and values[name] != getattr(shop, name)}
    if "status" in values:
        _set_status(shop, values.pop("status"))
    changed = {name: value for name, value in values.items() if getattr(shop, name) != value}
    _set(shop, changed)
    if changed:
        flush_versioned(session)
    if held:
        _request_links(session, actor, shop, held)
    if shop.status is ShopStatus.PENDING_REVIEW and changed:
        _refresh_publish_request(session, shop)
    if changed or held:
        audit.record(session, actor, "shop.updated", target_type="shop",
                     target_id=str(shop.id),
                     details={"fields": sorted(changed), "held_for_review": sorted(held)})
    return shop


def delete_shop(session: Session, actor: User, shop_id: int, *,
                expected_version: int | None = None) -> None:
    """Remove a shop for good (editors only; owners ask for it to be closed)."""
    if not is_editor(actor):
        raise EditorsOnly()
    shop = get_shop(session, shop_id)
    check_version(shop.version, expected_version)
    slug = shop.slug
    session.delete(shop)
    flush_versioned(session)
    audit.record(session, actor, "shop.deleted", target_type="shop", target_id=str(shop_id),
                 details={"slug": slug})


def confirm_current(session: Session, actor: User, shop_id: int) -> Shop:
    """The owner (or an editor) confirms that the profile is current."""
    shop = shop_for(session, actor, shop_id)
    shop.last_confirmed_at = utcnow()
    flush_versioned(session)
    audit.record(session, actor, "shop.confirmed", target_type="shop", target_id=str(shop.id))
    return shop


def set_owners(session: Session, actor: User, shop_id: int, owner_ids: Iterable[int]) -> Shop:
    """Hand a shop to other owners (editors and admins)."""
    if not is_editor(actor):
        raise EditorsOnly()
    shop = get_shop(session, shop_id)
    owners = []
    for index, owner_id in enumerate(owner_ids):
        owner = session.get(User, owner_id) if isinstance(owner_id, int) else None
        if owner is None or owner.role is not Role.SHOP_OWNER:
            raise UnknownOwner(field=f"owner_ids.{index}")
        owners.append(owner)
    before = [owner.id for owner in shop.owners]
    shop.owners = owners
    shop.updated_at = utcnow()
    flush_versioned(session)
    audit.record(session, actor, "shop.owners_changed", target_type="shop",
                 target_id=str(shop.id),
                 details={"before": before, "after": [owner.id for owner in owners]})
    return shop


class UnknownOwner(InvalidValue):
    message = N_("Choose a shop owner's account.")


# --- moderation -----------------------------------------------------------------------------


def submit_for_review(session: Session, actor: User, shop_id: int) -> ChangeRequest:
    """Ask the editors to publish a draft."""
    shop = shop_for(session, actor, shop_id)
    if shop.status is not ShopStatus.DRAFT:
        raise CannotSubmit()
    shop.status = ShopStatus.PENDING_REVIEW
    flush_versioned(session)
    _withdraw(session, shop, ChangeKind.PUBLISH)
    request = ChangeRequest(shop=shop, kind=ChangeKind.PUBLISH, requested_by_id=actor.id,
                            changes=_snapshot(shop))
    session.add(request)
    session.flush()
    audit.record(session, actor, "shop.submitted", target_type="shop", target_id=str(shop.id))
    return request


def pending_link_change(session: Session, shop: Shop) -> ChangeRequest | None:
    """The web addresses of ``shop`` waiting for an editor, if any."""
    return session.scalar(select(ChangeRequest).where(
        ChangeRequest.shop_id == shop.id, ChangeRequest.kind == ChangeKind.LINKS,
        ChangeRequest.status == ChangeStatus.PENDING))


def list_changes(session: Session, *, status: ChangeStatus | None = ChangeStatus.PENDING,
                 shop_ids: Iterable[int] | None = None, offset: int = 0, limit: int = 50,
                 ) -> tuple[list[ChangeRequest], int]:
    """The moderation queue (oldest first), or the requests of some shops."""
    query = select(ChangeRequest)
    if status is not None:
        query = query.where(ChangeRequest.status == status)
    if shop_ids is not None:
        query = query.where(ChangeRequest.shop_id.in_(list(shop_ids)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    changes = list(session.scalars(
        query.order_by(ChangeRequest.created_at, ChangeRequest.id).offset(offset).limit(limit)))
    return changes, total


def get_change(session: Session, change_id: int) -> ChangeRequest:
    change = session.get(ChangeRequest, change_id)
    if change is None:
        raise ChangeNotFound()
    return change


def decide(session: Session, actor: User, change_id: int, *, approve: bool,
           comment: str = "") -> ChangeRequest:
    """An editor approves or rejects a change request, with a comment for the owner."""
    if not is_editor(actor):
        raise EditorsOnly()
    change = get_change(session, change_id)
    if change.status is not ChangeStatus.PENDING:
        raise ChangeDecided()
    shop = change.shop
    now = utcnow()
    if change.kind is ChangeKind.PUBLISH:
        if approve:
            shop.status = ShopStatus.PUBLISHED
            shop.published_at = shop.published_at or now
        elif shop.status is ShopStatus.PENDING_REVIEW:
            shop.status = ShopStatus.DRAFT
    elif approve:
        for name, diff in change.changes.items():
            if name in MODERATED_LINKS:
                setattr(shop, name, diff["new"])
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    change.comment = clean_text(comment, field="comment", max_length=2000, multiline=True)
    change.decided_by_id = actor.id
    change.decided_at = now
    flush_versioned(session)
    audit.record(session, actor, "change.approved" if approve else "change.rejected",
                 target_type="change", target_id=str(change.id),
                 details={"shop_id": shop.id, "kind": change.kind.value,
                          "comment": change.comment})
    return change


def _request_links(session: Session, actor: User, shop: Shop, held: Mapping[str, Any]) -> None:
    """Put new web addresses in the queue, in place of any earlier pending ones."""
    previous = pending_link_change(session, shop)
    diff = {name: {"old": getattr(shop, name), "new": value} for name, value in held.items()}
    if previous is not None:
        for name, value in previous.changes.items():
            diff.setdefault(name, value)
        previous.status = ChangeStatus.WITHDRAWN
        previous.decided_at = utcnow()
    diff = {name: value for name, value in diff.items() if value["old"] != value["new"]}
    if diff:
        session.add(ChangeRequest(shop=shop, kind=ChangeKind.LINKS, changes=diff,
                                  requested_by_id=actor.id))
    session.flush()


def _withdraw(session: Session, shop: Shop, kind: ChangeKind) -> None:
    for request in session.scalars(select(ChangeRequest).where(
            ChangeRequest.shop_id == shop.id, ChangeRequest.kind == kind,
            ChangeRequest.status == ChangeStatus.PENDING)):
        request.status = ChangeStatus.WITHDRAWN
        request.decided_at = utcnow()


def _refresh_publish_request(session: Session, shop: Shop) -> None:
    """Keep the queued publication showing what would be published."""
    request = session.scalar(select(ChangeRequest).where(
        ChangeRequest.shop_id == shop.id, ChangeRequest.kind == ChangeKind.PUBLISH,
        ChangeRequest.status == ChangeStatus.PENDING))
    if request is not None:
        request.changes = _snapshot(shop)
        session.flush()


#: the fields a publication request shows (everything a visitor would see)
SNAPSHOT_FIELDS = (
    "slug", "name", "category_key", "short_description", "description", "street",
    "house_number", "postal_code", "locality", "country", "latitude", "longitude", "venue",
    "level", "unit", "phone", "email", "whatsapp", "website", "online_shop_url",
    "social_links", "payment_methods", "wheelchair", "step_free_entrance", "time_zone",
    "opening_hours",
)


def _snapshot(shop: Shop) -> dict[str, Any]:
    """A new shop's diff: every visible field from nothing to its value."""
    diff = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(shop, name)
        if isinstance(value, Wheelchair):
            value = value.value
        if value not in (None, "", [], {}):
            diff[name] = {"old": None, "new": value}
    return diff


# --- field rules ----------------------------------------------------------------------------


def _refuse_editor_fields(fields: Mapping[str, object], allowed: Iterable[str] = ()) -> None:
    for name in sorted(EDITOR_FIELDS & set(fields) - set(allowed)):
        raise EditorsOnlyField(field=name)


class EditorsOnlyField(InvalidValue):
    message = N_("Only the city's editors can change this.")


def _set(shop: Shop, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        setattr(shop, name, value)
    shop.search_text = search_text_of(shop)


def _set_status(shop: Shop, status: ShopStatus) -> None:
    if status is ShopStatus.PUBLISHED and shop.published_at is None:
        shop.published_at = utcnow()
    shop.status = status


def _clean_fields(session: Session, shop: Shop, fields: ShopFields) -> dict[str, Any]:
    """Every given field in its stored form; nothing is set when one is refused."""
    values: dict[str, Any] = {}
    if "slug" in fields:
        values["slug"] = _clean_shop_slug(session, shop, fields["slug"])
    if "category" in fields:
        values["category_key"] = _clean_category(session, fields["category"])
    values.update(_clean_texts(fields))
    values.update(_clean_place(shop, fields))
    values.update(_clean_contacts(fields, region=values.get("country", shop.country) or None))
    values.update(_clean_facts(fields))
    return values


def clean_shop_fields(session: Session, fields: ShopFields, *, shop: Shop | None = None
                      ) -> dict[str, Any]:
    """``fields`` in their stored form (keyed like :class:`Shop`'s columns: ``category`` is
    ``category_key``), checked by the rules :func:`create_shop` applies (``shop`` None: slug,
    name and category required) or :func:`update_shop` applies to ``shop``. Changes and saves
    nothing, so previews such as an import's dry run report exactly what saving would refuse.
    """
    check_fields(fields, ShopFields.__annotations__)
    if shop is None:
        for name in ("slug", "name", "category"):
            if not fields.get(name):
                raise MissingValue(field=name)
        shop = Shop()  # transient: never added to the session
    return _clean_fields(session, shop, fields)


def _clean_texts(fields: ShopFields) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in fields:
        values["name"] = clean_translations(fields["name"], field="name",
                                            max_length=MAX_NAME_LENGTH, required=True)
    if "short_description" in fields:
        values["short_description"] = clean_translations(
            fields["short_description"], field="short_description",
            max_length=MAX_SHORT_DESCRIPTION_LENGTH)
    if "description" in fields:
        values["description"] = clean_description(fields["description"])
    return values


#: the address's plain-text fields and their longest length
ADDRESS_FIELDS = (("street", 200), ("house_number", 20), ("postal_code", 20),
                  ("locality", 120), ("venue", 120), ("level", 20), ("unit", 40))


def _clean_place(shop: Shop, fields: ShopFields) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, length in ADDRESS_FIELDS:
        if name in fields:
            values[name] = clean_text(fields.get(name) or "", field=name, max_length=length)
    if "country" in fields:
        values["country"] = _clean_country(fields["country"])
    for name, clean in (("latitude", clean_latitude), ("longitude", clean_longitude)):
        if name in fields:
            value = clean(fields[name])
            # 7 decimal places are a centimetre: more is noise from a conversion
            values[name] = None if value is None else round(value, POSITION_DECIMALS)
    check_position(values.get("latitude", shop.latitude), values.get("longitude", shop.longitude))
    if "time_zone" in fields:
        values["time_zone"] = opening_hours.clean_time_zone(fields["time_zone"])
    return values


def _clean_contacts(fields: ShopFields, *, region: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("phone", "whatsapp"):
        if name in fields:
            values[name] = clean_phone(fields[name], field=name, region=region)
    if "email" in fields:
        values["email"] = _clean_email(fields["email"])
    for name in ("website", "online_shop_url"):
        if name in fields:
            value = fields[name]
            values[name] = None if value in (None, "") else clean_url(value, field=name)
    if "social_links" in fields:
        values["social_links"] = _clean_social_links(fields["social_links"])
    return values


def _clean_facts(fields: ShopFields) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "payment_methods" in fields:
        values["payment_methods"] = _clean_payment_methods(fields["payment_methods"])
    if "wheelchair" in fields:
        values["wheelchair"] = clean_choice(fields["wheelchair"], Wheelchair, field="wheelchair")
    if "step_free_entrance" in fields:
        value = fields["step_free_entrance"]
        if value is not None and not isinstance(value, bool):
            raise InvalidChoice(field="step_free_entrance", choices="true, false, null")
        values["step_free_entrance"] = value
    if "opening_hours" in fields:
        values["opening_hours"] = opening_hours.clean_opening_hours(fields["opening_hours"])
    if "status" in fields:
        values["status"] = clean_choice(fields["status"], ShopStatus, field="status")
    return values


def _clean_shop_slug(session: Session, shop: Shop, value: object) -> str:
    slug = clean_slug(value)
    if not SLUG_LETTER.search(slug):
        raise SlugNeedsLetter(field="slug")
    taken = session.scalar(select(Shop.id).where(Shop.slug == slug))
    if taken is not None and taken != shop.id:
        raise SlugTaken(slug=slug)
    return slug


class SlugNeedsLetter(InvalidValue):
    message = N_("Use at least one letter in the name of the address.")


def _clean_category(session: Session, value: object) -> str:
    if not isinstance(value, str) or session.get(Category, value) is None:
        raise UnknownCategory(field="category")
    return value


def _clean_country(value: object) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not COUNTRY_PATTERN.fullmatch(value.strip().upper()):
        raise InvalidCountry(field="country")
    return value.strip().upper()


def clean_phone(value: object, *, field: str, region: str | None) -> str | None:
    """A phone number in E.164 (``+496151123456``); national numbers need the shop's country."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidPhone(field=field)
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _clean_email(value: object) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidShopEmail(field="email")
    try:
        return normalise_email(value)
    except InvalidEmail:
        raise InvalidShopEmail(field="email") from None


class InvalidShopEmail(InvalidValue):
    message = N_("Please enter a valid email address.")


def _clean_social_links(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TooManyLinks(field="social_links", maximum=MAX_SOCIAL_LINKS)
    if len(value) > MAX_SOCIAL_LINKS:
        raise TooManyLinks(field="social_links", maximum=MAX_SOCIAL_LINKS)
    links = [clean_url(link, field=f"social_links.{index}") for index, link in enumerate(value)]
    return list(dict.fromkeys(links))


def _clean_payment_methods(value: object) -> list[str]:
    if value is None:
        return []
    choices = ", ".join(PAYMENT_METHODS)
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise UnknownPaymentMethod(field="payment_methods", choices=choices)
    for index, method in enumerate(value):
        if method not in PAYMENT_METHODS:
            raise UnknownPaymentMethod(field=f"payment_methods.{index}", choices=choices)
    return [method for method in PAYMENT_METHODS if method in value]


def clean_description(value: object) -> dict[str, str]:
    """Descriptions as safe HTML: only the allow-listed tags and attributes survive, links get
    ``rel="nofollow noopener noreferrer"``; text outside tags is escaped."""
    texts = clean_translations(value, field="description", max_length=MAX_DESCRIPTION_LENGTH,
                               multiline=True)
    return {language: sanitise_html(text) for language, text in texts.items()}


def sanitise_html(text: str) -> str:
    return nh3.clean(text, tags=set(DESCRIPTION_TAGS),
                     attributes={tag: set(names) for tag, names in DESCRIPTION_ATTRIBUTES.items()},
                     url_schemes=set(DESCRIPTION_URL_SCHEMES),
                     link_rel="nofollow noopener noreferrer").strip()


def plain_text_of(html: str) -> str:
    """The words of sanitised HTML, for search and for places that show plain text."""
    return nh3.clean(html, tags=set()).replace("&amp;", "&").replace("&lt;", "<").replace(
        "&gt;", ">").replace("&quot;", '"').replace("&#39;", "'")


# --- search ---------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: ``Café Straße`` → ``cafe strasse``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def search_text_of(shop: Shop) -> str:
    parts: list[str] = []
    for language in LANGUAGES:
        parts.append((shop.name or {}).get(language, ""))
        parts.append((shop.short_description or {}).get(language, ""))
        parts.append(plain_text_of((shop.description or {}).get(language, "")))
    return " ".join(fold(part) for part in parts if part)


def search_words(query: str) -> list[str]:
    """The folded words of a search query (at most 10, each at most 50 characters)."""
    return [word[:50] for word in re.findall(r"\w+", fold(query))][:10]


def directory_query(*, query: str = "", category: str | None = None,
                    step_free: bool = False) -> Select[tuple[Shop]]:
    """Published shops matching every word of ``query``, the category and step-free entrance,
    by name (the caller filters "open now", which depends on the clock and each shop's zone)."""
    statement = select(Shop).where(Shop.status == ShopStatus.PUBLISHED)
    for word in search_words(query):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Shop.search_text.like(f"%{escaped}%", escape="\\"))
    if category:
        statement = statement.where(Shop.category_key == category)
    if step_free:
        statement = statement.where(Shop.step_free_entrance.is_(True))
    return statement.order_by(Shop.slug)


def list_categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.position, Category.key)))


def published_shop(session: Session, slug: str) -> Shop:
    shop = session.scalar(select(Shop).where(Shop.slug == slug,
                                             Shop.status == ShopStatus.PUBLISHED))
    if shop is None:
        raise ShopNotFound()
    return shop


def is_open_now(shop: Shop, now: dt.datetime) -> bool:
    if not shop.opening_hours:
        return False
    return opening_hours.status_at(shop.opening_hours, shop.time_zone, now).is_open
