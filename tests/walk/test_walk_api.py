"""``/api/walk``: the public tours and scenes the visitors' viewer reads."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import update

from server.extensions import db
from tests.walk.conftest import TiledRevision, Walk, link, tour_of
from tours import hotspots, links, scenes, tour_service
from tours.models import Link, Scene, ShopStatus, TourStatus, utcnow

ALWAYS_OPEN = {"weekly": [{"day": day, "opens": "00:00", "closes": "24:00"}
                          for day in range(1, 8)]}


def tour_slugs(client) -> list[str]:
    response = client.get("/api/walk/tours")
    assert response.status_code == 200
    return [tour["slug"] for tour in response.get_json()]


def assert_not_found(response) -> None:
    """404 in the API's error shape, and nothing a cache would keep."""
    assert response.status_code == 404
    body = response.get_json()
    assert (body["code"], body["status"]) == (404, "Not Found")
    assert body["message"]
    assert "public" not in response.headers.get("Cache-Control", "")


# --- tours ----------------------------------------------------------------------------------


def test_only_published_tours_inside_their_window_are_listed(app, client, walk, make_scene,
                                                             tiled_panorama):
    now = utcnow()
    day = dt.timedelta(days=1)
    stop = [make_scene(tiled_panorama())]
    with app.app_context():
        session = db.session
        for slug, fields in (
            ("archived", {"status": TourStatus.ARCHIVED}),
            ("advent", {"status": TourStatus.PUBLISHED, "publish_from": now + day}),
            ("summer", {"status": TourStatus.PUBLISHED, "publish_from": now - 9 * day,
                        "publish_until": now - day}),
            ("this-week", {"status": TourStatus.PUBLISHED, "publish_from": now - day,
                           "publish_until": now + 6 * day}),
            ("no-stops", {"status": TourStatus.PUBLISHED}),
        ):
            tour_of(session, slug, [] if slug == "no-stops" else stop, **fields)
        session.commit()
    assert tour_slugs(client) == ["old-town", "this-week"]
    this_week = client.get("/api/walk/tours").get_json()[1]
    assert dt.datetime.fromisoformat(this_week["available_until"]) > now
    for hidden in ("secret", "archived", "advent", "summer", "no-stops", "nowhere"):
        assert_not_found(client.get(f"/api/walk/tours/{hidden}"))


def test_a_tour_lists_its_shown_stops_in_order(app, client, walk):
    scenes_ = walk.scenes
    with app.app_context():
        session = db.session
        stops = tour_service.list_stops(session, walk.tour_id)
        # the editor puts the hall first and gives it its own view and text
        tour_service.reorder_stops(session, walk.tour_id,
                                   [stops[2].id, stops[0].id, stops[1].id])
        tour_service.update_stop(session, stops[2].id, {
            "initial_view": {"yaw": -45, "pitch": 10, "zoom": 20},
            "text": {"en": "Look up.", "de": "Schau nach oben."}})
        scenes.update_scene(session, scenes_["market"].id,
                            {"initial_view": {"yaw": 12, "pitch": -5, "zoom": 60}})
        # visitors see the changed stops once the editor publishes them
        tour_service.publish_tour(session, walk.tour_id)
        session.commit()
    tour = client.get("/api/walk/tours/old-town?lang=de").get_json()
    assert (tour["title"], tour["stop_count"]) == ("Altstadt", 2)
    # the stop whose panorama is still being tiled is left out; the others are numbered 1, 2
    assert [(stop["position"], stop["scene"]["slug"]) for stop in tour["stops"]] == [
        (1, "hall"), (2, "market")]
    hall, market = tour["stops"]
    assert hall["initial_view"] == {"yaw": -45.0, "pitch": 10.0, "zoom": 20.0}
    assert hall["text"] == "Schau nach oben."
    assert market["initial_view"] == {"yaw": 12.0, "pitch": -5.0, "zoom": 60.0}
    assert market["text"] == ""
    assert market["scene"]["title"] == "Marktplatz"
    assert market["scene"]["location"] == {"latitude": 48.1374, "longitude": 11.5755}
    assert market["scene"]["thumbnail"]["url"].endswith("/thumb.jpg")
    assert tour["first_scene"]["slug"] == "hall"
    assert tour["plan"] == {
        "points": [
            {"position": 1, "scene": "hall", "latitude": 48.1351, "longitude": 11.5762},
            {"position": 2, "scene": "market", "latitude": 48.1374, "longitude": 11.5755}],
        "bounds": {"south": 48.1351, "west": 11.5755, "north": 48.1374, "east": 11.5762},
    }
    listed = client.get("/api/walk/tours?lang=de").get_json()[0]
    assert listed == {key: tour[key] for key in listed}


