"""Every endpoint × every kind of caller, against a declared policy table; deny by default.

The table below names, for each endpoint and method of the app's URL map, who may use it. A
route without an entry fails :func:`test_every_endpoint_has_a_declared_policy`, so a new
endpoint cannot ship without a decision. Each cell is then tried on a fresh database holding
one of everything (shop A owned by Anna, shop B owned by Bert, their images, offers and change
requests, scenes, a tour…): a denied cell must answer 401/403 (404 where the object is
scoped to its owner, a redirect to sign-in for pages) and leave every table and both storages
exactly as they were; an allowed cell must not be refused and must not fail with 5xx.

Callers authenticate with personal API tokens, which every route accepts in place of a session
(and which need no CSRF token), so the same request shape works for pages and the API.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server import create_app
from server.extensions import db
from server.storage_setup import originals_storage, public_storage
from tests.support.apps import base_config, close_app, database_for
from tests.support.content import TEST_REVISION
from tests.support.world import OFFER, PEOPLE, Who, build_world
from tours.models import Base

EVERYONE = frozenset(Who)
ACCOUNTS = EVERYONE - {Who.ANONYMOUS}
#: object-scoped: the owner of the shop in the URL, and the city's staff
SHOP_KEEPERS = frozenset({Who.OWNER, Who.EDITOR, Who.ADMIN})
OWNERS_AND_STAFF = ACCOUNTS
STAFF = frozenset({Who.EDITOR, Who.ADMIN})
ADMINS = frozenset({Who.ADMIN})
#: the account the URL's token or link belongs to (Anna), nobody else
SELF = frozenset({Who.OWNER})


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[Who]
    #: the JSON body (or ``form``/``files``) a request sends, valid for an allowed caller
    json: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    #: tried with a signed-in browser session instead of a token (token management refuses
    #: tokens, so a leaked token cannot mint more)
    session: bool = False
    #: URL values of this endpoint that differ from the world's (``<slug>`` names a tour here)
    values: dict[str, Any] | None = None


def image_upload() -> dict[str, Any]:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, "JPEG")
    return {"kind": "photo", "file": (io.BytesIO(out.getvalue()), "photo.jpg")}


def privacy_version_of(revision: str) -> str:
    """The blur-regions version of a panorama at ``revision`` without regions."""
    from tours.models import Panorama
    from tours.panorama_privacy import privacy_version

    return privacy_version(Panorama(current_revision=revision, blur_regions=[]))


PASSWORD = "quiet harbour lantern seven 12"

#: who may call each endpoint; keys are ``endpoint METHOD``
POLICY: dict[str, Rule] = {
    # site, health, media, docs: public
    "site.home GET": Rule(EVERYONE),
    "site.asset GET": Rule(EVERYONE),
    "site.favicon GET": Rule(EVERYONE),
    "site.viewer_asset GET": Rule(EVERYONE),
    "health.healthz GET": Rule(EVERYONE),
    # metrics: the machine itself (the test client is loopback, no proxy) or the bearer of
    # METRICS_TOKEN; an account's API token is not that secret
    "observability.metrics GET": Rule(frozenset({Who.ANONYMOUS})),
    "media.media GET": Rule(EVERYONE),
    "api-docs.openapi_json GET": Rule(EVERYONE),
    "accounts.login GET": Rule(EVERYONE),
    "accounts.login POST": Rule(EVERYONE, form={"email": "nobody@example.org",
                                                "password": "wrong password 123"}),
    "accounts.logout POST": Rule(EVERYONE),
    # personal tokens: every account its own
    "accounts.tokens GET": Rule(ACCOUNTS, session=True),
    "accounts.create_token POST": Rule(ACCOUNTS, form={"name": "laptop"}, session=True),
    "accounts.revoke_token POST": Rule(SELF, session=True),
    "account_api.me GET": Rule(ACCOUNTS, session=True),
    "account_api.list_tokens GET": Rule(ACCOUNTS, session=True),
    "account_api.create_token POST": Rule(ACCOUNTS, json={"name": "script"}, session=True),
    "account_api.revoke_token DELETE": Rule(SELF, session=True),
    # content: editors
    "jobs_api.get_job GET": Rule(STAFF),
    "panoramas_api.list_panoramas GET": Rule(STAFF),
    "panoramas_api.get_panorama GET": Rule(STAFF),
    "panoramas_api.update_panorama PATCH": Rule(STAFF, json={"author": "Anna"}),
    # privacy in the panoramas: the world's panorama has no regions yet and no original, so the
    # suggestions answer 409 to staff (never 5xx); the version is that of its test revision
    "panorama_privacy_api.get_blur_regions GET": Rule(STAFF),
    "panorama_privacy_api.put_blur_regions PUT": Rule(STAFF, json={
        "regions": [{"x": 0.9, "y": 0.4, "width": 0.2, "height": 0.1, "kind": "face"}],
        "version": privacy_version_of(TEST_REVISION)}),
    "panorama_privacy_api.get_blur_suggestions GET": Rule(STAFF),
    "privacy_editor.panorama GET": Rule(STAFF),
    "panorama_uploads_api.upload_panorama POST": Rule(STAFF, form={}),
    # the editors' plan of all scenes and a scene's settings
    "plan_editor.plan GET": Rule(STAFF),
    "plan_editor.scene GET": Rule(STAFF),
    "panorama_uploads_api.retile_panorama POST": Rule(STAFF),
    "upload_pages.upload GET": Rule(STAFF),
    "scenes_api.list_scenes GET": Rule(STAFF),
    "scenes_api.create_scene POST": Rule(STAFF, json={"slug": "new-scene",
                                                      "title": {"en": "New"}}),
    "scenes_api.get_scene GET": Rule(STAFF),
    "scenes_api.update_scene PATCH": Rule(STAFF, json={"title": {"en": "Renamed"}}),
    "scenes_api.delete_scene DELETE": Rule(STAFF),
    "scenes_api.list_links GET": Rule(STAFF),
    "scenes_api.create_link POST": Rule(STAFF, json={"to_scene_id": 0, "bearing": 10}),
    "scenes_api.update_link PATCH": Rule(STAFF, json={"bearing": 20}),
    "scenes_api.delete_link DELETE": Rule(STAFF),
    # venue levels' floor plans and the scenes on them (API and the editors' pages)
    "floor_plans_api.list_floor_plans GET": Rule(STAFF),
    "floor_plans_api.create_floor_plan POST": Rule(STAFF, json={"venue": "Luisencenter",
                                                                "level": "1"}),
    "floor_plans_api.get_floor_plan GET": Rule(STAFF),
    "floor_plans_api.update_floor_plan PATCH": Rule(STAFF, json={"title": {"en": "Ground"}}),
    "floor_plans_api.delete_floor_plan DELETE": Rule(STAFF),
    "floor_plans_api.upload_drawing POST": Rule(STAFF, form={}),
    "floor_plans_api.put_floor_position PUT": Rule(STAFF, json={"floor_plan_id": 0, "x": 0.5,
                                                                "y": 0.5}),
    "floor_plan_pages.index GET": Rule(STAFF),
    "floor_plan_pages.create POST": Rule(STAFF, form={"venue": "Luisencenter", "level": "2"}),
    "floor_plan_pages.edit GET": Rule(STAFF),
    # owners: in the walk's streets they may see the hotspots and ask for their shop's (the
    # world's hotspot is shop A's, approved, in the market, a street of the public walk)
    "hotspots_api.list_hotspots GET": Rule(ACCOUNTS),
    "hotspots_api.create_hotspot POST": Rule(STAFF, json={"yaw": 1, "pitch": 2, "kind": "info",
                                                          "text": {"en": "x"},
                                                          "label": {"en": "x"}}),
    "hotspots_api.update_hotspot PATCH": Rule(STAFF, json={"yaw": 3}),
    "hotspots_api.delete_hotspot DELETE": Rule(STAFF),
    "hotspots_api.put_image PUT": Rule(STAFF, form={}),
    "hotspots_api.delete_image DELETE": Rule(STAFF),
    "tours_api.list_tours GET": Rule(STAFF),
    "tours_api.create_tour POST": Rule(STAFF, json={"slug": "new-tour", "title": {"en": "T"}}),
    "tours_api.get_tour GET": Rule(STAFF),
    "tours_api.update_tour PATCH": Rule(STAFF, json={"title": {"en": "T2"}}),
    "tours_api.delete_tour DELETE": Rule(STAFF),
    "tours_api.list_stops GET": Rule(STAFF),
    "tours_api.create_stop POST": Rule(STAFF, json={"scene_id": 0}),
    "tours_api.reorder_stops PUT": Rule(STAFF, json={"stop_ids": []}),
    "tours_api.update_stop PATCH": Rule(STAFF, json={"text": {"en": "Stop"}}),
    "tours_api.delete_stop DELETE": Rule(STAFF),
    "tour_archive_api.export GET": Rule(STAFF),
    "tour_archive_api.import_tour POST": Rule(STAFF, form={}),
    "tours_api.save_draft PUT": Rule(STAFF, json={"title": {"en": "T3"}, "stops": []}),
    "tours_api.publish_tour POST": Rule(STAFF, json={}),
    "tours_api.withdraw_tour POST": Rule(STAFF, json={}),
    # the tour editor: the list (new tour, import), one tour, its preview, a stop's viewer
    "tour_editor.tours GET": Rule(STAFF),
    "tour_editor.create POST": Rule(STAFF, form={"slug": "fresh-tour", "title": "Fresh"}),
    "tour_editor.import_tour POST": Rule(STAFF, form={}),
    "tour_editor.tour GET": Rule(STAFF),
    "tour_editor.preview GET": Rule(STAFF),
    "tour_editor.scene_view GET": Rule(STAFF),
    "pannellum_api.pannellum GET": Rule(STAFF),
    # the public shop directory
    "shops_api.list_categories GET": Rule(EVERYONE),
    "shops_api.search_shops GET": Rule(EVERYONE),
    "shops_api.get_public_shop GET": Rule(EVERYONE),
    # the visitors' walk (public tours and the scenes reachable from them)
    "walk_api.list_tours GET": Rule(EVERYONE),
    "walk_api.get_tour GET": Rule(EVERYONE),
    "walk_api.get_tour_plan GET": Rule(EVERYONE),
    "walk_api.get_scene GET": Rule(EVERYONE),
    "walk_pages.tour GET": Rule(EVERYONE, values={"slug": "old-town"}),
    "walk_pages.scene GET": Rule(EVERYONE, values={"slug": "old-town"}),
    "walk_pages.text_version GET": Rule(EVERYONE, values={"slug": "old-town"}),
    "walk_pages.embed_tour GET": Rule(EVERYONE, values={"slug": "old-town"}),
    "walk_pages.embed_scene GET": Rule(EVERYONE, values={"slug": "old-town"}),
    "walk_pages.kiosk GET": Rule(EVERYONE, values={"slug": "old-town"}),
    # wayfinding: routes, the shops they reach, QR codes of the site's own addresses
    "route_api.get_route GET": Rule(EVERYONE),
    "route_api.list_destinations GET": Rule(EVERYONE),
    "route_pages.qr_code GET": Rule(EVERYONE),
    # visitors report an image (no account, no CSRF token: no session is used)
    "image_reports_api.report_image POST": Rule(EVERYONE, json={
        "reason": "person", "comment": "A face", "view": {"yaw": 10, "pitch": 0, "zoom": 50}}),
    "report_pages.form GET": Rule(EVERYONE),
    "report_pages.form POST": Rule(EVERYONE, form={"reason": "person", "comment": "A face"}),
    # the viewer's beacon of visitor counts (anonymous, no CSRF token: no session is used)
    "stats_api.receive_counts POST": Rule(EVERYONE, json={
        "events": [{"event": "scene_view", "subject": 1}]}),
    # keeping shops: owners their own, staff every shop
    "shops_api.list_managed_shops GET": Rule(OWNERS_AND_STAFF),
    "shops_api.create_shop POST": Rule(OWNERS_AND_STAFF, json={
        "slug": "brand-new", "name": {"de": "Neu"}, "category": "gift"}),
    "shops_api.get_managed_shop GET": Rule(SHOP_KEEPERS),
    "shops_api.update_shop PATCH": Rule(SHOP_KEEPERS, json={"level": "2"}),
    "shops_api.delete_shop DELETE": Rule(STAFF),
    "shops_api.submit_shop POST": Rule(SHOP_KEEPERS),
    "shops_api.confirm_shop POST": Rule(SHOP_KEEPERS),
    "shops_api.set_shop_owners PUT": Rule(STAFF, json={"owner_ids": []}),
    "shops_api.list_changes GET": Rule(OWNERS_AND_STAFF),
    "shops_api.decide_change POST": Rule(STAFF, json={"approve": False, "comment": "No"}),
    "shop_media_api.upload_image POST": Rule(SHOP_KEEPERS, form={}),
    "shop_media_api.update_image PATCH": Rule(SHOP_KEEPERS, json={"alt_text": {"en": "Door"}}),
    "shop_media_api.delete_image DELETE": Rule(SHOP_KEEPERS),
    "shop_media_api.reorder_photos PUT": Rule(SHOP_KEEPERS, json={"image_ids": []}),
    "shop_media_api.list_offers GET": Rule(SHOP_KEEPERS),
    "shop_media_api.create_offer POST": Rule(SHOP_KEEPERS, json=OFFER),
    "shop_media_api.update_offer PATCH": Rule(SHOP_KEEPERS, json={"title": {"de": "Neu"}}),
    "shop_media_api.delete_offer DELETE": Rule(SHOP_KEEPERS),
    # public pages of shops, and the editors' exports
    "shop_pages.directory GET": Rule(EVERYONE),
    "shop_pages.profile GET": Rule(EVERYONE),
    "shop_pages.profile_jsonld GET": Rule(EVERYONE),
    "shop_pages.export_jsonld GET": Rule(EVERYONE),
    "shop_pages.export_csv GET": Rule(STAFF),
    "shop_pages.export_geojson GET": Rule(STAFF),
    # the owners' pages and the editors' moderation
    "shop_admin.my_shops GET": Rule(OWNERS_AND_STAFF),
    "shop_admin.new_shop GET": Rule(OWNERS_AND_STAFF),
    "shop_admin.new_shop POST": Rule(OWNERS_AND_STAFF, form={
        "name-de": "Neu", "category": "gift", "slug": "brand-new", "time_zone": "Europe/Berlin",
        "wheelchair": "unknown"}),
    "shop_admin.edit_shop GET": Rule(SHOP_KEEPERS),
    "shop_admin.edit_shop POST": Rule(SHOP_KEEPERS, form={
        "name-de": "Laden A", "category": "bakery", "time_zone": "Europe/Berlin",
        "wheelchair": "unknown"}),
    "shop_admin.submit_shop POST": Rule(SHOP_KEEPERS),
    "shop_admin.confirm_shop POST": Rule(SHOP_KEEPERS),
    "shop_admin.upload_images POST": Rule(SHOP_KEEPERS, form={"kind": "photo"}),
    "shop_admin.describe_image POST": Rule(SHOP_KEEPERS, form={"alt-en": "Door"}),
    "shop_admin.delete_image POST": Rule(SHOP_KEEPERS),
    "shop_admin.add_offer POST": Rule(SHOP_KEEPERS, form={"kind": "offer", "title": "Angebot"}),
    "shop_admin.delete_offer POST": Rule(SHOP_KEEPERS),
    "moderation.queue GET": Rule(STAFF),
    "moderation.decide POST": Rule(STAFF, form={"decision": "reject", "comment": "No"}),
    "hotspot_requests.queue GET": Rule(STAFF),
    "hotspot_requests.decide POST": Rule(STAFF, form={"decision": "reject"}),
    # the hotspot editor: editors everywhere, owners in the walk's streets (requests) and
    # their interior scenes
    "hotspot_editor.scene GET": Rule(ACCOUNTS),
    # a shop in the walk: its interior panoramas and hotspot requests
    "shop_scenes.walk_page GET": Rule(SHOP_KEEPERS),
    "shop_scenes.add_interior POST": Rule(SHOP_KEEPERS, form={}),
    "shop_scenes.request_in_scene GET": Rule(SHOP_KEEPERS),
    # visitor statistics: the city's for editors, a shop's for its owners too
    "stats_pages.dashboard GET": Rule(STAFF),
    "stats_pages.dashboard_csv GET": Rule(STAFF),
    "stats_pages.shop GET": Rule(SHOP_KEEPERS),
    "stats_pages.shop_csv GET": Rule(SHOP_KEEPERS),
    "report_moderation.reports GET": Rule(STAFF),
    "editor_pages.home GET": Rule(STAFF),
    # keeping the walk fresh: the dashboard, the link check, tiling a failed job's panorama
    "freshness_pages.dashboard GET": Rule(STAFF),
    "freshness_pages.check_links POST": Rule(STAFF, form={}),
    "freshness_pages.retile POST": Rule(STAFF, form={}),
    "report_moderation.decide POST": Rule(STAFF, form={"decision": "dismiss"}),
    "report_moderation.retry_purge POST": Rule(STAFF),
    # importing shops: editors
    "shop_import.upload_form GET": Rule(STAFF),
    "shop_import.dry_run POST": Rule(STAFF, form={}),
    "shop_import.apply POST": Rule(STAFF, form={}),
    "shop_imports_api.import_shops POST": Rule(STAFF, form={}),
    # one-time links: whoever holds the link (it is the credential)
    "account_links.welcome GET": Rule(EVERYONE),
    "account_links.welcome POST": Rule(EVERYONE, form={"password": PASSWORD,
                                                       "confirm": PASSWORD}),
    "account_links.reset GET": Rule(EVERYONE),
    "account_links.reset POST": Rule(EVERYONE, form={"password": PASSWORD,
                                                     "confirm": PASSWORD}),
    # one's own account (sessions only)
    "two_factor.page GET": Rule(ACCOUNTS, session=True),
    "two_factor.setup POST": Rule(ACCOUNTS, session=True),
    "two_factor.confirm POST": Rule(ACCOUNTS, session=True, form={"code": "000000"}),
    "two_factor.disable POST": Rule(ACCOUNTS, session=True, form={"code_or_password": "x"}),
    "two_factor.code GET": Rule(EVERYONE),
    "two_factor.code POST": Rule(EVERYONE, form={"code": "000000"}),
    "personal_data.download GET": Rule(ACCOUNTS, session=True),
    "personal_data.delete_page GET": Rule(ACCOUNTS, session=True),
    "personal_data.delete POST": Rule(frozenset({Who.OWNER, Who.OTHER_OWNER}), session=True,
                                      form={"password": "not the password"}),
    # staff pages
    "staff.invitations GET": Rule(STAFF),
    "staff.invite POST": Rule(STAFF, form={"email": "new-owner@example.org"}),
    "staff.accounts GET": Rule(STAFF),
    "staff.issue_link POST": Rule(STAFF),
    "staff.change_role POST": Rule(ADMINS, form={"role": "shop_owner"}),
    "staff.set_active POST": Rule(ADMINS, form={"active": "1"}),
    "staff.turn_off_two_factor POST": Rule(ADMINS),
    "staff.keep_shop POST": Rule(ADMINS),
    "staff.close_shop POST": Rule(ADMINS),
    "staff.transfer_shop POST": Rule(ADMINS, form={"shop": "shop-a",
                                                   "email": "bert@shop-b.example"}),
    "audit.events GET": Rule(ADMINS),
    # the public pages around the walk and the legal pages admins write
    "sitemap.sitemap GET": Rule(EVERYONE),
    "sitemap.robots GET": Rule(EVERYONE),
    "legal.page GET": Rule(EVERYONE),
    "legal_admin.overview GET": Rule(ADMINS),
    "legal_admin.edit GET": Rule(ADMINS, values={"key": "imprint"}),
    "legal_admin.edit POST": Rule(ADMINS, values={"key": "imprint"},
                                  form={"body-en": "The city of Flaneur.", "version": "0"}),
    # the city's settings and category list (admins), and the stylesheet with its colours
    "city_settings.stylesheet GET": Rule(EVERYONE),
    "city_settings.settings GET": Rule(ADMINS),
    "city_settings.settings POST": Rule(ADMINS, form={
        "version": "0", "name": "Neustadt", "header_colour": "#003366", "header_text": "light",
        "accent_colour": "#8a1c1c", "default_language": "de", "time_zone": "Europe/Berlin",
        "map_latitude": "", "map_longitude": ""}),
    "city_settings.categories GET": Rule(ADMINS),
    "city_settings.new_category GET": Rule(ADMINS),
    "city_settings.new_category POST": Rule(ADMINS, form={
        "key": "tea", "label-en": "Tea", "osm_key": "shop", "osm_value": "tea",
        "schema_type": "Store", "position": "5"}),
    "city_settings.edit_category GET": Rule(ADMINS, values={"key": "florist"}),
    "city_settings.edit_category POST": Rule(ADMINS, values={"key": "florist"}, form={
        "label-en": "Flowers", "osm_key": "shop", "osm_value": "florist",
        "schema_type": "Florist", "position": "160"}),
    "city_settings.delete_category POST": Rule(ADMINS, values={"key": "florist"}),
}
IGNORED_METHODS = {"HEAD", "OPTIONS"}
#: request bodies that need the world's ids, filled in per test
BODY_IDS = {
    "scenes_api.create_link POST": {"to_scene_id": "other_scene_id"},
    "floor_plans_api.put_floor_position PUT": {"floor_plan_id": "floor_plan_id"},
    "tours_api.create_stop POST": {"scene_id": "scene_id"},
    "tours_api.reorder_stops PUT": {"stop_ids": "stop_ids"},
    "shop_media_api.reorder_photos PUT": {"image_ids": "image_ids"},
}
UPLOADS = {"shop_media_api.upload_image POST", "panorama_uploads_api.upload_panorama POST",
           "shop_admin.upload_images POST", "hotspots_api.put_image PUT",
           "tour_archive_api.import_tour POST", "shop_scenes.add_interior POST",
           "floor_plans_api.upload_drawing POST"}


def operations(app: Flask) -> set[str]:
    return {f"{rule.endpoint} {method}" for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
            for method in (rule.methods or set()) - IGNORED_METHODS}


def test_every_endpoint_has_a_declared_policy(app):
    undeclared = sorted(operations(app) - set(POLICY))
    assert not undeclared, f"declare who may use these endpoints in POLICY: {undeclared}"
    stale = sorted(set(POLICY) - operations(app))
    assert not stale, f"POLICY names endpoints that no longer exist: {stale}"


#: columns that change on every authenticated request, not by the endpoint
VOLATILE = {("api_token", "last_used_at")}


def snapshot(app: Flask) -> dict[str, Any]:
    """Every row of every table, and every key (and size) of both storages."""
    with app.app_context():
        tables = {}
        for table in Base.metadata.sorted_tables:
            columns = [column for column in table.columns
                       if (table.name, column.name) not in VOLATILE]
            rows = db.session.execute(select(*columns)).all()
            tables[table.name] = sorted(repr(tuple(row)) for row in rows)
        db.session.remove()
        keys = {role: sorted(storage.list_keys())
                for role, storage in (("originals", originals_storage()),
                                      ("public", public_storage()))}
    return {"tables": tables, "storage": keys}


def url_of(rule: Any, values: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise AssertionError(f"the permission matrix has no value for <{name}> in "
                                 f"{rule.rule}: add one to build_world")
        return str(values[name])

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", value, rule.rule)


def session_headers(client: Any, who: Who) -> dict[str, str]:
    """Sign ``who`` in through the form; the CSRF header for the session's changes."""
    if who is Who.ANONYMOUS:
        return {}
    from tests.support.accounts import DEFAULT_PASSWORD, log_in, page_csrf_token

    log_in(client, PEOPLE[who][0], DEFAULT_PASSWORD)
    return {"X-CSRFToken": page_csrf_token(client, "/account/tokens")}


