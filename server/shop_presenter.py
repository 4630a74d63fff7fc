"""What visitors see of a shop, in their language: shared by the JSON API and the pages.

Texts are localised with the city's fallback (``tours.i18n.localized``), opening status is
computed here, on the server, in the shop's own time zone, and image keys become the public
storage's URLs. Descriptions are stored sanitised; everything else is plain text that the
templates and the viewer escape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from server.city_settings import city
from server.storage_setup import public_storage
from tours import opening_hours
from tours.i18n import localized
from tours.models import Category, Shop, ShopImage, utcnow
from tours.shops import PAYMENT_METHODS


def language() -> str:
    return str(get_locale() or city().default_language)


def text(value: dict[str, str] | None) -> str:
    """``value`` in the visitor's language, else the city's, else any."""
    return localized(value, language(), city().default_language)


def category_view(category: Category) -> dict[str, str]:
    return {"key": category.key, "label": text(category.label), "osm_tag": category.osm_tag,
            "schema_type": category.schema_type}


def image_view(image: ShopImage) -> dict[str, Any]:
    storage = public_storage()
    return {
        "id": image.id,
        "alt": text(image.alt_text),
        **{name: {"url": storage.public_url(variant["key"]), "width": variant["width"],
                  "height": variant["height"]}
           for name, variant in image.variants.items()},
    }


def opening_view(shop: Shop, now: dt.datetime) -> dict[str, Any]:
    """Open now, and until or from when, in the shop's zone; ``known`` False without hours."""
    if not shop.opening_hours:
        return {"known": False, "is_open": False, "closes_at": None, "opens_at": None,
                "summary": _("Opening hours not known")}
    status = opening_hours.status_at(shop.opening_hours, shop.time_zone, now)
    return {
        "known": True,
        "is_open": status.is_open,
        "closes_at": status.closes_at.isoformat() if status.closes_at else None,
        "opens_at": status.opens_at.isoformat() if status.opens_at else None,
        "summary": opening_summary(status, now),
    }


def opening_summary(status: opening_hours.OpeningStatus, now: dt.datetime) -> str:
    """"Open · closes at 18:00", "Closed · opens Tuesday 09:00" in the visitor's language."""
    if status.is_open:
        if status.closes_at is None:
            return _("Open around the clock")
        return _("Open · closes at %(time)s", time=_when(status.closes_at, now))
    if status.opens_at is None:
        return _("Closed")
    return _("Closed · opens %(time)s", time=_when(status.opens_at, now))


def _when(moment: dt.datetime, now: dt.datetime) -> str:
    """``18:00`` today, ``tomorrow 09:00``, else ``Tue 09:00`` or a date further ahead (the
    shop's local time)."""
    from flask_babel import format_date, format_time

    local_now = now.astimezone(moment.tzinfo)
    days = (moment.date() - local_now.date()).days
    clock = format_time(moment, "HH:mm", rebase=False)  # the shop's wall-clock time
    if days == 0:
        return clock
    if days == 1:
        return _("tomorrow %(time)s", time=clock)
    if days < 7:
        return f"{format_date(moment.date(), 'EEEE')} {clock}"
    return f"{format_date(moment.date(), 'medium')} {clock}"


def shop_card(shop: Shop, now: dt.datetime | None = None) -> dict[str, Any]:
    """A directory entry: enough for a list, a map pin or a hotspot card."""
    now = now or utcnow()
    logo = shop.logo
    return {
        "id": shop.id,
        "slug": shop.slug,
        "name": text(shop.name),
        "category": category_view(shop.category),
        "short_description": text(shop.short_description),
        "opening": opening_view(shop, now),
        "wheelchair": shop.wheelchair.value,
        "step_free_entrance": shop.step_free_entrance,
        "location": ({"latitude": shop.latitude, "longitude": shop.longitude}
                     if shop.latitude is not None else None),
        "logo": image_view(logo) if logo else None,
        "website": shop.website,
        "online_shop_url": shop.online_shop_url,
        "phone": shop.phone,
        "whatsapp": shop.whatsapp,
        "offers": [offer_view(offer) for offer in shop.offers if offer.is_valid_at(now)],
        "profile_url": url_for("shop_pages.profile", slug=shop.slug, _external=True),
    }


def offer_view(offer: Any) -> dict[str, Any]:
    return {
        "kind": offer.kind.value,
        "title": text(offer.title),
        "text": text(offer.text),
        "image": image_view(offer.image) if offer.image else None,
        "valid_from": offer.valid_from.isoformat(),
        "valid_until": offer.valid_until.isoformat(),
    }


def shop_profile(shop: Shop, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything a visitor may see of a published shop."""
    now = now or utcnow()
    return {
        **shop_card(shop, now),
        "description_html": text(shop.description),
        "address": {"street": shop.street, "house_number": shop.house_number,
                    "postal_code": shop.postal_code, "locality": shop.locality,
                    "country": shop.country},
        "venue": shop.venue, "level": shop.level, "unit": shop.unit,
        "email": shop.email,
        "social_links": list(shop.social_links),
        "payment_methods": [{"key": key, "label": _(PAYMENT_METHODS[key])}
                            for key in shop.payment_methods if key in PAYMENT_METHODS],
        "time_zone": shop.time_zone,
        "opening_hours": shop.opening_hours,
        "opening_hours_osm": opening_hours.to_osm(shop.opening_hours)
        if shop.opening_hours else None,
        "photos": [image_view(photo) for photo in shop.photos],
        "last_confirmed_at": shop.last_confirmed_at.isoformat()
        if shop.last_confirmed_at else None,
    }