def test_a_tour_without_placed_stops_has_an_empty_plan(app, client, walk):
    with app.app_context():
        for scene in (walk.scenes["market"], walk.scenes["hall"]):
            scenes.update_scene(db.session, scene.id, {"latitude": None, "longitude": None})
        db.session.commit()
    assert client.get("/api/walk/tours/old-town").get_json()["plan"] == {"points": [],
                                                                          "bounds": None}


def test_the_cover_is_the_cover_scenes_share_image_else_a_thumbnail(app, client, walk):
    tour = client.get("/api/walk/tours/old-town").get_json()
    assert tour["cover"]["url"].endswith("/thumb.jpg")  # the first stop's thumbnail
    with app.app_context():
        tour_service.update_tour(db.session, walk.tour_id,
                                 {"cover_scene_id": walk.scenes["far"].id})
        tour_service.publish_tour(db.session, walk.tour_id)
        db.session.execute(update(Scene).where(Scene.id == walk.scenes["far"].id).values(
            share_image_key="scenes/9/share-abc.jpg", share_image_view={}))
        db.session.commit()
    cover = client.get("/api/walk/tours/old-town").get_json()["cover"]
    assert cover == {"url": "/media/scenes/9/share-abc.jpg", "width": 1200, "height": 630}


# --- which scenes are public ----------------------------------------------------------------


def test_scenes_reachable_from_a_public_tour_are_public(client, walk):
    for slug in ("market", "hall", "lane", "far"):
        assert client.get(f"/api/walk/scenes/{slug}").status_code == 200, slug
    # a scene of a draft tour, a panorama still being tiled, a scene that does not exist
    for slug in ("hidden", "unready", "nowhere", "MARKET"):
        assert_not_found(client.get(f"/api/walk/scenes/{slug}"))


def test_scenes_leave_the_walk_with_their_tour(app, client, walk):
    with app.app_context():
        tour_service.update_tour(db.session, walk.tour_id, {
            "publish_until": utcnow() - dt.timedelta(minutes=1),
            "publish_from": utcnow() - dt.timedelta(days=1)})
        db.session.commit()
    assert client.get("/api/walk/tours").get_json() == []
    for slug in ("market", "hall", "lane", "far"):
        assert_not_found(client.get(f"/api/walk/scenes/{slug}"))


def test_a_scene_is_reached_only_through_scenes_that_can_be_shown(app, client, walk):
    with app.app_context():
        links.delete_link(db.session, _link_id(walk, "hall", "lane"), both_directions=True)
        # lane is now reached only through the unready scene
        link(db.session, walk.scenes["unready"], walk.scenes["lane"], 45.0)
        db.session.commit()
    assert_not_found(client.get("/api/walk/scenes/lane"))
    assert_not_found(client.get("/api/walk/scenes/far"))


def test_linking_a_scene_into_the_walk_publishes_it(app, client, walk):
    assert_not_found(client.get("/api/walk/scenes/hidden"))
    with app.app_context():
        link(db.session, walk.scenes["far"], walk.scenes["hidden"], 0.0)
        db.session.commit()
    assert client.get("/api/walk/scenes/hidden").status_code == 200


def _link_id(walk: Walk, from_slug: str, to_slug: str) -> int:
    from sqlalchemy import select

    return db.session.scalar(select(Link.id).where(
        Link.from_scene_id == walk.scenes[from_slug].id,
        Link.to_scene_id == walk.scenes[to_slug].id))


# --- the scene node -------------------------------------------------------------------------


def fill(template: str, **values: object) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: str(values[match.group(1)]), template)


