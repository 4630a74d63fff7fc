"""``/edit``: the editors' overview of scenes and tours, and the way into every tool."""

from __future__ import annotations

import pytest

from server.extensions import db
from tours import tour_service
from tours.models import PanoramaStatus, Role

pytestmark = pytest.mark.database

EDITOR = "redaktion@example.org"


@pytest.fixture
def editor_client(app, client, make_user, login):
    make_user(email=EDITOR, role=Role.EDITOR)
    login(client, EDITOR)
    return client


def test_the_overview_lists_scenes_with_what_they_lack_and_links_every_tool(
        app, editor_client, make_panorama, make_scene):
    placed = make_scene(slug="market", title={"en": "Market square"},
                        latitude=48.1, longitude=11.5)
    waiting = make_scene(make_panorama(status=PanoramaStatus.TILING, current_revision=None),
                         slug="waiting", title={"en": "Hall"})
    with app.app_context():
        tour_service.create_tour(db.session, {"slug": "old-town", "title": {"en": "Old town"}})
        db.session.commit()
    response = editor_client.get("/edit?lang=en")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    for tool in ("/edit/upload", "/edit/plan", "/edit/tours", "/staff/moderation"):
        assert f'href="{tool}' in page
    assert f'href="/edit/scenes/{placed.id}"' in page
    assert f'href="/edit/scenes/{waiting.id}/hotspots"' in page
    assert "1 panorama being tiled" in page
    assert "1 scene without a position" in page
    assert "Old town</a>" in page
    assert "Market square" in page
    assert "not ready" in page
    # the header leads editors here
    assert 'href="/edit">Edit</a>' in editor_client.get("/?lang=en").get_data(as_text=True)


def test_the_overview_is_for_editors(app, client, make_user, login):
    assert client.get("/edit").status_code == 302
    make_user(email="laden@example.org", role=Role.SHOP_OWNER)
    login(client, "laden@example.org")
    assert client.get("/edit").status_code == 403
    assert 'href="/edit"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("page", ["0", "x", "²", "9" * 8])
def test_a_page_number_that_does_not_exist_is_a_400(editor_client, page):
    assert editor_client.get(f"/edit?page={page}").status_code == 400
