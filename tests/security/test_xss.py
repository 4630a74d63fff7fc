"""Cross-site scripting: every payload in every text and URL field comes back inert.

A city is filled once per module through the real API (:mod:`tests.security.xss_world`), then
every place that shows the texts is read: the public profile in four languages, the
directory (listing and searching), the owners' list and edit pages, the editors' moderation
queue, the admins' audit log, the shop import's report, the JSON API (public and managed, and
the editors' scenes, hotspots, links, tours and stops), and the CSV, GeoJSON and JSON-LD
exports. A page passes when :func:`tests.support.xss.scan_html` finds no live markup in it
and the payloads it should show appear there literally (so a page that dropped them cannot
pass by accident). Web-address fields refuse every script or foreign-scheme address; the
http(s) addresses with breakout characters they accept stay one escaped attribute value.

Each test records "payloads surviving / total" for its place; the run's summary lists them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from server import create_app
from tests.security.xss_world import (
    OWNER_EMAIL,
    OWNER_NAME,
    PayloadShop,
    World,
    build_world,
    checked,
    translations,
)
from tests.support.accounts import log_in
from tests.support.apps import base_config, close_app, database_for
from tests.support.xss import (
    HTTP_URLS,
    REFUSED_URLS,
    SHORT_PAYLOADS,
    TEXT_PAYLOADS,
    PageScan,
    as_stored,
    fitting,
    formula_cells,
    is_dangerous_url,
    record_figure,
    sanitised_html_findings,
    scan_html,
)
from tours import shops as shop_rules
from tours.i18n import LANGUAGES

#: the longest a directory search walks through result pages for one shop
MAX_RESULT_PAGES = 5
#: the test app's secret: a template evaluating ``{{config.SECRET_KEY}}`` would print it
SECRET_KEY = "xss-test-secret-key-that-is-long-enough-for-anything"


@dataclass
class City:
    app: Flask
    world: World

    def client(self) -> FlaskClient:
        """A fresh client: no language remembered from an earlier request."""
        return self.app.test_client()


@pytest.fixture(scope="module")
def city(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    """One city full of payloads for the whole module (made through the API, which takes a
    few seconds: far too long to repeat for each place that is checked)."""
    folder = tmp_path_factory.mktemp("xss")
    app = create_app({**base_config(database_for(database_url, folder), folder),
                      "SECRET_KEY": SECRET_KEY})
    world = build_world(app, app.test_client())
    yield City(app, world)
    close_app(app)


# --- helpers --------------------------------------------------------------------------------


def html_page(client: FlaskClient, url: str, *, headers: dict[str, str] | None = None,
              status: int = 200) -> PageScan:
    """Fetch a page and scan it; it must be HTML under the page policy and show no secret."""
    response = client.get(url, headers=headers or {})
    assert response.status_code == status, (url, response.status_code)
    return scan_response(response, url)


def scan_response(response: TestResponse, what: str) -> PageScan:
    assert response.mimetype == "text/html", what
    assert "script-src 'self'" in response.headers["Content-Security-Policy"], what
    body = response.get_data(as_text=True)
    assert SECRET_KEY not in body, what
    return scan_html(body)


def assert_inert_json(response: TestResponse, what: str) -> Any:
    """A JSON answer: never run as a page (inert policy, no sniffing), and parseable."""
    assert response.mimetype == "application/json", what
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'"), what
    assert response.headers["X-Content-Type-Options"] == "nosniff", what
    return response.get_json()


def missing(scan: PageScan, texts: dict[str, str]) -> dict[str, str]:
    """The expected texts a page does not show literally."""
    return {name: value for name, value in texts.items() if not scan.shows(as_stored(value))}


def description_findings(fragment: str) -> list[str]:
    return sanitised_html_findings(fragment, tags=shop_rules.DESCRIPTION_TAGS,
                                   attributes={tag: set(names) for tag, names
                                               in shop_rules.DESCRIPTION_ATTRIBUTES.items()},
                                   schemes=shop_rules.DESCRIPTION_URL_SCHEMES)


class Tally:
    """Findings per payload in one place, for the figure and the failure message."""

    def __init__(self, place: str, total: int) -> None:
        self.place, self.total, self.renderings = place, total, 0
        self.findings: dict[str, list[str]] = {}
        self.missing: dict[str, dict[str, str]] = {}

    def saw(self, names: list[str], scan: PageScan, where: str) -> None:
        self.renderings += 1
        if scan.findings:
            for name in names:
                self.findings.setdefault(name, []).extend(
                    f"{where}: {finding}" for finding in scan.findings)

    def note_missing(self, name: str, where: str, absent: dict[str, str]) -> None:
        if absent:
            self.missing[f"{name} @ {where}"] = absent

    def finish(self) -> None:
        record_figure(self.place, self.findings, self.total, self.renderings)
        assert self.findings == {}, f"live markup in {self.place}"
        assert self.missing == {}, f"payloads not shown literally in {self.place}"


def profile_texts(item: PayloadShop) -> dict[str, str]:
    """What a visitor's profile page shows of a payload shop, as typed."""
    names = ("name", "short_description", "street", "locality", "venue", "level", "unit",
             "offer_title", "offer_text", "alt_text", "special_reason")
    return {name: item.texts[name] for name in names}