def assert_tiles_resolve(panorama: dict, tiled: TiledRevision, base_url: str) -> None:
    """Every URL the node gives is the public URL of an object the tiler wrote."""
    assert panorama["base_url"] == base_url
    prefix = base_url + "/"
    manifest = tiled.manifest
    assert panorama["levels"] == manifest["levels"]
    assert panorama["tile_size"] == manifest["tile_size"]
    assert panorama["face_size"] == manifest["levels"][-1]["face_size"]
    assert len(manifest["levels"]) >= 2, "the test panorama should have several levels"
    tiles = {fill(panorama["tile_url"], z=level["z"], face=face, y=y, x=x)
             for level in panorama["levels"] for face in "fblrud"
             for y in range(level["nb_tiles"]) for x in range(level["nb_tiles"])}
    urls = [*tiles, *panorama["preview"]["faces"].values(), panorama["sd"]["url"],
            panorama["thumbnail"]["url"]]
    assert all(url.startswith(prefix) for url in urls)
    assert {url.removeprefix(prefix) for url in urls} <= tiled.keys
    assert sorted(panorama["preview"]["faces"]) == sorted("fblrud")
    assert panorama["preview"]["face_size"] == manifest["preview"]["face_size"]
    assert (panorama["sd"]["width"], panorama["sd"]["height"]) == (
        manifest["sd"]["width"], manifest["sd"]["height"])
    # the keys are the manifest's, so the viewer's tiledPanorama(panorama, base_url) works
    assert panorama["keys"] == {"tile": manifest["keys"]["tile"],
                                "preview": manifest["keys"]["preview"]}


def test_the_scene_node_has_what_the_viewer_needs(client, walk, tiled_revision):
    node = client.get("/api/walk/scenes/market").get_json()
    assert set(node) == {"id", "slug", "title", "description", "panorama", "credit", "location",
                         "level", "north_offset", "initial_view", "share_image", "links",
                         "hotspots"}
    assert (node["id"], node["slug"], node["title"]) == (walk.scenes["market"].id, "market",
                                                         "Market square")
    # the description exists in German only: the fallback gives it
    assert node["description"] == "Der Markt seit 1158."
    assert node["credit"] == {"author": "Ana Ruiz", "licence": "CC-BY-SA-4.0"}
    assert node["location"] == {"latitude": 48.1374, "longitude": 11.5755}
    assert (node["north_offset"], node["level"], node["share_image"]) == (30.0, None, None)
    assert node["initial_view"] == {"yaw": 0.0, "pitch": 0.0, "zoom": 50.0}
    public_id = walk.panorama.public_id
    assert node["panorama"]["id"] == public_id
    assert_tiles_resolve(node["panorama"], tiled_revision,
                         f"/media/panoramas/{public_id}/{node['panorama']['revision']}")


def test_no_editor_only_field_leaks(client, walk):
    body = client.get("/api/walk/scenes/market").get_data(as_text=True)
    body += client.get("/api/walk/tours/old-town").get_data(as_text=True)
    body += client.get("/api/walk/tours").get_data(as_text=True)
    for secret in ("version", "created", "updated", "sha256", "gps", "original", "IMG_0001",
                   "48.1,", "status", "error", "share_image_key", "manifest.json", "cover_scene",
                   "publish_from"):
        assert secret not in body, secret


def test_tiles_come_from_the_s3_bucket(make_app, moto_s3, walk, tiled_revision):
    bucket = moto_s3.create_bucket()
    s3_app = make_app(PUBLIC_STORAGE_URL=moto_s3.storage_url(bucket, prefix="city/public"))
    node = s3_app.test_client().get("/api/walk/scenes/market").get_json()
    revision = node["panorama"]["revision"]
    base = (f"{moto_s3.endpoint_url}/{bucket}/city/public/panoramas/"
            f"{walk.panorama.public_id}/{revision}")
    assert_tiles_resolve(node["panorama"], tiled_revision, base)


def test_tiles_come_from_the_cdn_in_front_of_the_bucket(make_app, moto_s3, walk,
                                                        tiled_revision):
    url = moto_s3.storage_url(moto_s3.create_bucket(), prefix="walk",
                              public_url="https://cdn.example.org/tiles")
    node = make_app(PUBLIC_STORAGE_URL=url).test_client().get(
        "/api/walk/scenes/hall").get_json()
    base = (f"https://cdn.example.org/tiles/walk/panoramas/{walk.panorama.public_id}/"
            f"{node['panorama']['revision']}")
    assert_tiles_resolve(node["panorama"], tiled_revision, base)


