"""``/api/panoramas``: browsing panoramas by public id and crediting them."""

from __future__ import annotations

import json

from tours.models import PanoramaStatus, Role


def test_panoramas_are_listed_and_shown_by_public_id(client, auth_headers, make_panorama):
    editor = auth_headers(Role.EDITOR)
    ready = make_panorama(gps_latitude=48.137, gps_longitude=11.575)
    queued = make_panorama(status=PanoramaStatus.QUEUED, current_revision=None)
    listed = client.get("/api/panoramas", headers=editor)
    assert [item["id"] for item in listed.get_json()] == [queued.public_id, ready.public_id]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 2
    only_queued = client.get("/api/panoramas?status=queued", headers=editor).get_json()
    assert [item["id"] for item in only_queued] == [queued.public_id]
    assert client.get("/api/panoramas?status=lost", headers=editor).status_code == 422

    shown = client.get(f"/api/panoramas/{ready.public_id}", headers=editor).get_json()
    assert shown["status"] == "ready"
    assert shown["manifest"]["key_template"].startswith(f"panoramas/{ready.public_id}/")
    assert (shown["gps_latitude"], shown["gps_longitude"]) == (48.137, 11.575)
    assert "original_key" not in shown
    assert client.get(f"/api/panoramas/{ready.id}", headers=editor).status_code == 404


def test_credits_are_edited(client, auth_headers, make_panorama):
    editor = auth_headers(Role.EDITOR)
    panorama = make_panorama()
    url = f"/api/panoramas/{panorama.public_id}"
    changed = client.patch(url, headers=editor, json={"author": " Ana Ruiz ",
                                                      "licence": "CC-BY-4.0"})
    assert changed.status_code == 200
    assert (changed.get_json()["author"], changed.get_json()["licence"]) == ("Ana Ruiz",
                                                                             "CC-BY-4.0")
    too_long = client.patch(url, headers=editor, json={"author": "x" * 201})
    assert too_long.status_code == 422
    assert list(too_long.get_json()["errors"]["json"]) == ["author"]
    assert client.patch(url, headers=editor, json={"sha256": "0" * 64}).status_code == 422