# --- pages ----------------------------------------------------------------------------------


def test_profile_pages_show_every_payload_as_text(city: City):
    client = city.client()
    tally = Tally("public profile /shops/<slug> (de, en, es, fr)", len(city.world.shops))
    for item in city.world.shops:
        for language in LANGUAGES:
            where = f"/shops/{item.slug}?lang={language}"
            scan = html_page(client, where)
            tally.saw([item.payload.name], scan, where)
            tally.note_missing(item.payload.name, where, missing(scan, profile_texts(item)))
            assert len(scan.json_ld) == 1, where
            business = json.loads(scan.json_ld[0])
            assert business["name"] == as_stored(item.payload.text), where
            assert business["address"]["streetAddress"].startswith(as_stored(item.texts["street"]))
            links = {attributes.get("href") for tag, attributes in scan.elements if tag == "a"}
            # accepted addresses are links exactly as stored: quoted, escaped, not cut
            assert {item.website, *city.world.addresses} <= links, where
    tally.finish()


def test_profile_json_ld_documents_keep_payloads_as_data(city: City):
    client = city.client()
    for item in city.world.shops:
        response = client.get(f"/shops/{item.slug}.jsonld?lang=en")
        assert response.status_code == 200
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        body = response.get_data(as_text=True)
        assert "</script" not in body.lower()
        assert "<" not in body
        assert json.loads(body)["name"] == as_stored(item.payload.text)


def _directory_pages(client: FlaskClient, query: dict[str, str]) -> Iterator[
        tuple[str, PageScan]]:
    for page in range(1, MAX_RESULT_PAGES + 1):
        where = "/shops?" + urlencode({**query, "page": str(page)})
        scan = html_page(client, where)
        yield where, scan
        if not any(tag == "a" and attributes.get("rel") == "next"
                   for tag, attributes in scan.elements):
            return


def test_directory_lists_and_searches_show_payloads_as_text(city: City):
    client = city.client()
    shops = city.world.shops
    tally = Tally("directory /shops (listing and ?q= search)", len(shops))
    listed: set[str] = set()
    for where, scan in _directory_pages(client, {"lang": "en"}):
        shown = [item.payload.name for item in shops if scan.shows(as_stored(item.texts["name"]))]
        listed.update(shown)
        tally.saw(shown, scan, where)
    assert listed == {item.payload.name for item in shops}
    for item in shops:
        query = {"q": item.payload.text, "lang": "de"}
        found = False
        for where, scan in _directory_pages(client, query):
            tally.saw([item.payload.name], scan, where)
            searched = [attributes.get("value") for tag, attributes in scan.elements
                        if tag == "input" and attributes.get("name") == "q"]
            assert searched == [as_stored(item.payload.text)[:200]], where
            if scan.shows_as_text(as_stored(item.texts["name"])):
                found = True
                tally.note_missing(item.payload.name, where, missing(scan, {
                    name: item.texts[name] for name in ("short_description", "venue")}))
                break
        assert found, f"search for {item.payload.name!r} did not find its shop"
    tally.finish()


def owner_edit_texts(item: PayloadShop, *, published: bool) -> dict[str, str]:
    names = ["name", "short_description", "street", "house_number", "postal_code", "locality",
             "venue", "level", "unit", "alt_text", "offer_title", "special_reason"]
    texts = {name: item.texts[name] for name in names}
    if published:
        texts["comment"] = item.texts["comment"]
        texts["waiting_website"] = item.waiting_website
    return texts


