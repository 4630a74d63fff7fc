"""Public pages: the city home, favicon and the built viewer assets.

The home lists the tours visitors may take now (``tours.walk`` decides, exactly like
``GET /api/walk/tours``) and searches shops with the directory's search
(``server.shop_directory``, the same as ``/shops`` and ``/api/shops``). A result the walk shows
links into the walk page looking at the shop's hotspot (``tours.shop_walk``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from server import page_links, shop_directory, walk_presenter
from server.city_settings import city
from server.extensions import db
from server.shop_exports import absolute_url
from server.shop_pages import MAX_QUERY_LENGTH, directory_card, og_locale, walk_link
from server.shop_presenter import language
from tours import shop_walk, shops, walk
from tours.models import Shop, utcnow
from tours.tour_publishing import PublishedTour

bp = Blueprint("site", __name__)
bp.app_context_processor(page_links.template_helpers)

STATIC_ROOT = Path(__file__).resolve().parent.parent / "static"
#: shops shown on the home page for a search; the directory has the rest
HOME_RESULTS = 10
#: characters of a tour's intro shown on its card
INTRO_LENGTH = 220


def search_shops(query: str, now: dt.datetime) -> dict[str, Any]:
    """The first :data:`HOME_RESULTS` published shops matching ``query``, each with its walk
    link, and how many match in all. A query without any searchable word finds nothing
    (the directory would list every shop)."""
    if not shops.search_words(query):
        return {"results": [], "total": 0}
    found, total = shop_directory.find_shops({"q": query}, offset=0, limit=HOME_RESULTS,
                                             now=now)
    places = shop_walk.walk_places_of(db.session, [shop.id for shop in found], now)
    return {"results": [_result(shop, places.get(shop.id), now) for shop in found],
            "total": total}


def _result(shop: Shop, place: shop_walk.WalkPlace | None,
            now: dt.datetime) -> dict[str, Any]:
    return {**directory_card(shop, now),
            "walk_url": walk_link(place) if place is not None else None}


def _tour_card(tour: PublishedTour) -> dict[str, Any]:
    summary = walk_presenter.tour_summary(tour)
    return {**summary, "url": url_for("walk_pages.tour", slug=tour.slug)}


def home_meta(tours: list[PublishedTour], query: str) -> dict[str, Any]:
    """Canonical address, description and Open Graph values of the home page; the image is
    the first tour's first stop's share image, when it has been rendered."""
    stops = walk.shown_stops(tours[0]) if tours else []
    image = walk_presenter.share_image(stops[0].scene) if stops else None
    current = language()
    return {
        "canonical": page_links.canonical_url(),
        # a local public storage gives /media/…; Open Graph wants an absolute address
        "image": {**image, "url": absolute_url(image["url"])} if image else None,
        "locale": og_locale(current),
        # a search result is not a page of its own for search engines
        "noindex": bool(query),
    }


@bp.get("/")
def home() -> str:
    """The city's home page: its walks, and a search for shops (``?q=``)."""
    now = utcnow()
    tours = walk.public_tours(db.session, now)
    query = request.args.get("q", "").strip()[:MAX_QUERY_LENGTH]
    return render_template(
        "home.html", city_name=city().name,
        tours=[_tour_card(tour) for tour in tours], intro_length=INTRO_LENGTH,
        query=query, search=search_shops(query, now) if query else None,
        directory_url=url_for("shop_pages.directory", q=query) if query else None,
        meta=home_meta(tours, query),
    )


@bp.get("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(STATIC_ROOT / "site", "favicon.svg", mimetype="image/svg+xml",
                               max_age=86400)


@bp.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    """Our own stylesheets and icons (``static/site``)."""
    return send_from_directory(STATIC_ROOT / "site", filename, max_age=3600)


@bp.get("/viewer/<path:filename>")
def viewer_asset(filename: str) -> Response:
    """The viewer bundle built by ``make`` (``static/viewer/dist``)."""
    return send_from_directory(STATIC_ROOT / "viewer" / "dist", filename, max_age=3600)
