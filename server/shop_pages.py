"""The public shop pages: the directory (``/shops``), each published shop's profile
(``/shops/<slug>``, with its JSON-LD also at ``/shops/<slug>.jsonld``), and the data exports
(``/export/shops.csv`` and ``.geojson`` for editors, ``/export/shops.jsonld`` for everybody).

The pages are plain server-rendered HTML with a GET form, so they work without JavaScript; the
directory searches exactly like ``/api/shops`` (:mod:`server.shop_directory`). Drafts, shops
waiting for review and closed shops are never listed and answer 404.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import phonenumbers
from babel.core import Locale, UnknownLocaleError, get_global
from babel.dates import format_interval
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from server import page_links, shop_directory, shop_exports, shop_presenter
from server.extensions import db
from server.paging import page_number
from server.security import roles_required
from server.shop_labels import OFFER_KIND_LABELS, WHEELCHAIR_LABELS, weekday_names
from server.shop_presenter import text
from tours import shop_walk, shops
from tours.i18n import LANGUAGES
from tours.models import Offer, Role, Shop, ShopStatus, Wheelchair, utcnow
from tours.validation import clean_choice

bp = Blueprint("shop_pages", __name__)

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
MAX_CATEGORY_LENGTH = 40
#: directory pages beyond this are refused before any query (no huge offsets)
MAX_PAGE = 1000
#: special days shown on a profile (the next ones; the JSON-LD has them all)
MAX_SPECIAL_DAYS_SHOWN = 12
#: the endpoint of the public walk's scene page (added by the viewer); linked when it exists
WALK_SCENE_ENDPOINT = "walk_pages.scene"
TRUE_VALUES = frozenset({"1", "on", "true", "yes"})
#: the page links shown on each side of the current directory page
PAGE_LINK_SPAN = 2


# --- the directory --------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryFilters:
    """What a visitor searches for, read leniently from the query string."""

    q: str = ""
    category: str = ""
    open_now: bool = False
    step_free: bool = False

    @classmethod
    def from_request(cls) -> DirectoryFilters:
        args = request.args
        return cls(q=args.get("q", "").strip()[:MAX_QUERY_LENGTH],
                   category=args.get("category", "").strip()[:MAX_CATEGORY_LENGTH],
                   open_now=args.get("open_now", "").lower() in TRUE_VALUES,
                   step_free=args.get("step_free", "").lower() in TRUE_VALUES)

    @property
    def active(self) -> bool:
        return bool(self.q or self.category or self.open_now or self.step_free)

    def query(self) -> dict[str, Any]:
        return {"q": self.q, "category": self.category or None, "open_now": self.open_now,
                "step_free": self.step_free}

    def url_args(self) -> dict[str, str]:
        """The filters as they appear in page links (only those that are set)."""
        args = {"q": self.q, "category": self.category,
                "open_now": "1" if self.open_now else "",
                "step_free": "1" if self.step_free else ""}
        if request.args.get("lang") in LANGUAGES:
            args["lang"] = request.args["lang"]
        return {name: value for name, value in args.items() if value}


def _page_number() -> int:
    """The ``page`` argument; anything but a page number in range is a page that is not there."""
    page = page_number(MAX_PAGE)
    if page is None:
        abort(404)
    return page


def _page_links(page: int, pages: int, filters: DirectoryFilters) -> list[dict[str, Any]]:
    numbers = sorted({1, pages, *range(max(1, page - PAGE_LINK_SPAN),
                                        min(pages, page + PAGE_LINK_SPAN) + 1)})
    links, previous = [], 0
    for number in numbers:
        links.append({"number": number, "url": directory_url(filters, number),
                      "current": number == page, "gap_before": number - previous > 1})
        previous = number
    return links


def directory_url(filters: DirectoryFilters, page: int = 1) -> str:
    return url_for("shop_pages.directory", **filters.url_args(),
                   **({"page": str(page)} if page > 1 else {}))


def _address_line(shop: Shop) -> str:
    return ", ".join(part for part in (shop_exports.street_line(shop),
                                       shop_exports.place_line(shop)) if part)


def directory_card(shop: Shop, now: dt.datetime) -> dict[str, Any]:
    return {**shop_presenter.shop_card(shop, now), "address": _address_line(shop),
            "venue": shop.venue}


@bp.get("/shops")
def directory() -> str:
    """Search published shops by words (any language, accents and case ignored), category,
    "open now" and step-free entrance; 20 a page."""
    filters = DirectoryFilters.from_request()
    page = _page_number()
    now = utcnow()
    found, total = shop_directory.find_shops(filters.query(), offset=(page - 1) * PAGE_SIZE,
                                             limit=PAGE_SIZE, now=now)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:
        abort(404)
    return render_template(
        "shops/directory.html", filters=filters, total=total, page=page, pages=pages,
        cards=[directory_card(shop, now) for shop in found],
        categories=[shop_presenter.category_view(category)
                    for category in shops.list_categories(db.session)],
        page_links=_page_links(page, pages, filters) if pages > 1 else [],
        previous_url=directory_url(filters, page - 1) if page > 1 else None,
        next_url=directory_url(filters, page + 1) if page < pages else None,
        all_shops_url=url_for("shop_pages.directory"),
    )


# --- a shop's profile -----------------------------------------------------------------------


def _interval_text(opens: str, closes: str) -> str:
    if opens == "00:00" and closes == "24:00":
        return _("Open 24 hours")
    return f"{opens}–{closes}"


def weekly_rows(shop: Shop, today: dt.date) -> list[dict[str, Any]]:
    """Monday to Sunday in the visitor's language, each with its opening times ([] = closed)."""
    weekly = (shop.opening_hours or {}).get("weekly", [])
    return [{"name": name, "today": day == today.isoweekday(),
             "intervals": [_interval_text(row["opens"], row["closes"])
                           for row in weekly if row["day"] == day]}
            for day, name in weekday_names()]


