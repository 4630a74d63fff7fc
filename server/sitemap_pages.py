"""``/sitemap.xml`` and ``/robots.txt``: what search engines may index, and where to find it.

The sitemap lists every public page: the home, the shop directory, each published shop's
profile, each public tour (``tours.walk`` decides, like the walk's pages) and the scene page of
each of its stops, and the legal pages. Each ``<url>`` names the address without ``lang``
(``x-default``: the page speaks the visitor's language) as its ``<loc>`` and announces the four
language versions (``?lang=…``) with ``xhtml:link rel="alternate"``, the same addresses the
pages' own ``hreflang`` links give (``server.page_links``). ``lastmod`` is the row's update
time where there is one. Drafts, shops in review, closed shops and tours outside their window
never appear. The answer is cached like the visitors' JSON (``server.api_caching``).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, url_for

from server.api_caching import make_cacheable
from server.config import LANGUAGES
from server.extensions import db
from tours import legal, shops, walk
from tours.models import Shop, utcnow

bp = Blueprint("sitemap", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
#: the sitemap protocol's limit for one file; a city this large needs a sitemap index
MAX_URLS = 50_000
#: areas only accounts use: nothing there is for search engines
PRIVATE_PREFIXES = ("/account/", "/admin/", "/my/", "/staff/", "/login")


@dataclass(frozen=True)
class Entry:
    """A public page: its endpoint and URL values, and when its content last changed."""

    endpoint: str
    values: dict[str, str] = field(default_factory=dict)
    lastmod: dt.datetime | None = None


def _latest(*moments: dt.datetime | None) -> dt.datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def public_entries(now: dt.datetime) -> Iterator[Entry]:
    """Every public page at ``now``, in a stable order."""
    yield Entry("site.home")
    yield Entry("shop_pages.directory")
    published = shops.directory_query().with_only_columns(Shop.slug, Shop.updated_at)
    for slug, updated_at in db.session.execute(published):
        yield Entry("shop_pages.profile", {"slug": slug}, updated_at)
    for tour in walk.public_tours(db.session, now):
        yield Entry("walk_pages.tour", {"slug": tour.slug}, tour.updated_at)
        seen: set[str] = set()
        for stop in walk.shown_stops(tour):
            if stop.scene.slug in seen:
                continue
            seen.add(stop.scene.slug)
            yield Entry("walk_pages.scene", {"slug": tour.slug, "scene": stop.scene.slug},
                        _latest(tour.updated_at, stop.scene.updated_at))
    stored = legal.pages_by_key(db.session)
    for key in legal.LEGAL_PAGE_KEYS:
        page = stored.get(key)
        yield Entry("legal.page", {"key": key.value},
                    page.updated_at if page is not None and page.body else None)


def _url_element(parent: ET.Element, entry: Entry) -> None:
    url = ET.SubElement(parent, f"{{{SITEMAP_NS}}}url")
    ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = url_for(
        entry.endpoint, **entry.values, _external=True)
    if entry.lastmod is not None:
        ET.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = entry.lastmod.astimezone(
            dt.UTC).isoformat(timespec="seconds")
    for code in (*LANGUAGES, None):
        ET.SubElement(url, f"{{{XHTML_NS}}}link", {
            "rel": "alternate", "hreflang": code or "x-default",
            "href": url_for(entry.endpoint, **entry.values, _external=True,
                            **({"lang": code} if code else {}))})


def sitemap_xml(entries: Iterator[Entry]) -> bytes:
    """The sitemap document of ``entries`` (at most :data:`MAX_URLS`)."""
    ET.register_namespace("", SITEMAP_NS)
    ET.register_namespace("xhtml", XHTML_NS)
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for count, entry in enumerate(entries):
        if count >= MAX_URLS:
            current_app.logger.warning("sitemap cut at %d addresses", MAX_URLS)
            break
        _url_element(root, entry)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every public page with its language versions, for search engines."""
    response = Response(sitemap_xml(public_entries(utcnow())), mimetype="application/xml")
    return make_cacheable(response)


@bp.get("/robots.txt")
def robots() -> Response:
    """Crawlers may read everything public; the sitemap says what there is."""
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES),
             "", f"Sitemap: {url_for('sitemap.sitemap', _external=True)}", ""]
    return make_cacheable(Response("\n".join(lines), mimetype="text/plain"))