def test_owner_pages_show_payloads_as_text(city: City):
    client = city.client()
    owner = city.world.owner.headers
    shops = city.world.shops
    tally = Tally("owners' pages /my/shops and /my/shops/<id>/edit", len(shops))
    listed: set[str] = set()
    for page in (1, 2):
        where = f"/my/shops?page={page}&lang=en"
        scan = html_page(client, where, headers=owner)
        shown = [item.payload.name for item in shops if scan.shows(as_stored(item.texts["name"]))]
        listed.update(shown)
        tally.saw(shown, scan, where)
        assert scan.shows_as_text(as_stored(OWNER_NAME))  # the header names the account
    assert listed == {item.payload.name for item in shops}
    for item in shops:
        for shop_id, published in ((item.shop_id, True), (item.pending_id, False)):
            for language in ("en", "fr"):
                where = f"/my/shops/{shop_id}/edit?lang={language}"
                scan = html_page(client, where, headers=owner)
                tally.saw([item.payload.name], scan, where)
                tally.note_missing(item.payload.name, where,
                                   missing(scan, owner_edit_texts(item, published=published)))
    tally.finish()


def refused_profile_form(item: PayloadShop, *, well_formed: bool) -> dict[str, str]:
    """The profile form with the payload in every input and script addresses. Not
    ``well_formed``: the form itself refuses the numbers and hours; ``well_formed``: the
    service refuses the website. Either way the page comes back with everything as typed."""
    text = item.payload.text
    form = {f"{name}-{code}": text for name in ("name", "short_description", "description")
            for code in LANGUAGES}
    form.update(dict.fromkeys(("street", "house_number", "postal_code", "locality", "venue",
                               "level", "unit"), text))
    form.update({"category": "bakery", "website": REFUSED_URLS[0].text,
                 "online_shop_url": text, "social_links": f"{text}\n{REFUSED_URLS[1].text}",
                 "time_zone": "Europe/Berlin", "special-0-from": "2030-01-01",
                 "special-0-reason": text})
    if well_formed:
        form.update({"hours-1": "09:00-18:00", "online_shop_url": ""})
    else:
        form.update({"latitude": text, "longitude": text, "hours-1": text, "phone": text,
                     "email": text, "whatsapp": text, "country": text})
    return form


def test_refused_forms_show_the_typed_payloads_as_text(city: City):
    """A refused form is shown again as typed: the payloads (and the refused addresses)
    must come back as text, in inputs and text areas."""
    client = city.client()
    owner = city.world.owner.headers
    shops = city.world.shops
    tally = Tally("owners' forms shown again after a refusal", len(shops))
    for item in shops:
        where = f"/my/shops/{item.shop_id}/edit"
        for well_formed in (False, True):
            response = client.post(where + "?lang=en", headers=owner,
                                   data=refused_profile_form(item, well_formed=well_formed))
            assert response.status_code == 400, response.status_code
            scan = scan_response(response, where)
            tally.saw([item.payload.name], scan, where)
            tally.note_missing(item.payload.name, where, missing(scan, {
                "name": item.payload.text, "refused website": REFUSED_URLS[0].text,
                "special reason": fitting(item.payload, 120, item.index)}))
        offer_form = {"kind": "offer", "valid_from": item.payload.text, "valid_until": "",
                      **{f"{name}-{code}": item.payload.text for name in ("title", "text")
                         for code in LANGUAGES}}
        where = f"/my/shops/{item.shop_id}/offers"
        response = client.post(where + "?lang=en", headers=owner, data=offer_form)
        assert response.status_code == 400
        scan = scan_response(response, where)
        tally.saw([item.payload.name], scan, where)
        tally.note_missing(item.payload.name, where, missing(scan, {
            "offer title": item.payload.text}))
    tally.finish()


