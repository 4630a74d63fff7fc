"""The editors' floor plan pages (``/edit/floor-plans``, ``/edit/floor-plans/<id>``), the link
from the scene settings and the overview. The tool itself is tried in Chromium
(tests/browser/test_floor_plan_editor.py)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from server.extensions import db
from tours import floor_plans
from tours.models import Role

EDITOR = "floors@example.org"


@pytest.fixture
def editor(client, make_user, login):
    """The test client, signed in as an editor."""
    make_user(email=EDITOR, role=Role.EDITOR)
    login(client, EDITOR)
    return client


def csrf(client, path="/edit/floor-plans"):
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def tool_data(page: str, attribute: str) -> Any:
    found = re.search(rf"{attribute}='([^']*)'", page)
    assert found, f"no {attribute} on the page"
    return json.loads(html.unescape(found.group(1)))


def test_the_list_creates_a_plan_and_opens_its_editor(editor):
    token = csrf(editor)
    made = editor.post("/edit/floor-plans", data={"csrf_token": token, "venue": "Markthalle",
                                                  "level": "0"})
    assert made.status_code == 303
    assert re.fullmatch(r"/edit/floor-plans/\d+", made.headers["Location"])
    page = editor.get(made.headers["Location"])
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    data = tool_data(page.get_data(as_text=True), "data-floor-plan")
    assert (data["floor_plan"]["venue"], data["floor_plan"]["level"]) == ("Markthalle", "0")
    assert data["floor_plan"]["image"] is None
    again = editor.post("/edit/floor-plans", data={"csrf_token": token, "venue": "Markthalle",
                                                   "level": "0"})
    assert again.status_code == 409
    assert "already has a floor plan of level 0" in again.get_data(as_text=True)
    missing = editor.post("/edit/floor-plans", data={"csrf_token": token, "venue": "Halle"})
    assert missing.status_code == 422
    listed = editor.get("/edit/floor-plans").get_data(as_text=True)
    assert "Markthalle" in listed
    assert "no drawing yet" in listed


def test_the_editor_page_hands_its_tool_every_scene(app, editor, make_scene):
    with app.app_context():
        plan = floor_plans.create_floor_plan(db.session, {"venue": "Markthalle", "level": "1",
                                                          "title": {"en": "Upper floor"}})
        other = floor_plans.create_floor_plan(db.session, {"venue": "Luisencenter",
                                                           "level": "0"})
        db.session.commit()
        plan_id, other_id = plan.id, other.id
    stand = make_scene(slug="fish-stand", title={"en": "Fish stand"})
    cafe = make_scene(slug="cafe", title={"en": "Café"})
    with app.app_context():
        floor_plans.place_scene(db.session, stand.id, plan_id, 0.2, 0.4)
        floor_plans.place_scene(db.session, cafe.id, other_id, 0.5, 0.5)
        db.session.commit()
    data = tool_data(editor.get(f"/edit/floor-plans/{plan_id}").get_data(as_text=True),
                     "data-floor-plan")
    scenes = {scene["slug"]: scene for scene in data["scenes"]}
    assert (scenes["fish-stand"]["floor_plan_id"], scenes["fish-stand"]["x"],
            scenes["fish-stand"]["y"], scenes["fish-stand"]["level"]) == (plan_id, 0.2, 0.4, "1")
    assert scenes["cafe"]["floor_plan_name"] == "Luisencenter, Level 0"
    assert data["floor_plan"]["scenes"][0]["id"] == stand.id
    # the scene's settings say where it lies, with a link to the plan
    settings = editor.get(f"/edit/scenes/{stand.id}").get_data(as_text=True)
    assert "On the floor plan Markthalle, Upper floor." in settings
    assert f'href="/edit/floor-plans/{plan_id}"' in settings
    assert 'href="/edit/floor-plans"' in editor.get("/edit").get_data(as_text=True)


def test_unknown_plans_and_other_roles(client, editor, make_user, login):
    assert editor.get("/edit/floor-plans/999").status_code == 404
    assert editor.get(f"/edit/floor-plans/{2**31}").status_code == 404
    editor.post("/logout", data={"csrf_token": csrf(editor)})
    make_user(email="owner@example.org", role=Role.SHOP_OWNER)
    login(client, "owner@example.org")
    assert client.get("/edit/floor-plans").status_code == 403
