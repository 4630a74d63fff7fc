"""Shop data for other machines: schema.org JSON-LD, CSV and OSM-style GeoJSON.

JSON-LD
    One ``LocalBusiness`` (typed with the category's schema.org type) per shop, shared by the
    profile page's ``<script type="application/ld+json">`` block, ``/shops/<slug>.jsonld`` and
    ``/export/shops.jsonld``. Texts are in the request's language (``?lang=``) with the city's
    fallback. ``@id`` is the shop's profile page; ``url`` is its own website when it has one.
    Inside a page the JSON is escaped so that no text (a name ``</script><script>…``) can end
    the block: ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026``, which is
    the same JSON.

CSV
    One row per shop, every language in its own column, UTF-8 with a byte-order mark (so
    spreadsheet programs read the accents right). The columns are the ones the importer
    (:mod:`tours.shop_import`) reads, plus ``status``, ``osm_tag`` and ``last_confirmed_at``;
    descriptions are their sanitised HTML, lists (social links, payment methods) are joined
    with ``;``. Spreadsheets run a cell that starts with
    ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) as a formula, so such text cells
    get a leading apostrophe (``'+4961511234567``), as OWASP advises against CSV injection.
    Numbers (latitude, longitude) are written as numbers.

GeoJSON
    A ``FeatureCollection`` of the shops that have a position, ``[longitude, latitude]`` as
    GeoJSON orders them, with OpenStreetMap's tag names as properties (``shop=bakery``,
    ``opening_hours``, ``addr:street`` …) plus ``flaneur:slug`` and ``flaneur:status``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from flask import request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.city_settings import city
from server.extensions import db
from server.shop_presenter import text
from server.storage_setup import public_storage
from tours import opening_hours, shops
from tours.i18n import LANGUAGES, localized
from tours.models import Shop, ShopImage, ShopStatus, Wheelchair

#: the characters that must not appear raw inside an HTML ``<script>`` element
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                   "\u2028": "\\u2028", "\u2029": "\\u2029"}
#: first characters that make a spreadsheet read a cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: countries that write the house number before the street (``12 rue de la Paix``)
NUMBER_FIRST_COUNTRIES = frozenset({"FR", "LU", "US", "CA", "GB", "IE", "AU", "NZ"})

CSV_COLUMNS: tuple[str, ...] = (
    "slug", "status",
    *(f"name_{language}" for language in LANGUAGES),
    "category", "osm_tag",
    *(f"short_description_{language}" for language in LANGUAGES),
    *(f"description_{language}" for language in LANGUAGES),
    "street", "house_number", "postal_code", "locality", "country", "venue", "level", "unit",
    "latitude", "longitude", "phone", "email", "whatsapp", "website", "online_shop_url",
    "social_links", "time_zone", "opening_hours", "wheelchair", "step_free_entrance",
    "payment_methods", "last_confirmed_at",
)


# --- shared pieces --------------------------------------------------------------------------


def absolute_url(url: str) -> str:
    """``url`` (the public storage may give ``/media/…``) as an absolute URL of this site."""
    return urljoin(request.url_root, url)


def profile_url(shop: Shop, **query: str) -> str:
    return url_for("shop_pages.profile", slug=shop.slug, _external=True, **query)


def image_url(image: ShopImage | None, variant: str = "large") -> str | None:
    """The absolute URL of an image's web version (or of any version it has)."""
    if image is None or not image.variants:
        return None
    chosen = image.variants.get(variant) or next(iter(image.variants.values()))
    return absolute_url(public_storage().public_url(chosen["key"]))


def street_line(shop: Shop) -> str:
    """Street and house number in the order the shop's country writes them."""
    parts = [shop.house_number, shop.street] if shop.country in NUMBER_FIRST_COUNTRIES \
        else [shop.street, shop.house_number]
    return " ".join(part for part in parts if part)


def place_line(shop: Shop) -> str:
    return " ".join(part for part in (shop.postal_code, shop.locality) if part)


def local_date(shop: Shop, moment: dt.datetime) -> dt.date:
    """The date ``moment`` falls on in the shop's own time zone."""
    return moment.astimezone(ZoneInfo(shop.time_zone)).date()