def test_moderation_queue_shows_payloads_and_addresses_as_text(city: City):
    client = city.client()
    editor = city.world.editor.headers
    shops = city.world.shops
    tally = Tally("editors' moderation queue /staff/moderation", len(shops))
    seen_names: set[str] = set()
    seen_addresses: set[str] = set()
    pages = -(-2 * len(shops) // 20)
    for page in range(1, pages + 1):
        where = f"/staff/moderation?page={page}&lang=en"
        scan = html_page(client, where, headers=editor)
        shown = [item.payload.name for item in shops if scan.shows_as_text(
            as_stored(item.texts["name"]))]
        seen_names.update(shown)
        tally.saw(shown, scan, where)
        assert scan.shows_as_text(as_stored(OWNER_NAME)), where  # "asked by"
        hrefs = {attributes.get("href") for tag, attributes in scan.elements if tag == "a"}
        assert not hrefs & set(city.world.addresses), "an address to check is a link"
        seen_addresses.update(address for address in city.world.addresses
                              if scan.shows_as_text(address))
    assert seen_names == {item.payload.name for item in shops}
    assert seen_addresses == set(city.world.addresses)
    tally.finish()


def test_audit_log_shows_payload_comments_as_text(city: City):
    client = city.client()
    admin = city.world.admin.headers
    tally = Tally("admins' audit log /admin/audit", len(city.world.shops))
    shown: set[str] = set()
    for page in range(1, 2 * len(city.world.shops)):
        where = f"/admin/audit?action=change.&page={page}&lang=en"
        scan = html_page(client, where, headers=admin)
        on_page = [item.payload.name for item in city.world.shops
                   if any(json.dumps(as_stored(item.texts["comment"]), ensure_ascii=False) in chunk
                          for chunk in scan.texts)]
        tally.saw(on_page, scan, where)
        shown.update(on_page)
        if not any(tag == "a" and "page=" + str(page + 1) in (attributes.get("href") or "")
                   for tag, attributes in scan.elements):
            break
    assert shown == {item.payload.name for item in city.world.shops}
    tally.finish()


def test_account_pages_show_the_payload_name_as_text(city: City):
    """The owner's display name is a payload: the staff's account list and the owner's own
    account pages (which list the shops) show it as text."""
    client = city.client()
    editor = city.world.editor.headers
    # the owner's own account pages want a signed-in session, not a token
    assert log_in(client, OWNER_EMAIL).status_code == 302
    pages = [("/staff/accounts", editor), ("/staff/invitations", editor),
             ("/account/delete", {}), ("/account/tokens", {}),
             ("/account/two-factor", {}), ("/account/data", {})]
    tally = Tally("account pages (staff list, owner's own pages)", 1)
    for path, headers in pages:
        response = client.get(path + "?lang=en", headers=headers)
        assert response.status_code == 200, path
        if response.mimetype == "text/html":
            scan = scan_response(response, path)
            tally.saw([OWNER_NAME], scan, path)
            if path != "/staff/invitations":  # the only one without the owner
                tally.note_missing("owner's name", path, missing(scan, {"name": OWNER_NAME}))
        else:
            assert_inert_json(response, path)
    tally.finish()


def import_csv(shops: list[PayloadShop]) -> bytes:
    """New shops whose texts are payloads, and updates renaming the payload shops."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["slug", "category", "name_de", "name_en", "short_description_de",
                     "description_de", "street", "locality", "venue", "website"])
    for item in shops:
        text = item.payload.text
        writer.writerow([f"xss-import-{item.index:02d}", "bakery", text, text, text, text,
                         text, text, text, ""])
        renamed = TEXT_PAYLOADS[(item.index + 1) % len(TEXT_PAYLOADS)].text
        writer.writerow([item.slug, "bakery", renamed, text, text, text, text, text, text,
                         HTTP_URLS[0].text])
    return out.getvalue().encode()


def test_import_report_shows_payloads_as_text(city: City):
    client = city.client()
    editor = city.world.editor.headers
    shops = city.world.shops
    tally = Tally("editors' import report /staff/import/shops", len(shops))
    response = client.post("/staff/import/shops?lang=en", headers=editor, data={
        "status": "draft", "file": (io.BytesIO(import_csv(shops)), "payloads.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    scan = scan_response(response, "/staff/import/shops")
    shown = [item.payload.name for item in shops if scan.shows(as_stored(item.payload.text))]
    tally.saw(shown, scan, "/staff/import/shops")
    for item in shops:
        tally.note_missing(item.payload.name, "/staff/import/shops",
                           missing(scan, {"name": item.payload.text}))
    tally.finish()


def test_reflected_parameters_stay_text(city: City):
    """Query parameters and paths that pages repeat or refuse: none may become markup."""
    client = city.client()
    editor, admin = city.world.editor.headers, city.world.admin.headers
    payloads = [*TEXT_PAYLOADS, *SHORT_PAYLOADS]
    tally = Tally("reflected parameters (search, filters, paths, error pages)", len(payloads))
    requests: list[tuple[str, dict[str, str], Callable[[Any], str]]] = [
        ("/shops", {}, lambda p: "?" + urlencode({"q": p, "category": p, "open_now": p})),
        ("/shops", {}, lambda p: "?" + urlencode({"page": p})),
        ("/shops", {}, lambda p: "?" + urlencode({"lang": p, "q": "x"})),
        (f"/shops/{city.world.shops[0].slug}", {}, lambda p: "?" + urlencode({"lang": p})),
        ("/my/shops", editor, lambda p: "?" + urlencode({"status": p})),
        ("/staff/moderation", editor, lambda p: "?" + urlencode({"page": p})),
        ("/admin/audit", admin, lambda p: "?" + urlencode({"action": p})),
        ("/shops/", {}, lambda p: p.replace("/", "").replace("?", "").replace("#", "")),
        ("/export/shops.csv", editor, lambda p: "?" + urlencode({"status": p})),
        # the home's search, and names and values every public page repeats in its hreflang
        # and language links
        ("/", {}, lambda p: "?" + urlencode({"q": p, p: p})),
        ("/imprint", {}, lambda p: "?" + urlencode({"lang": p, "yaw": p})),
    ]
    for payload in payloads:
        for path, headers, tail in requests:
            where = path + tail(payload.text)
            response = client.get(where, headers=headers)
            assert response.status_code < 500, where
            if response.mimetype == "text/html":
                tally.saw([payload.name], scan_response(response, where), where)
    tally.finish()


# --- JSON and exports -----------------------------------------------------------------------


def test_public_json_keeps_payloads_as_data(city: City):
    client = city.client()
    tally = Tally("public JSON /api/shops, /api/shops/<slug>", len(city.world.shops))
    for item in city.world.shops:
        for language in LANGUAGES:
            where = f"/api/shops/{item.slug}?lang={language}"
            profile = assert_inert_json(client.get(where), where)
            tally.renderings += 1
            assert profile["name"] == as_stored(item.payload.text)
            assert profile["short_description"] == as_stored(item.texts["short_description"])
            assert profile["venue"] == as_stored(item.texts["venue"])
            assert profile["offers"][0]["title"] == as_stored(item.texts["offer_title"])
            assert profile["photos"][0]["alt"] == as_stored(item.texts["alt_text"])
            assert profile["website"] == item.website
            assert profile["social_links"] == list(dict.fromkeys(city.world.addresses))
            findings = description_findings(profile["description_html"])
            if findings:
                tally.findings.setdefault(item.payload.name, []).extend(findings)
        cards = assert_inert_json(client.get("/api/shops?" + urlencode(
            {"q": item.payload.text, "page_size": "100"})), "search")
        tally.renderings += 1
        assert as_stored(item.payload.text) in [card["name"] for card in cards]
    tally.finish()


def test_managed_json_keeps_payloads_as_typed(city: City):
    client = city.client()
    owner = city.world.owner.headers
    tally = Tally("owners' JSON /api/manage/shops/<id>, offers", len(city.world.shops))
    for item in city.world.shops:
        where = f"/api/manage/shops/{item.shop_id}"
        shop = assert_inert_json(client.get(where, headers=owner), where)
        tally.renderings += 2
        assert shop["name"] == translations(as_stored(item.payload.text))
        for name in ("street", "house_number", "postal_code", "locality", "venue", "level",
                     "unit"):
            assert shop[name] == as_stored(item.texts[name]), name
        reasons = shop["opening_hours"]["special"][0]["reason"]
        assert reasons == translations(as_stored(item.texts["special_reason"]))
        assert shop["pending_links"]["changes"]["website"]["new"] == item.waiting_website
        for language, html in shop["description"].items():
            findings = description_findings(html)
            if findings:
                tally.findings.setdefault(item.payload.name, []).extend(
                    f"{language}: {finding}" for finding in findings)
        offers = assert_inert_json(client.get(f"{where}/offers", headers=owner), where)
        assert offers[0]["text"] == translations(as_stored(item.texts["offer_text"]))
    tally.finish()


def test_editor_content_json_keeps_payloads_as_typed(city: City):
    """Scenes, links, hotspots, tours and stops: shown by the viewer from the JSON API, so
    they must come back exactly as typed (the viewer sets them as text)."""
    client = city.client()
    editor = city.world.editor.headers
    tally = Tally("editors' JSON: scenes, links, hotspots, tours, stops", len(city.world.shops))
    for item in city.world.shops:
        text = translations(as_stored(item.payload.text))
        scene = assert_inert_json(client.get(f"/api/scenes/{item.scene_id}", headers=editor),
                                  "scene")
        assert (scene["title"], scene["description"]) == (text, text)
        assert scene["level"] == as_stored(fitting(item.payload, 20, item.index))
        links = assert_inert_json(client.get(f"/api/scenes/{item.scene_id}/links",
                                             headers=editor), "links")
        assert (links[0]["label"], links[0]["closed_reason"]) == (text, text)
        hotspots = assert_inert_json(client.get(f"/api/scenes/{item.scene_id}/hotspots",
                                                headers=editor), "hotspots")
        assert [hotspot["label"] for hotspot in hotspots] == [text] * 3
        assert hotspots[0]["text"] == text
        assert hotspots[1]["url"] == HTTP_URLS[item.index % len(HTTP_URLS)].text
        tour = assert_inert_json(client.get(f"/api/tours/{item.tour_id}", headers=editor),
                                 "tour")
        assert (tour["title"], tour["intro"]) == (text, text)
        stops = assert_inert_json(client.get(f"/api/tours/{item.tour_id}/stops",
                                             headers=editor), "stops")
        assert stops[0]["text"] == text
        tally.renderings += 6
    tally.finish()


def test_csv_export_is_formula_safe_and_keeps_payloads(city: City):
    client = city.client()
    response = client.get("/export/shops.csv", headers=city.world.editor.headers)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    body = response.get_data(as_text=True)
    live = formula_cells(body)
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(body.removeprefix("\ufeff")))}
    not_kept = {}
    for item in city.world.shops:
        for slug in (item.slug, item.pending_slug):
            for column, value in (("name_de", item.texts["name"]), ("street", item.texts["street"]),
                                  ("unit", item.texts["unit"])):
                cell, typed = rows[slug][column], as_stored(value)
                if cell not in (typed, "'" + typed):
                    not_kept[f"{slug} {column}"] = cell
    formula_payloads = [item.payload.name for item in city.world.shops
                        if any(cell.endswith(as_stored(item.payload.text)) for cell in live)]
    record_figure("CSV export /export/shops.csv (formulas)", formula_payloads,
                  len(city.world.shops), 1)
    assert live == []
    assert not_kept == {}
    prefixed = [rows[item.slug]["name_de"] for item in city.world.shops
                if item.payload.text.startswith(("=", "+", "-", "@"))]
    assert prefixed
    assert all(cell.startswith("'") for cell in prefixed)


def test_geojson_and_json_ld_exports_keep_payloads_as_data(city: City):
    client = city.client()
    editor = city.world.editor.headers
    response = client.get("/export/shops.geojson", headers=editor)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    features = {feature["id"]: feature for feature in json.loads(response.get_data())["features"]}
    response = client.get("/export/shops.jsonld?lang=fr")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    body = response.get_data(as_text=True)
    assert "<" not in body  # escaped, so the document could even stand in a <script> block
    listed = {element["item"]["@id"].split("/shops/")[1].split("?")[0]: element["item"]
              for element in json.loads(body)["itemListElement"]}
    for item in city.world.shops:
        text = as_stored(item.payload.text)
        assert features[item.slug]["properties"]["name"] == text
        assert features[item.slug]["properties"]["addr:street"] == as_stored(item.texts["street"])
        assert listed[item.slug]["name"] == text
        assert listed[item.slug]["sameAs"] == list(dict.fromkeys(city.world.addresses))
    record_figure("GeoJSON and JSON-LD exports", [], len(city.world.shops), 2)


# --- web addresses --------------------------------------------------------------------------


def test_address_fields_refuse_every_script_address(city: City):
    """website, online_shop_url, social_links and a hotspot's url refuse every address a
    browser could run or resolve elsewhere; nothing is stored."""
    client = city.client()
    owner, editor = city.world.owner.headers, city.world.editor.headers
    scratch = checked(client.post("/api/manage/shops", headers=owner, json={
        "slug": "xss-scratch", "name": {"en": "Scratch"}, "category": "bakery"}), 201, "shop")
    hotspot_id = city.world.shops[0].hotspot_ids[1]  # the URL hotspot
    hotspot = f"/api/hotspots/{hotspot_id}"
    before = checked(client.get(f"/api/scenes/{city.world.shops[0].scene_id}/hotspots",
                                headers=editor), 200, "hotspots")[1]
    accepted: list[str] = []
    attempts = 0
    for payload in REFUSED_URLS:
        for field in ("website", "online_shop_url", "social_links"):
            value: Any = [payload.text] if field == "social_links" else payload.text
            for headers in (owner, editor):
                response = client.patch(f"/api/manage/shops/{scratch['id']}", headers=headers,
                                        json={field: value})
                attempts += 1
                if response.status_code != 422:
                    accepted.append(f"{field} {payload.name}: {response.status_code}")
        response = client.patch(hotspot, headers=editor, json={"url": payload.text})
        attempts += 1
        if response.status_code != 422:
            accepted.append(f"hotspot url {payload.name}: {response.status_code}")
    record_figure("web-address fields (refused addresses accepted)", accepted,
                  len(REFUSED_URLS), attempts)
    assert accepted == []
    shop = checked(client.get(f"/api/manage/shops/{scratch['id']}", headers=owner), 200, "shop")
    assert (shop["website"], shop["online_shop_url"], shop["social_links"]) == (None, None, [])
    after = checked(client.get(f"/api/scenes/{city.world.shops[0].scene_id}/hotspots",
                               headers=editor), 200, "hotspots")[1]
    assert after["url"] == before["url"]
    assert not any(is_dangerous_url(address) for address in city.world.addresses)


def test_texts_too_long_for_a_field_are_refused_not_cut(city: City):
    """A payload longer than a field is refused whole; a cut one could end mid-tag."""
    client = city.client()
    owner = city.world.owner.headers
    item = city.world.shops[0]
    for field, length in (("house_number", 20), ("postal_code", 20), ("level", 20),
                          ("unit", 40)):
        long_text = next(payload.text for payload in TEXT_PAYLOADS
                         if len(payload.text) > length)
        response = client.patch(f"/api/manage/shops/{item.shop_id}", headers=owner,
                                json={field: long_text})
        assert response.status_code == 422, field
        assert response.get_json()["errors"], field


# --- the checks themselves ------------------------------------------------------------------

#: where a template could put a text, with the text unescaped
RAW_CONTEXTS = ("<p>{}</p>", '<input value="{}">', "<input value='{}'>", "<input value={}>",
                "<textarea>{}</textarea>", "<title>{}</title>",
                '<script type="application/ld+json">{{"name": "{}"}}</script>')


def test_the_scan_finds_each_markup_payload_unescaped_and_nothing_escaped():
    """The checks can fail: every payload that is markup or an attribute breakout is found
    in some context when a template forgets to escape it, and none once it is escaped."""
    from markupsafe import escape

    markup = [payload for payload in (*TEXT_PAYLOADS, *SHORT_PAYLOADS) if payload.markup]
    assert len(markup) >= 30
    unnoticed = [payload.name for payload in markup
                 if not any(scan_html(context.format(payload.text)).findings
                            for context in RAW_CONTEXTS)]
    noticed_escaped = [payload.name for payload in (*TEXT_PAYLOADS, *SHORT_PAYLOADS)
                       if any(scan_html(context.format(escape(payload.text))).findings
                              for context in RAW_CONTEXTS[:3])]
    assert unnoticed == []
    assert noticed_escaped == []
    assert all(is_dangerous_url(payload.text.strip()) or payload.name in {
        "scheme-relative", "backslashes", "relative", "credentials", "space in the address",
        "file:"} for payload in REFUSED_URLS)
    assert formula_cells("a,=1+1,-2,'=3,@x\r\n") == ["=1+1", "@x"]