def cells() -> list[tuple[str, Who]]:
    return [(operation, who) for operation in sorted(POLICY) for who in Who]


@pytest.fixture(scope="module")
def shared_world(database_url: str, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[tuple[Flask, dict[str, Any]]]:
    """One app and world for every cell that must change nothing (refusals) or reads only;
    a refused cell asserts that it changed nothing, so the next one finds the world intact."""
    if not database_url.startswith("sqlite:///"):
        pytest.skip("the permission logic does not depend on the database: it runs on SQLite")
    folder = tmp_path_factory.mktemp("matrix")
    application = create_app(base_config(database_for(database_url, folder), folder))
    world = build_world(application)
    yield application, world
    close_app(application)


@pytest.mark.parametrize(("operation", "who"), cells(),
                         ids=[f"{operation}-{who.name}" for operation, who in cells()])
def test_the_policy_holds(request, shared_world, operation, who):
    endpoint, method = operation.rsplit(" ", 1)
    policy = POLICY[operation]
    if who in policy.allowed and method != "GET":
        # an allowed change changes the world: it gets one of its own
        app = request.getfixturevalue("app")
        world = build_world(app)
    else:
        app, world = shared_world
    client = app.test_client()
    if policy.session and who is not Who.ANONYMOUS:
        # one signed-in browser per caller and world (signing in again and again would trip
        # the sign-in throttle)
        sessions = world.setdefault("sessions", {})
        if who not in sessions:
            sessions[who] = (client, session_headers(client, who))
        client = sessions[who][0]
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint
             and method in (rule.methods or set())]
    if not rules:
        pytest.fail(f"{operation} is not in the URL map (see the declaration test)")
    values = {**world["values"], **(policy.values or {})}
    url = url_of(rules[0], values)
    request_options: dict[str, Any] = {"method": method, "headers": world["headers"][who]}
    if policy.session:
        request_options["headers"] = world["sessions"][who][1] if who in world.get(
            "sessions", {}) else {}
    body = dict(policy.json) if policy.json is not None else None
    for field, name in BODY_IDS.get(operation, {}).items():
        assert body is not None
        body[field] = values[name]
    if operation in UPLOADS:
        upload = image_upload()
        if operation == "shop_admin.upload_images POST":  # the page's field takes many files
            upload["files"] = upload.pop("file")
        request_options["data"] = {**(policy.form or {}), **upload}
        request_options["content_type"] = "multipart/form-data"
    elif policy.form is not None:
        request_options["data"] = policy.form
    elif body is not None:
        request_options["json"] = body
    before = snapshot(app)
    response = client.open(url, **request_options)
    response.close()
    status = response.status_code
    assert status < 500, f"{operation} as {who.value}: {status}"
    if who in policy.allowed:
        assert status not in (401, 403), (
            f"{operation} refused {who.value} ({status}), but the policy allows it")
        return
    # an anonymous change is stopped by the CSRF check (400) before authentication
    refusals = (400, 401, 403, 404) if who is Who.ANONYMOUS else (401, 403, 404)
    redirect = response.headers.get("Location", "")
    # a page's form answers a refusal like any other post: redirect and say why
    page_post = method == "POST" and not url.startswith("/api/")
    denied = status in refusals or (status in (302, 303) and (
        "/login" in redirect or page_post))
    assert denied, f"{operation} let {who.value} in ({status}); the policy denies it"
    assert snapshot(app) == before, f"{operation} as {who.value} changed data while refused"