def plain_description(shop: Shop) -> str:
    """The description as plain text in the visitor's language, else the short description."""
    words = " ".join(shops.plain_text_of(text(shop.description)).split())
    return words or text(shop.short_description)


def payment_labels(shop: Shop) -> list[str]:
    return [_(shops.PAYMENT_METHODS[key]) for key in shop.payment_methods
            if key in shops.PAYMENT_METHODS]


# --- JSON-LD --------------------------------------------------------------------------------


def local_business(shop: Shop) -> dict[str, Any]:
    """The shop as a schema.org ``LocalBusiness`` (of its category's type); empty values are
    left out."""
    page = profile_url(shop)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": shop.category.schema_type or "LocalBusiness",
        "@id": page,
        "name": text(shop.name),
        "description": plain_description(shop),
        "disambiguatingDescription": text(shop.short_description),
        "url": shop.website or page,
        "mainEntityOfPage": page,
        "telephone": shop.phone,
        "email": shop.email,
        "address": _postal_address(shop),
        "geo": ({"@type": "GeoCoordinates", "latitude": shop.latitude,
                 "longitude": shop.longitude} if shop.latitude is not None else None),
        "openingHoursSpecification": opening_hours.to_schema_org(shop.opening_hours),
        "specialOpeningHoursSpecification":
            opening_hours.to_schema_org_special(shop.opening_hours),
        "logo": image_url(shop.logo),
        "image": [url for url in (image_url(photo) for photo in shop.photos) if url],
        "sameAs": list(shop.social_links),
        "paymentAccepted": ", ".join(payment_labels(shop)),
        "amenityFeature": _amenity_features(shop),
        "containedInPlace": ({"@type": "Place", "name": shop.venue} if shop.venue else None),
        "branchCode": shop.unit,
        "potentialAction": ({"@type": "BuyAction", "target": shop.online_shop_url}
                            if shop.online_shop_url else None),
    }
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def _postal_address(shop: Shop) -> dict[str, str] | None:
    address = {"@type": "PostalAddress", "streetAddress": street_line(shop),
               "postalCode": shop.postal_code, "addressLocality": shop.locality,
               "addressCountry": shop.country}
    address = {key: value for key, value in address.items() if value}
    return address if len(address) > 1 else None


def _amenity_features(shop: Shop) -> list[dict[str, Any]]:
    """Wheelchair access and a step-free entrance, when known. The names are schema.org data
    (English, like the vocabulary), not interface text."""
    features = []
    wheelchair_values = {Wheelchair.YES: True, Wheelchair.NO: False, Wheelchair.LIMITED: "limited"}
    if shop.wheelchair in wheelchair_values:
        features.append({"@type": "LocationFeatureSpecification",
                         "name": "Wheelchair accessible",
                         "value": wheelchair_values[shop.wheelchair]})
    if shop.step_free_entrance is not None:
        features.append({"@type": "LocationFeatureSpecification", "name": "Step-free entrance",
                         "value": shop.step_free_entrance})
    return features


def item_list(shop_list: Sequence[Shop]) -> dict[str, Any]:
    """Published shops as one schema.org ``ItemList`` document."""
    items = []
    for position, shop in enumerate(shop_list, start=1):
        business = local_business(shop)
        business.pop("@context")
        items.append({"@type": "ListItem", "position": position, "item": business})
    return {"@context": "https://schema.org", "@type": "ItemList",
            "name": _("Shops of %(city)s", city=city().name),
            "numberOfItems": len(items), "itemListElement": items}


def script_safe_json(data: Any) -> str:
    """JSON that can stand inside an HTML ``<script>`` element: the characters that could end
    the element (or a JavaScript string) are written as ``\\uXXXX`` escapes, which JSON reads as
    the same characters. They can only occur inside strings, so the document is unchanged."""
    dumped = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda match: _SCRIPT_ESCAPES[match.group()], dumped)


def jsonld_script(data: Any) -> Markup:
    """The ``<script type="application/ld+json">`` block of a page. Built here, with its
    escaping, so no template writes a script element by hand (the CSP forbids executable
    inline scripts; a JSON-LD data block is never executed)."""
    safe = script_safe_json(data)  # no character left that could end the element
    return Markup('<script type="application/ld+json">%s</script>') % Markup(safe)  # noqa: S704


