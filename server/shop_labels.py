"""How the shop pages for owners and editors name things: fields, statuses, choices.

One place, so the profile form and the moderation diff call a field by the same name.
"""

from __future__ import annotations

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from server.city_settings import city
from tours import shops
from tours.i18n import localized
from tours.models import ChangeKind, OfferKind, ShopStatus, Wheelchair

#: every field an owner keeps, by the name the services and change requests use
FIELD_LABELS = {
    "slug": _l("Address name"),
    "name": _l("Name"),
    "category_key": _l("Category"),
    "category": _l("Category"),
    "short_description": _l("Short description"),
    "description": _l("Description"),
    "street": _l("Street"),
    "house_number": _l("House number"),
    "postal_code": _l("Postal code"),
    "locality": _l("Town or city"),
    "country": _l("Country code"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "venue": _l("Market hall or shopping centre"),
    "level": _l("Level"),
    "unit": _l("Unit or stall"),
    "phone": _l("Phone"),
    "email": _l("Email address"),
    "whatsapp": _l("WhatsApp number"),
    "website": _l("Website"),
    "online_shop_url": _l("Online shop"),
    "social_links": _l("Social media links"),
    "payment_methods": _l("Payment methods"),
    "wheelchair": _l("Wheelchair access"),
    "step_free_entrance": _l("Step-free entrance"),
    "time_zone": _l("Time zone"),
    "opening_hours": _l("Opening hours"),
}
STATUS_LABELS = {
    ShopStatus.DRAFT: _l("Draft"),
    ShopStatus.PENDING_REVIEW: _l("Waiting for review"),
    ShopStatus.PUBLISHED: _l("Published"),
    ShopStatus.CLOSED: _l("Closed"),
}
WHEELCHAIR_LABELS = {
    Wheelchair.YES: _l("Fully accessible"),
    Wheelchair.LIMITED: _l("Partly accessible"),
    Wheelchair.NO: _l("Not accessible"),
    Wheelchair.UNKNOWN: _l("Not known"),
}
#: the form's values of the step-free entrance (True, False, None)
STEP_FREE_LABELS = {"yes": _l("Yes"), "no": _l("No"), "unknown": _l("Not known")}
CHANGE_KIND_LABELS = {
    ChangeKind.PUBLISH: _l("Publication"),
    ChangeKind.LINKS: _l("New web addresses"),
}
OFFER_KIND_LABELS = {OfferKind.OFFER: _l("Offer"), OfferKind.EVENT: _l("Event")}
#: time zones offered as suggestions (any IANA name is accepted)
COMMON_TIME_ZONES = (
    "Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/Paris", "Europe/Brussels",
    "Europe/Luxembourg", "Europe/Amsterdam", "Europe/Madrid", "Atlantic/Canary",
    "Europe/Lisbon", "Europe/Rome", "Europe/London", "Europe/Dublin", "Europe/Warsaw",
    "Europe/Prague", "Europe/Copenhagen", "Europe/Stockholm", "America/Mexico_City",
    "America/Cancun", "America/Tijuana", "America/Toronto", "America/Vancouver",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Bogota", "America/Lima", "America/Santiago", "America/Argentina/Buenos_Aires",
    "America/Montevideo", "Africa/Casablanca", "Africa/Dakar", "Africa/Abidjan",
    "Indian/Reunion", "America/Martinique", "Pacific/Tahiti",
)


def language() -> str:
    """The page's language code (``de``)."""
    return str(get_locale() or city().default_language)


def in_language(value: dict[str, str] | None) -> str:
    """A translatable text in the page's language, else the city's, else any."""
    return localized(value, language(), city().default_language)


def weekday_names() -> list[tuple[int, str]]:
    """ISO weekdays (1 = Monday) with their names in the page's language (from CLDR)."""
    names = get_day_names("wide", locale=get_locale() or "en")
    return [(day, names[day - 1].capitalize()) for day in range(1, 8)]


def category_choices(session: Session) -> list[tuple[str, str]]:
    return [(category.key, in_language(category.label))
            for category in shops.list_categories(session)]


def category_label(session: Session, key: str) -> str:
    return dict(category_choices(session)).get(key, key)


def payment_choices() -> list[tuple[str, str]]:
    return [(key, _(label)) for key, label in shops.PAYMENT_METHODS.items()]