def _date_range(first: dt.date, last: dt.date) -> str:
    if first == last:
        return format_date(first, "medium")
    try:
        return format_interval(first, last, "yMMMd", locale=get_locale() or "en")
    except (ValueError, UnknownLocaleError):
        return f"{format_date(first, 'medium')} – {format_date(last, 'medium')}"


def special_days(shop: Shop, today: dt.date) -> list[dict[str, Any]]:
    """The special days (holidays, closures) from today on, with their reasons."""
    rows = []
    for entry in (shop.opening_hours or {}).get("special", []):
        first, last = dt.date.fromisoformat(entry["from"]), dt.date.fromisoformat(entry["to"])
        if last < today:
            continue
        rows.append({"dates": _date_range(first, last), "closed": entry.get("closed", False),
                     "intervals": [_interval_text(interval["opens"], interval["closes"])
                                   for interval in entry.get("intervals", [])],
                     "reason": text(entry.get("reason"))})
        if len(rows) >= MAX_SPECIAL_DAYS_SHOWN:
            break
    return rows


def _phone_label(number: str) -> str:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def contact_links(shop: Shop) -> list[dict[str, str]]:
    """Phone (``tel:``), WhatsApp (``https://wa.me/<digits>``) and email (``mailto:``)."""
    links = []
    if shop.phone:
        links.append({"kind": "phone", "label": _("Phone"), "text": _phone_label(shop.phone),
                      "href": f"tel:{shop.phone}"})
    if shop.whatsapp:
        digits = "".join(char for char in shop.whatsapp if char.isdigit())
        links.append({"kind": "whatsapp", "label": _("WhatsApp"),
                      "text": _phone_label(shop.whatsapp), "href": f"https://wa.me/{digits}"})
    if shop.email:
        links.append({"kind": "email", "label": _("Email"), "text": shop.email,
                      "href": f"mailto:{shop.email}"})
    return links


def social_links(shop: Shop) -> list[dict[str, str]]:
    return [{"href": link, "text": (urlsplit(link).hostname or link).removeprefix("www.")}
            for link in shop.social_links]


def accessibility_facts(shop: Shop) -> list[str]:
    facts = []
    if shop.wheelchair is not Wheelchair.UNKNOWN:
        facts.append(_("Wheelchair access: %(access)s", access=WHEELCHAIR_LABELS[shop.wheelchair]))
    if shop.step_free_entrance is True:
        facts.append(_("Step-free entrance"))
    elif shop.step_free_entrance is False:
        facts.append(_("The entrance has steps"))
    return facts


def current_offers(shop: Shop, now: dt.datetime) -> list[dict[str, Any]]:
    offers: list[Offer] = [offer for offer in shop.offers if offer.is_valid_at(now)]
    return [{"kind": OFFER_KIND_LABELS[offer.kind], "title": text(offer.title),
             "text": text(offer.text),
             "image": shop_presenter.image_view(offer.image) if offer.image else None,
             "until": format_date(shop_exports.local_date(shop, offer.valid_until), "medium")}
            for offer in offers]


def walk_link(place: shop_walk.WalkPlace) -> str | None:
    """The walk page at the place's scene, looking at the shop's hotspot, inside the tour
    :mod:`tours.shop_walk` found for it. None while the walk has no such page.

    Contract with the viewer's page: endpoint ``walk_pages.scene`` with the tour's slug as
    ``slug``, the scene's as ``scene`` and the view as ``yaw``/``pitch``."""
    tour_slug = place.tour_slug
    if tour_slug is None or WALK_SCENE_ENDPOINT not in current_app.view_functions:
        return None
    view = {name: f"{value:g}" for name, value in (("yaw", place.yaw), ("pitch", place.pitch))
            if value is not None}
    try:
        return url_for(WALK_SCENE_ENDPOINT, slug=tour_slug, scene=place.scene_slug, **view)
    except BuildError:
        return None