# --- CSV and GeoJSON ------------------------------------------------------------------------


def shops_for_export(status: ShopStatus | None) -> list[Shop]:
    """Every shop (or those of ``status``) by slug, with their images loaded."""
    statement = select(Shop).options(selectinload(Shop.images)).order_by(Shop.slug)
    if status is not None:
        statement = statement.where(Shop.status == status)
    return list(db.session.scalars(statement))


def guard_formula(value: str) -> str:
    """A text cell a spreadsheet will not run: a leading apostrophe before ``= + - @``, tab and
    carriage return."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def csv_row(shop: Shop) -> list[str | float]:
    values: dict[str, str | float | None] = {
        "slug": shop.slug, "status": shop.status.value,
        **{f"name_{language}": (shop.name or {}).get(language, "") for language in LANGUAGES},
        "category": shop.category_key, "osm_tag": shop.category.osm_tag,
        **{f"short_description_{language}": (shop.short_description or {}).get(language, "")
           for language in LANGUAGES},
        **{f"description_{language}": (shop.description or {}).get(language, "")
           for language in LANGUAGES},
        "street": shop.street, "house_number": shop.house_number,
        "postal_code": shop.postal_code, "locality": shop.locality, "country": shop.country,
        "venue": shop.venue, "level": shop.level, "unit": shop.unit,
        "latitude": shop.latitude, "longitude": shop.longitude,
        "phone": shop.phone, "email": shop.email, "whatsapp": shop.whatsapp,
        "website": shop.website, "online_shop_url": shop.online_shop_url,
        "social_links": ";".join(shop.social_links), "time_zone": shop.time_zone,
        "opening_hours": opening_hours.to_osm(shop.opening_hours) if shop.opening_hours else "",
        "wheelchair": shop.wheelchair.value,
        "step_free_entrance": {True: "yes", False: "no", None: ""}[shop.step_free_entrance],
        "payment_methods": ";".join(shop.payment_methods),
        "last_confirmed_at": shop.last_confirmed_at.isoformat()
        if shop.last_confirmed_at else "",
    }
    row: list[str | float] = []
    for column in CSV_COLUMNS:
        value = values[column]
        if value is None:
            row.append("")
        elif isinstance(value, str):
            row.append(guard_formula(value))
        else:
            row.append(value)
    return row


def shops_csv(shop_list: Iterable[Shop]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(shop) for shop in shop_list)
    return out.getvalue()


def geojson_feature(shop: Shop) -> dict[str, Any]:
    """One shop as a GeoJSON point with OSM-style properties (empty ones left out)."""
    default = city().default_language
    name = shop.name or {}
    properties: dict[str, Any] = {
        "name": localized(name, default, default),
        **{f"name:{language}": name[language] for language in LANGUAGES if name.get(language)},
        shop.category.osm_key: shop.category.osm_value,
        "description": localized(shop.short_description, default, default),
        "opening_hours": opening_hours.to_osm(shop.opening_hours) if shop.opening_hours else "",
        "website": shop.website, "phone": shop.phone, "email": shop.email,
        "wheelchair": shop.wheelchair.value if shop.wheelchair is not Wheelchair.UNKNOWN else "",
        "level": shop.level,
        "addr:street": shop.street, "addr:housenumber": shop.house_number,
        "addr:postcode": shop.postal_code, "addr:city": shop.locality,
        "addr:country": shop.country,
        "check_date": local_date(shop, shop.last_confirmed_at).isoformat()
        if shop.last_confirmed_at else "",
        "flaneur:slug": shop.slug, "flaneur:status": shop.status.value,
    }
    return {
        "type": "Feature",
        "id": shop.slug,
        "geometry": {"type": "Point", "coordinates": [shop.longitude, shop.latitude]},
        "properties": {key: value for key, value in properties.items()
                       if value not in (None, "")},
    }


def shops_geojson(shop_list: Iterable[Shop]) -> dict[str, Any]:
    return {"type": "FeatureCollection",
            "features": [geojson_feature(shop) for shop in shop_list
                         if shop.latitude is not None and shop.longitude is not None]}