def test_a_manifest_off_the_contract_answers_404_not_500(app, client, make_panorama,
                                                         make_scene):
    panorama = make_panorama()  # the test suite's simplified manifest: no key templates
    scene = make_scene(panorama, slug="odd-one")
    with app.app_context():
        tour_of(db.session, "odd-tour", [db.session.get(Scene, scene.id)],
                status=TourStatus.PUBLISHED)
        db.session.commit()
    assert client.get("/api/walk/tours/odd-tour").status_code == 200
    assert_not_found(client.get("/api/walk/scenes/odd-one"))


# --- links ----------------------------------------------------------------------------------


def test_links_point_where_north_offset_and_bearing_say(client, walk):
    market = client.get("/api/walk/scenes/market").get_json()
    # north at yaw 30, the hall lies east (90°): the arrow is at 120; the unready scene's
    # link (bearing 300) is not shown
    assert [(item["scene"]["slug"], item["bearing"], item["yaw"])
            for item in market["links"]] == [("hall", 90.0, 120.0)]
    hall = client.get("/api/walk/scenes/hall").get_json()
    # north at yaw -100: back to the market (270°) → 170, the lane (200°) → 100
    assert [(item["scene"]["slug"], item["bearing"], item["yaw"])
            for item in hall["links"]] == [("lane", 200.0, 100.0), ("market", 270.0, 170.0)]
    lane = client.get("/api/walk/scenes/lane").get_json()
    # north offset 0: the arrow to the far end (10°) at 10, back to the hall (20°) at 20
    assert [(item["scene"]["slug"], item["yaw"]) for item in lane["links"]] == [
        ("far", 10.0), ("hall", 20.0)]
    assert market["links"][0]["scene"] == {"id": walk.scenes["hall"].id, "slug": "hall",
                                           "title": "Markthalle"}


def test_a_closed_link_says_until_when_and_why(app, client, walk):
    until = utcnow() + dt.timedelta(days=3)
    with app.app_context():
        links.update_link(db.session, _link_id(walk, "hall", "lane"), {
            "kind": "elevator", "length_m": 12.5, "closed_until": until,
            "closed_reason": {"de": "Aufzug in Wartung", "en": "Lift out of service"},
            "label": {"en": "To the lane"}})
        db.session.commit()
    hall = client.get("/api/walk/scenes/hall?lang=fr").get_json()
    lane_link = next(item for item in hall["links"] if item["scene"]["slug"] == "lane")
    assert lane_link["kind"] == "elevator"
    assert lane_link["length_m"] == 12.5
    assert lane_link["label"] == "To the lane"
    assert lane_link["closed"]["reason"] == "Lift out of service"  # no French: the city's en
    assert dt.datetime.fromisoformat(lane_link["closed"]["until"]) == until
    market_link = next(item for item in hall["links"] if item["scene"]["slug"] == "market")
    assert market_link["closed"] is None


# --- hotspots -------------------------------------------------------------------------------


@pytest.fixture
def hotspot_of(app, walk):
    def add(**fields):
        with app.app_context():
            hotspot = hotspots.add_hotspot(db.session, walk.scenes["market"].id,
                                           {"yaw": 10, "pitch": -5, **fields})
            db.session.commit()
            return hotspot.id

    return add


def shown_hotspots(client, query: str = "") -> dict[int, dict]:
    node = client.get(f"/api/walk/scenes/market{query}").get_json()
    return {hotspot["id"]: hotspot for hotspot in node["hotspots"]}


def test_only_hotspots_valid_now_are_shown(client, hotspot_of):
    now = utcnow()
    hour = dt.timedelta(hours=1)
    info = {"kind": "info", "text": {"en": "Hello"}, "label": {"en": "Info"}}
    always = hotspot_of(**info)
    current = hotspot_of(**info, valid_from=now - hour, valid_until=now + hour)
    hotspot_of(**info, valid_from=now + hour)
    hotspot_of(**info, valid_from=now - 2 * hour, valid_until=now - hour)
    shown = shown_hotspots(client)
    assert sorted(shown) == [always, current]
    assert shown[always]["valid_until"] is None
    assert dt.datetime.fromisoformat(shown[current]["valid_until"]) == now + hour