def walk_url(shop: Shop, now: dt.datetime) -> str | None:
    """The public walk looking at the shop (see :func:`walk_link`)."""
    place = shop_walk.walk_place_of(db.session, shop.id, now)
    return walk_link(place) if place is not None else None


def og_locale(language: str) -> str:
    """Open Graph's ``de_DE`` for a language, from CLDR's likely subtags."""
    likely = get_global("likely_subtags").get(language, language)
    try:
        locale = Locale.parse(likely)
    except (ValueError, UnknownLocaleError):
        return language
    return f"{locale.language}_{locale.territory}" if locale.territory else locale.language


def page_meta(shop: Shop, business: dict[str, Any]) -> dict[str, Any]:
    """Canonical URL, language alternates and Open Graph values of a profile."""
    language = shop_presenter.language()
    photos = shop.photos
    return {
        "canonical": page_links.canonical_url(),
        "alternates": [(code, shop_exports.profile_url(shop, lang=code)) for code in LANGUAGES],
        "x_default": shop_exports.profile_url(shop),
        "title": business.get("name", shop.slug),
        "description": (text(shop.short_description) or business.get("description", ""))[:300],
        "image": shop_exports.image_url(photos[0] if photos else shop.logo),
        "locale": og_locale(language),
        "locale_alternates": [og_locale(code) for code in LANGUAGES if code != language],
    }


@bp.get("/shops/<slug>")
def profile(slug: str) -> str:
    """A published shop's profile in the visitor's language; 404 for any other shop."""
    shop = shops.published_shop(db.session, slug)
    now = utcnow()
    today = now.astimezone(ZoneInfo(shop.time_zone)).date()
    business = shop_exports.local_business(shop)
    view = shop_presenter.shop_profile(shop, now)
    return render_template(
        "shops/profile.html", shop=view, meta=page_meta(shop, business),
        jsonld=shop_exports.jsonld_script(business),
        # stored sanitised; cleaned again here so rows written around the service stay safe
        description_html=shops.sanitise_html(view["description_html"] or ""),
        address_street=shop_exports.street_line(shop),
        address_place=shop_exports.place_line(shop),
        has_hours=bool(shop.opening_hours),
        weekly=weekly_rows(shop, today), special=special_days(shop, today),
        contacts=contact_links(shop), socials=social_links(shop),
        accessibility=accessibility_facts(shop),
        payments=shop_exports.payment_labels(shop),
        offers=current_offers(shop, now),
        last_confirmed=format_date(shop_exports.local_date(shop, shop.last_confirmed_at), "long")
        if shop.last_confirmed_at else None,
        walk_url=walk_url(shop, now),
    )


@bp.get("/shops/<slug>.jsonld")
def profile_jsonld(slug: str) -> Response:
    """The profile's schema.org ``LocalBusiness`` (the same as in the page)."""
    shop = shops.published_shop(db.session, slug)
    return Response(shop_exports.script_safe_json(shop_exports.local_business(shop)),
                    mimetype="application/ld+json")


# --- exports --------------------------------------------------------------------------------


def _export_status() -> ShopStatus | None:
    """``?status=``: all shops when absent; an unknown status is refused (422) with the
    choices."""
    raw = request.args.get("status", "")
    return clean_choice(raw, ShopStatus, field="status") if raw else None


def _download(body: str, mimetype: str, filename: str, *, private: bool) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if private:
        # drafts and contact data of unpublished shops: never kept by a shared cache
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _export_name(stem: str, status: ShopStatus | None, extension: str) -> str:
    return f"{stem}-{status.value}.{extension}" if status else f"{stem}.{extension}"


@bp.get("/export/shops.csv")
@roles_required(Role.EDITOR)
def export_csv() -> Response:
    """Every shop (or ``?status=published`` …) as CSV, for editors and admins."""
    status = _export_status()
    body = shop_exports.shops_csv(shop_exports.shops_for_export(status))
    return _download(body, "text/csv", _export_name("shops", status, "csv"), private=True)


@bp.get("/export/shops.geojson")
@roles_required(Role.EDITOR)
def export_geojson() -> Response:
    """Every shop with a position (or those of ``?status=``) as OSM-style GeoJSON."""
    status = _export_status()
    body = json.dumps(shop_exports.shops_geojson(shop_exports.shops_for_export(status)),
                      ensure_ascii=False)
    return _download(body, "application/geo+json", _export_name("shops", status, "geojson"),
                     private=True)


@bp.get("/export/shops.jsonld")
def export_jsonld() -> Response:
    """The published shops as one schema.org ``ItemList``: open data, public like the pages
    it repeats."""
    found = shop_exports.shops_for_export(ShopStatus.PUBLISHED)
    body = shop_exports.script_safe_json(shop_exports.item_list(found))
    return _download(body, "application/ld+json", "shops.jsonld", private=False)
