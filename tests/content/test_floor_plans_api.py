"""``/api/floor-plans`` and ``PUT /api/scenes/<id>/floor-position``: editors make venue levels'
floor plans, upload their drawings (checked, rendered and stored in the public storage) and
place scenes on them; both storages in memory."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from server.storage import IMMUTABLE_CACHE_CONTROL
from server.storage_setup import originals_storage, public_storage
from tests.support import hostile_images
from tests.support.uploads import multipart
from tours.models import Role

PLANS = "/api/floor-plans"


@pytest.fixture
def editor(auth_headers):
    return auth_headers(Role.EDITOR)


@pytest.fixture
def new_plan(client, editor):
    def create(**fields):
        response = client.post(PLANS, json={"venue": "Markthalle", "level": "0", **fields},
                               headers=editor)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create


def drawing_png(size=(1200, 800), mode="RGB") -> bytes:
    """A floor plan drawing: white ground, black walls, a red stand and a blue label box."""
    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle((10, 10, width - 10, height - 10), outline="black", width=8)
    draw.rectangle((width // 4, height // 4, width // 2, height // 2), fill=(200, 30, 30))
    draw.rectangle((width - 200, height - 120, width - 40, height - 40), fill=(30, 60, 200))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def upload(client, editor, plan_id, data, name="plan.png", **headers):
    return multipart(client, f"{PLANS}/{plan_id}/image", {"file": (data, name)},
                     headers={**editor, **headers})


def public_keys(app) -> set[str]:
    with app.app_context():
        return set(public_storage().list_keys())


def test_editors_create_list_change_and_delete_floor_plans(client, editor, new_plan):
    ground = new_plan(title={"en": "Ground floor", "de": ""})
    assert ground["venue"] == "Markthalle"
    assert ground["title"] == {"en": "Ground floor"}
    assert (ground["image"], ground["scenes"], ground["version"]) == (None, [], 1)
    new_plan(venue="Luisencenter", level="1")
    new_plan(level="-1")
    listed = client.get(PLANS, headers=editor).get_json()
    assert [(plan["venue"], plan["level"]) for plan in listed] == [
        ("Luisencenter", "1"), ("Markthalle", "-1"), ("Markthalle", "0")]
    url = f"{PLANS}/{ground['id']}"
    assert client.get(url, headers=editor).headers["ETag"] == '"1"'
    changed = client.patch(url, json={"level": "EG", "version": 1}, headers=editor)
    assert changed.status_code == 200
    assert changed.headers["ETag"] == '"2"'
    stale = client.patch(url, json={"venue": "Halle"}, headers={**editor, "If-Match": '"1"'})
    assert stale.status_code == 409
    assert client.delete(f"{url}?version=1", headers=editor).status_code == 409
    assert client.delete(url, headers={**editor, "If-Match": '"2"'}).status_code == 204
    assert client.get(url, headers=editor).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"venue": "Markthalle"}, "level"),
    ({"venue": "x" * 121, "level": "0"}, "venue"),
    ({"venue": "Markthalle", "level": "  "}, "level"),
    ({"venue": "Markthalle", "level": "0", "title": {"xx": "?"}}, "title"),
])
def test_refused_input_is_a_422_naming_the_field(client, editor, body, field):
    response = client.post(PLANS, json=body, headers=editor)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_the_same_level_twice_is_a_conflict(client, editor, new_plan):
    new_plan()
    response = client.post(PLANS, json={"venue": "Markthalle", "level": "0"}, headers=editor)
    assert response.status_code == 409
    assert "level" in response.get_json()["errors"]["json"]


def test_ids_beyond_the_database_range_name_nothing(client, editor, make_scene, new_plan):
    plan = new_plan()
    scene = make_scene(slug="stand")
    huge = 2**31
    assert client.get(f"{PLANS}/{huge}", headers=editor).status_code == 404
    # no route takes such an id: other methods are refused by the router (404 or 405)
    assert client.patch(f"{PLANS}/{huge}", json={"level": "1"}, headers=editor).status_code \
        in (404, 405)
    assert upload(client, editor, huge, drawing_png()).status_code in (404, 405)
    assert client.put(f"/api/scenes/{huge}/floor-position", json={
        "floor_plan_id": plan["id"], "x": 0.5, "y": 0.5}, headers=editor).status_code \
        in (404, 405)
    for floor_plan_id in (huge, 10**30, -1, 0):
        response = client.put(f"/api/scenes/{scene.id}/floor-position", json={
            "floor_plan_id": floor_plan_id, "x": 0.5, "y": 0.5}, headers=editor)
        assert response.status_code == 422, floor_plan_id
        assert "floor_plan_id" in response.get_json()["errors"]["json"]


def test_a_drawing_is_rendered_to_a_public_png(app, client, editor, new_plan):
    plan = new_plan()
    response = upload(client, editor, plan["id"], drawing_png((5000, 2500)),
                      **{"If-Match": '"1"'})
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == '"2"'
    image = response.get_json()["image"]
    # fitted into 4096 pixels on the long side
    assert (image["width"], image["height"]) == (4096, 2048)
    keys = public_keys(app)
    assert len(keys) == 1
    key = keys.pop()
    assert key.startswith("floor-plans/images/")
    assert key.endswith(".png")
    with app.app_context():
        head = public_storage().head(key)
        assert head.content_type == "image/png"
        assert head.cache_control == IMMUTABLE_CACHE_CONTROL
        # only the rendered drawing is kept: nothing goes to the originals
        assert list(originals_storage().list_keys()) == []
    served = client.get(image["url"])
    assert served.status_code == 200
    rendered = Image.open(io.BytesIO(served.data))
    assert rendered.size == (4096, 2048)
    # the red stand is still where it was drawn (a quarter in from the top left)
    assert rendered.convert("RGB").getpixel((1400, 700)) == (200, 30, 30)
    # a small drawing is never enlarged, and its transparency is kept
    small = upload(client, editor, plan["id"], drawing_png((300, 200), mode="RGBA"))
    assert (small.get_json()["image"]["width"], small.get_json()["image"]["height"]) == (300, 200)


def test_a_new_drawing_replaces_the_old_object(app, client, editor, new_plan):
    plan = new_plan()
    first = upload(client, editor, plan["id"], drawing_png((800, 600)))
    first_keys = public_keys(app)
    second = upload(client, editor, plan["id"], drawing_png((900, 600)))
    assert second.status_code == 200
    assert second.get_json()["image"]["url"] != first.get_json()["image"]["url"]
    assert not public_keys(app) & first_keys
    assert len(public_keys(app)) == 1
    # a stale upload is refused before anything is stored
    stale = upload(client, editor, plan["id"], drawing_png((700, 600)), **{"If-Match": '"1"'})
    assert stale.status_code == 409
    assert len(public_keys(app)) == 1


def test_a_scan_becomes_webp(app, client, editor, new_plan):
    plan = new_plan()
    noise = np.random.default_rng(7).integers(0, 256, (1100, 1100, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).save(out, "JPEG", quality=95)
    response = upload(client, editor, plan["id"], out.getvalue(), name="scan.jpg")
    assert response.status_code == 200, response.get_json()
    (key,) = public_keys(app)
    assert key.endswith(".webp")
    with app.app_context():
        assert public_storage().head(key).content_type == "image/webp"


@pytest.mark.parametrize(("data", "status", "code", "says"), [
    (hostile_images.svg_with_script(), 415, "vector_image", "PNG"),
    (hostile_images.pdf(), 415, "vector_image", "PNG"),
    (b"These are not the pixels you are looking for.", 415, "unsupported_format", "PNG"),
    (hostile_images.png_bomb(), 413, "too_large", "too large"),
    (hostile_images.over_pixel_cap(), 413, "too_large", "40"),
    (hostile_images.oversized_file(), 413, "too_large", "too large"),
    (hostile_images.truncated_png(), 422, "truncated", "incomplete"),
    (hostile_images.tiny_png(), 422, "too_small", "64"),
    (hostile_images.animated_png(), 422, "animated", "Animated"),
], ids=["svg", "pdf", "text", "bomb", "megapixels", "file-size", "truncated", "tiny",
        "animated"])
def test_what_is_no_usable_drawing_is_refused_and_nothing_stored(app, client, editor, new_plan,
                                                                 data, status, code, says):
    plan = new_plan()
    response = upload(client, editor, plan["id"], data, name="plan.png")
    assert response.status_code == status
    body = response.get_json()
    assert body["errors"]["file"]["code"] == code
    assert says in body["message"]
    assert public_keys(app) == set()
    assert client.get(f"{PLANS}/{plan['id']}", headers=editor).get_json()["version"] == 1


def test_an_upload_without_a_file_is_refused(client, editor, new_plan):
    plan = new_plan()
    response = multipart(client, f"{PLANS}/{plan['id']}/image", {"name": "plan"},
                         headers=editor)
    assert response.status_code == 422


def test_scenes_are_placed_moved_and_taken_off(client, editor, make_scene, new_plan):
    plan = new_plan(level="1")
    scene = make_scene(slug="fish-stand", title={"en": "Fish stand"})
    url = f"/api/scenes/{scene.id}/floor-position"
    placed = client.put(url, json={"floor_plan_id": plan["id"], "x": 0.25, "y": 0.75,
                                   "version": 1}, headers=editor)
    assert placed.status_code == 200, placed.get_json()
    body = placed.get_json()
    assert (body["floor_plan_id"], body["floor_x"], body["floor_y"], body["level"]) == (
        plan["id"], 0.25, 0.75, "1")
    assert placed.headers["ETag"] == f'"{body["version"]}"'
    on_plan = client.get(f"{PLANS}/{plan['id']}", headers=editor).get_json()["scenes"]
    assert on_plan == [{"id": scene.id, "slug": "fish-stand", "x": 0.25, "y": 0.75,
                        "version": body["version"]}]
    assert client.get(f"/api/scenes/{scene.id}", headers=editor).get_json()["floor_x"] == 0.25
    stale = client.put(url, json={"floor_plan_id": plan["id"], "x": 0.3, "y": 0.7},
                       headers={**editor, "If-Match": '"1"'})
    assert stale.status_code == 409
    for bad in ({"floor_plan_id": plan["id"], "x": 1.2, "y": 0.5},
                {"floor_plan_id": plan["id"], "x": 0.2},
                {"floor_plan_id": plan["id"], "x": "left", "y": 0.5},
                {"x": 0.5, "y": 0.5}):
        assert client.put(url, json=bad, headers=editor).status_code == 422, bad
    off = client.put(url, json={"floor_plan_id": None}, headers=editor)
    assert off.status_code == 200
    assert (off.get_json()["floor_plan_id"], off.get_json()["floor_x"],
            off.get_json()["level"]) == (None, None, "1")


def test_deleting_a_plan_removes_its_drawing_and_unplaces_its_scenes(app, client, editor,
                                                                     make_scene, new_plan):
    plan = new_plan()
    scene = make_scene(slug="fish-stand")
    client.put(f"/api/scenes/{scene.id}/floor-position",
               json={"floor_plan_id": plan["id"], "x": 0.5, "y": 0.5}, headers=editor)
    upload(client, editor, plan["id"], drawing_png())
    assert len(public_keys(app)) == 1
    assert client.delete(f"{PLANS}/{plan['id']}", headers=editor).status_code == 204
    assert public_keys(app) == set()
    stored = client.get(f"/api/scenes/{scene.id}", headers=editor).get_json()
    assert (stored["floor_plan_id"], stored["floor_x"], stored["floor_y"], stored["level"]) == (
        None, None, None, "0")


@pytest.mark.parametrize("role", [Role.SHOP_OWNER])
def test_only_editors_may(client, auth_headers, role, new_plan):
    plan = new_plan()
    headers = auth_headers(role)
    assert client.get(PLANS, headers=headers).status_code == 403
    assert client.get(PLANS).status_code == 401
    assert upload(client, headers, plan["id"], drawing_png()).status_code == 403
