"""An info hotspot's picture: ``PUT``/``DELETE /api/hotspots/<id>/image`` and ``image_alt``,
on the real storages' interface (both storages in memory)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from server.storage import IMMUTABLE_CACHE_CONTROL
from server.storage_setup import originals_storage, public_storage
from tests.support import hostile_images
from tests.support.hotspot_images import CAMERA_MAKE, picture_bytes
from tests.support.uploads import multipart
from tours import hotspots
from tours.models import Role
from tours.validation import VersionConflict

INFO = {"yaw": 10, "pitch": -5, "kind": "info", "text": {"en": "Built in 1890."},
        "label": {"en": "Fountain", "de": "Brunnen"}}


@pytest.fixture
def editor(auth_headers):
    return auth_headers(Role.EDITOR)


@pytest.fixture
def scene(make_scene):
    return make_scene(slug="market-square")


@pytest.fixture
def new_hotspot(client, editor, scene):
    def create(**fields):
        response = client.post(f"/api/scenes/{scene.id}/hotspots", json={**INFO, **fields},
                               headers=editor)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create


def put_picture(client, editor, hotspot_id, data, name="fountain.jpg", **headers):
    return multipart(client, f"/api/hotspots/{hotspot_id}/image", {"file": (data, name)},
                     method="PUT", headers={**editor, **headers})


def all_keys(app) -> tuple[set[str], set[str]]:
    with app.app_context():
        return set(originals_storage().list_keys()), set(public_storage().list_keys())


def test_a_picture_is_stored_clean_in_two_sizes(app, client, editor, new_hotspot):
    hotspot = new_hotspot()
    data = picture_bytes((3000, 2000))
    response = put_picture(client, editor, hotspot["id"], data, **{"If-Match": '"1"'})
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == '"2"'
    body = response.get_json()
    image = body["image"]
    assert (image["width"], image["height"]) == (3000, 2000)
    assert (image["large"]["width"], image["large"]["height"]) == (1600, 1067)
    assert (image["thumb"]["width"], image["thumb"]["height"]) == (400, 267)
    assert body["version"] == 2
    assert body["image_alt"] == {}
    originals, public = all_keys(app)
    assert [key.split("/")[:2] for key in originals] == [["hotspots", "originals"]]
    assert {key.split("/")[1] for key in public} == {"images"}
    assert len(public) == 2
    with app.app_context():
        assert originals_storage().get(originals.pop()) == data  # the upload, as sent
        for key in public:
            stored = public_storage().get(key)
            assert CAMERA_MAKE.encode() not in stored
            assert b"Exif" not in stored
            head = public_storage().head(key)
            assert head.content_type == "image/jpeg"
            assert head.cache_control == IMMUTABLE_CACHE_CONTROL
    # the editors' answer names URLs, never storage keys of the originals
    assert "originals" not in response.get_data(as_text=True)
    served = client.get(image["large"]["url"])
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(served.data)).size == (1600, 1067)


def test_a_new_picture_replaces_the_old_one_and_its_files(app, client, editor, new_hotspot):
    hotspot = new_hotspot(image_alt={"en": "The fountain in winter"})
    first = put_picture(client, editor, hotspot["id"], picture_bytes(colour=(200, 60, 40)))
    keys_of_first = all_keys(app)
    second = put_picture(client, editor, hotspot["id"], picture_bytes(colour=(40, 160, 60)))
    assert second.status_code == 200
    assert second.get_json()["image"]["large"]["url"] != first.get_json()["image"]["large"]["url"]
    # the description stays: editors change it with image_alt
    assert second.get_json()["image_alt"] == {"en": "The fountain in winter"}
    originals, public = all_keys(app)
    assert not originals & keys_of_first[0]
    assert not public & keys_of_first[1]
    assert (len(originals), len(public)) == (1, 2)
    # the same file again changes nothing stored
    again = put_picture(client, editor, hotspot["id"], picture_bytes(colour=(40, 160, 60)))
    assert again.get_json()["image"] == second.get_json()["image"]
    assert all_keys(app) == (originals, public)


def test_removing_the_picture_removes_its_files_and_description(app, client, editor,
                                                                new_hotspot):
    hotspot = new_hotspot(image_alt={"en": "The basin"})
    put_picture(client, editor, hotspot["id"], picture_bytes())
    url = f"/api/hotspots/{hotspot['id']}/image"
    assert client.delete(url, headers={**editor, "If-Match": '"1"'}).status_code == 409
    removed = client.delete(url, headers=editor)
    assert removed.status_code == 200
    assert removed.headers["ETag"] == '"3"'
    assert (removed.get_json()["image"], removed.get_json()["image_alt"]) == (None, {})
    assert all_keys(app) == (set(), set())
    # removing again changes nothing, not even the version
    again = client.delete(url, headers=editor)
    assert (again.status_code, again.get_json()["version"]) == (200, 3)


def test_two_hotspots_may_show_the_same_picture(app, client, editor, new_hotspot):
    first, second = new_hotspot(), new_hotspot(yaw=40)
    data = picture_bytes()
    for hotspot in (first, second):
        assert put_picture(client, editor, hotspot["id"], data).status_code == 200
    shared = all_keys(app)
    assert client.delete(f"/api/hotspots/{first['id']}/image", headers=editor).status_code == 200
    assert all_keys(app) == shared
    assert client.delete(f"/api/hotspots/{second['id']}", headers=editor).status_code == 204
    assert all_keys(app) == (set(), set())


def test_deleting_the_scene_deletes_its_pictures(app, client, editor, new_hotspot, scene):
    hotspot = new_hotspot()
    put_picture(client, editor, hotspot["id"], picture_bytes())
    assert all_keys(app) != (set(), set())
    assert client.delete(f"/api/scenes/{scene.id}", headers=editor).status_code == 204
    assert all_keys(app) == (set(), set())


@pytest.mark.parametrize("fields", [
    {"kind": "url", "url": "https://tram.example/line-2", "text": {}},
    {"kind": "shop"},
])
def test_only_info_hotspots_have_a_picture(app, client, editor, new_hotspot, make_shop,
                                           fields):
    if fields["kind"] == "shop":
        fields = {**fields, "shop_id": make_shop().id}
    hotspot = new_hotspot(**fields)
    refused = put_picture(client, editor, hotspot["id"], picture_bytes())
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["errors"]["json"]["image"] == [body["message"]]
    assert fields["kind"] in body["message"]
    assert all_keys(app) == (set(), set())
    assert client.delete(f"/api/hotspots/{hotspot['id']}/image",
                         headers=editor).status_code == 422
    described = client.patch(f"/api/hotspots/{hotspot['id']}",
                             json={"image_alt": {"en": "A tram"}}, headers=editor)
    assert described.status_code == 422
    assert "image_alt" in described.get_json()["errors"]["json"]


@pytest.mark.parametrize(("case", "status", "code"), [
    ("svg_named_jpg", 415, "vector_image"),
    ("html_named_jpg", 415, "unsupported_format"),
    ("truncated_jpeg", 422, "truncated"),
    ("png_bomb", 413, "too_large"),
    ("zero_bytes", 422, "empty"),
    ("animated_gif", 415, "unsupported_format"),
])
def test_bad_files_are_refused_and_store_nothing(app, client, editor, new_hotspot, case,
                                                 status, code):
    hotspot = new_hotspot()
    response = put_picture(client, editor, hotspot["id"], getattr(hostile_images, case)())
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["errors"]["file"]["code"] == code
    assert body["message"]
    assert all_keys(app) == (set(), set())
    after = client.get(f"/api/scenes/{hotspot['scene_id']}/hotspots", headers=editor).get_json()
    assert (after[0]["image"], after[0]["version"]) == (None, 1)


def test_a_stale_version_or_a_missing_file_stores_nothing(app, client, editor, new_hotspot):
    hotspot = new_hotspot()
    client.patch(f"/api/hotspots/{hotspot['id']}", json={"yaw": 20}, headers=editor)
    stale = put_picture(client, editor, hotspot["id"], picture_bytes(), **{"If-Match": '"1"'})
    assert stale.status_code == 409
    assert all_keys(app) == (set(), set())
    no_file = client.put(f"/api/hotspots/{hotspot['id']}/image", json={}, headers=editor)
    assert no_file.status_code == 422
    unknown = put_picture(client, editor, 999_999, picture_bytes())
    assert unknown.status_code == 404
    assert all_keys(app) == (set(), set())


def test_the_description_is_an_ordinary_versioned_field(client, editor, new_hotspot):
    hotspot = new_hotspot()
    url = f"/api/hotspots/{hotspot['id']}"
    described = client.patch(url, json={"image_alt": {"de": "Der Brunnen im Winter",
                                                      "en": "The fountain in winter"}},
                             headers={**editor, "If-Match": '"1"'})
    assert described.status_code == 200
    assert described.get_json()["image_alt"] == {"de": "Der Brunnen im Winter",
                                                 "en": "The fountain in winter"}
    stale = client.patch(url, json={"image_alt": {"en": "Other"}},
                         headers={**editor, "If-Match": '"1"'})
    assert stale.status_code == 409
    too_long = client.patch(url, json={"image_alt": {"en": "x" * 251}}, headers=editor)
    assert too_long.status_code == 422
    assert too_long.get_json()["errors"]["json"]["image_alt"]["en"]


def test_a_hotspot_keeps_its_kind_while_it_shows_a_picture(app, client, editor, new_hotspot):
    hotspot = new_hotspot(image_alt={"en": "The basin"})
    put_picture(client, editor, hotspot["id"], picture_bytes())
    url = f"/api/hotspots/{hotspot['id']}"
    to_url = {"kind": "url", "url": "https://city.example/fountain"}
    refused = client.patch(url, json=to_url, headers=editor)
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]["json"]) == ["kind"]
    assert all_keys(app) != (set(), set())
    client.delete(f"{url}/image", headers=editor)
    changed = client.patch(url, json=to_url, headers=editor)
    assert changed.status_code == 200
    assert (changed.get_json()["kind"], changed.get_json()["image_alt"]) == ("url", {})


def test_the_service_clears_the_description_when_the_kind_changes(session, scene):
    hotspot = hotspots.add_hotspot(session, scene.id, {**INFO, "image_alt": {"en": "Basin"}})
    hotspots.update_hotspot(session, hotspot.id, {"kind": "url",
                                                  "url": "https://city.example/fountain"})
    assert (hotspot.image, hotspot.image_alt) == (None, {})


def test_files_of_an_upload_overtaken_by_another_change_go_again(app, client, editor,
                                                                  new_hotspot, monkeypatch):
    """Another save between the checks and the row's update: 409, and the files just written
    are deleted again (no other hotspot shows them)."""
    hotspot = new_hotspot()

    def overtaken(*_args, **_kwargs):
        raise VersionConflict()

    monkeypatch.setattr(hotspots, "set_image", overtaken)
    response = put_picture(client, editor, hotspot["id"], picture_bytes())
    assert response.status_code == 409
    assert all_keys(app) == (set(), set())
