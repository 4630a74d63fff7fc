"""The editors' plan (``/edit/plan``) and scene settings (``/edit/scenes/<id>``): what the pages
hand their tools, who may open them, and the answers to unknown scenes and untiled panoramas.
The tools themselves are tried in Chromium (tests/browser/test_plan_editor.py)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from server.extensions import db
from tours import city as city_rules
from tours import links
from tours.models import PanoramaStatus, Role, User

EDITOR = "planner@example.org"


@pytest.fixture
def editor(client, make_user, login):
    """The test client, signed in as an editor."""
    make_user(email=EDITOR, role=Role.EDITOR)
    login(client, EDITOR)
    return client


def tool_data(page: str, attribute: str) -> Any:
    found = re.search(rf"{attribute}='([^']*)'", page)
    assert found, f"no {attribute} on the page"
    return json.loads(html.unescape(found.group(1)))


#: a manifest following the tile contract (the viewer's data is made from it; no tiles needed)
MANIFEST = {"tile_size": 512, "keys": {"tile": "{z}/{face}/{y}/{x}.jpg",
                                       "preview": "0/{face}/0/0.jpg"},
            "levels": [{"z": 1, "face_size": 512, "nb_tiles": 1}]}


@pytest.fixture
def scenes(app, make_panorama, make_scene):
    panorama = make_panorama(manifest=MANIFEST)
    market = make_scene(panorama, slug="market-square", title={"en": "Market", "de": "Markt"},
                        latitude=48.1374, longitude=11.5755)
    hall = make_scene(panorama, slug="town-hall", title={"en": "Hall"},
                      latitude=48.1379, longitude=11.5766, north_offset=30.0)
    attic = make_scene(panorama, slug="attic", title={"en": "Attic"})
    with app.app_context():
        links.add_link(db.session, market.id, {"to_scene_id": hall.id, "bearing": 60})
        db.session.commit()
    return market, hall, attic


def test_the_plan_hands_every_scene_and_link_to_its_tool(app, editor, scenes):
    market, hall, attic = scenes
    answer = editor.get("/edit/plan?lang=en")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    page = answer.get_data(as_text=True)
    assert 'data-editor="plan"' in page
    plan = tool_data(page, "data-plan")
    by_id = {scene["id"]: scene for scene in plan["scenes"]}
    assert by_id[market.id]["title"] == "Market"
    assert (by_id[hall.id]["latitude"], by_id[hall.id]["longitude"]) == (48.1379, 11.5766)
    assert by_id[attic.id]["latitude"] is None
    assert by_id[attic.id]["settings_url"] == f"/edit/scenes/{attic.id}"
    assert by_id[market.id]["version"] == market.version
    assert sorted((link["from"], link["to"], link["bearing"]) for link in plan["links"]) == [
        (market.id, hall.id, 60.0), (hall.id, market.id, 240.0)]
    assert plan["centre"] is None
    strings = tool_data(page, "data-strings")
    assert strings["link_item"] == "%(from)s → %(to)s (%(bearing)s°)"
    # every scene's settings are one link away, also without the script
    assert f'href="/edit/scenes/{attic.id}"' in page


def test_without_positions_the_plan_is_centred_on_the_citys_map_centre(app, editor,
                                                                         make_scene, make_user):
    make_scene(slug="attic")
    admin = make_user(email="admin@example.org", role=Role.ADMIN)
    with app.app_context():
        city_rules.save_settings(db.session, db.session.get(User, admin.id), {
            "name": "Neustadt", "header_colour": "#003366", "header_text": "light",
            "accent_colour": "#8a1c1c", "default_language": "de", "time_zone": "Europe/Berlin",
            "map_latitude": 49.35, "map_longitude": 8.14}, expected_version=0)
        db.session.commit()
    plan = tool_data(editor.get("/edit/plan").get_data(as_text=True), "data-plan")
    assert plan["centre"] == {"latitude": 49.35, "longitude": 8.14}


def test_a_scenes_settings_page_hands_its_scene_ways_and_panorama_to_the_tool(editor, scenes):
    market, hall, _attic = scenes
    answer = editor.get(f"/edit/scenes/{market.id}?lang=en")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    page = answer.get_data(as_text=True)
    data = tool_data(page, "data-scene")
    assert data["scene"]["id"] == market.id
    assert data["scene"]["version"] == market.version
    assert data["scene"]["title"] == {"en": "Market", "de": "Markt"}
    [way] = data["links"]
    assert (way["to_scene_id"], way["bearing"], way["to_title"]) == (hall.id, 60.0, "Hall")
    assert data["panorama"]["levels"] == [{"z": 1, "face_size": 512, "nb_tiles": 1}], (
        "a ready panorama is shown in the viewer")
    assert 'id="scene-settings-viewer"' in page
    assert 'value="Markt"' in page
    assert "Way to Hall" in page


def test_an_untiled_panorama_shows_a_message_instead_of_the_viewer(app, editor, make_panorama,
                                                                   make_scene):
    scene = make_scene(make_panorama(status=PanoramaStatus.TILING), slug="fresh-upload")
    page = editor.get(f"/edit/scenes/{scene.id}?lang=en").get_data(as_text=True)
    assert tool_data(page, "data-scene")["panorama"] is None
    assert 'id="scene-settings-viewer"' not in page
    assert "The panorama of this scene is not ready yet" in page


def test_unknown_scenes_are_not_found(editor):
    assert editor.get("/edit/scenes/999999").status_code == 404


def test_only_editors_open_the_pages(client, make_user, login, scenes):
    market, _hall, _attic = scenes
    assert client.get("/edit/plan").status_code in (302, 401)
    make_user(email="owner@example.org", role=Role.SHOP_OWNER)
    login(client, "owner@example.org")
    assert client.get("/edit/plan").status_code == 403
    assert client.get(f"/edit/scenes/{market.id}").status_code == 403