def test_info_and_url_hotspots(client, hotspot_of):
    info = hotspot_of(kind="info", yaw=-170, pitch=20,
                      text={"de": "Öffentliche Toiletten", "en": "Public toilets"},
                      label={"de": "WC", "en": "Toilets"}, url="https://city.example/wc")
    page = hotspot_of(kind="url", url="https://tram.example/line-2",
                      label={"en": "Tram timetable"})
    shown = shown_hotspots(client, "?lang=de")
    assert shown[info] == {"id": info, "kind": "info", "yaw": -170.0, "pitch": 20.0,
                           "label": "WC", "text": "Öffentliche Toiletten",
                           "url": "https://city.example/wc", "shop": None, "image": None,
                           "valid_until": None}
    assert shown[page] == {"id": page, "kind": "url", "yaw": 10.0, "pitch": -5.0,
                           "label": "Tram timetable", "text": "",
                           "url": "https://tram.example/line-2", "shop": None, "image": None,
                           "valid_until": None}


def test_shop_hotspots_show_published_shops_with_their_card(client, make_shop, hotspot_of):
    open_shop = make_shop(slug="sun-bakery", status=ShopStatus.PUBLISHED,
                          opening_hours=ALWAYS_OPEN)
    draft = make_shop(slug="not-yet", status=ShopStatus.DRAFT)
    closed = make_shop(slug="gone", status=ShopStatus.CLOSED)
    shown_id = hotspot_of(kind="shop", shop_id=open_shop.id)
    labelled = hotspot_of(kind="shop", shop_id=open_shop.id, label={"en": "Fresh bread"})
    hotspot_of(kind="shop", shop_id=draft.id)
    hotspot_of(kind="shop", shop_id=closed.id)
    shown = shown_hotspots(client, "?lang=de")
    assert sorted(shown) == [shown_id, labelled]
    card = shown[shown_id]["shop"]
    assert (card["slug"], card["name"]) == ("sun-bakery", "Bäckerei Sonne")
    assert card["opening"]["known"]
    assert card["opening"]["is_open"]
    assert card["profile_url"].endswith("/shops/sun-bakery")
    # a shop hotspot without a label is announced by the shop's name
    assert shown[shown_id]["label"] == "Bäckerei Sonne"
    assert shown[labelled]["label"] == "Fresh bread"
    assert "owner" not in json.dumps(card)


# --- languages ------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "market", "hall", "tour"), [
    ("de", "Marktplatz", "Markthalle", "Altstadt"),
    ("en", "Market square", "Markthalle", "Old town"),
    ("es", "Market square", "Markthalle", "Casco antiguo"),  # no Spanish title: the city's en
    ("fr", "Place du marché", "Markthalle", "Old town"),
])
def test_texts_are_in_the_visitors_language_with_the_fallback(app, client, walk, language,
                                                              market, hall, tour):
    node = client.get(f"/api/walk/scenes/market?lang={language}").get_json()
    assert node["title"] == market
    assert node["links"][0]["scene"]["title"] == hall
    # the language asked for is remembered in a cookie
    assert client.get("/api/walk/tours").get_json()[0]["title"] == tour
    browser = app.test_client()  # no cookie: the browser's Accept-Language decides
    headers = {"Accept-Language": f"{language};q=0.9, it;q=0.5"}
    assert browser.get("/api/walk/tours/old-town", headers=headers).get_json()["title"] == tour


def test_a_cover_visitors_cannot_walk_to_is_not_shown(app, client, walk):
    with app.app_context():
        tour_service.update_tour(db.session, walk.tour_id,
                                 {"cover_scene_id": walk.scenes["hidden"].id})
        db.session.execute(update(Scene).where(Scene.id == walk.scenes["hidden"].id).values(
            share_image_key="scenes/7/share-secret.jpg", share_image_view={}))
        db.session.commit()
    cover = client.get("/api/walk/tours/old-town").get_json()["cover"]
    assert cover["url"].endswith("/thumb.jpg")  # the first stop's, not the hidden scene's
