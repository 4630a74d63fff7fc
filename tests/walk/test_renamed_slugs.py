"""A renamed tour or scene keeps its old addresses: printed QR codes, shared links and embeds
made with a former slug lead to it under its current slug (301, query kept), pages and walk API
alike; a slug taken again is that row's address, and what is not public leaks nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import db
from tests.walk.conftest import Walk, tour_of
from tours import scenes, tour_service
from tours.models import FormerSceneSlug, FormerTourSlug

ADDRESSES = [
    ("/tours/old-town", "/tours/old-town-walk"),
    ("/tours/old-town/market?yaw=30&pitch=-5&zoom=20",
     "/tours/old-town-walk/market?yaw=30&pitch=-5&zoom=20"),
    ("/tours/old-town/market?route_to=sun-bakery&step_free=1",
     "/tours/old-town-walk/market?route_to=sun-bakery&step_free=1"),
    ("/kiosk/tours/old-town/hall", "/kiosk/tours/old-town-walk/hall"),
    ("/embed/tours/old-town", "/embed/tours/old-town-walk"),
    ("/embed/tours/old-town/hall", "/embed/tours/old-town-walk/hall"),
    ("/text/tours/old-town?lang=de", "/text/tours/old-town-walk?lang=de"),
    ("/api/walk/tours/old-town?lang=fr", "/api/walk/tours/old-town-walk?lang=fr"),
    ("/api/walk/tours/old-town/plan", "/api/walk/tours/old-town-walk/plan"),
]

SCENE_ADDRESSES = [
    ("/tours/old-town/market?yaw=30&pitch=-5", "/tours/old-town/market-square?yaw=30&pitch=-5"),
    ("/tours/old-town/market?route_to=sun-bakery",
     "/tours/old-town/market-square?route_to=sun-bakery"),
    ("/kiosk/tours/old-town/market", "/kiosk/tours/old-town/market-square"),
    ("/embed/tours/old-town/market", "/embed/tours/old-town/market-square"),
    ("/api/walk/scenes/market?lang=de", "/api/walk/scenes/market-square?lang=de"),
]


def rename(app, tour_id: int, slug: str) -> None:
    with app.app_context():
        tour_service.update_tour(db.session, tour_id, {"slug": slug})
        db.session.commit()


def rename_scene(app, scene_id: int, slug: str) -> None:
    with app.app_context():
        scenes.update_scene(db.session, scene_id, {"slug": slug})
        db.session.commit()


def former_slugs(app, kind: type = FormerTourSlug) -> dict[str, int]:
    """Each former slug of ``kind`` (tours' or scenes') and the id of its tour or scene."""
    with app.app_context():
        return {row.slug: row.tour_id if kind is FormerTourSlug else row.scene_id
                for row in db.session.scalars(select(kind))}


@pytest.mark.parametrize(("renamed", "old", "new"), [
    *(("tour", old, new) for old, new in ADDRESSES),
    *(("scene", old, new) for old, new in SCENE_ADDRESSES)])
def test_an_old_address_leads_to_the_renamed_tour_or_scene(app, client, walk: Walk, renamed: str,
                                                          old: str, new: str):
    if renamed == "tour":
        rename(app, walk.tour_id, "old-town-walk")
    else:
        rename_scene(app, walk.scenes["market"].id, "market-square")
    response = client.get(old)
    assert response.status_code == 301
    assert response.headers["Location"] == new
    # kept a minute only: the slug may be given to a tour again, which must then win
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert client.get(new).status_code == 200


def test_the_query_goes_along_as_it_was_sent(app, client, walk: Walk):
    rename(app, walk.tour_id, "old-town-walk")
    # a WSGI query string holds the bytes as sent (latin-1): one escaped, one raw UTF-8 "ü"
    sent = client.get("/tours/old-town", environ_overrides={
        "QUERY_STRING": "q=%C3%BC+x&raw=\xc3\xbc&a=1;b=2"})
    assert sent.headers["Location"] == "/tours/old-town-walk?q=%C3%BC+x&raw=%C3%BC&a=1;b=2"


def test_every_former_slug_leads_to_the_current_one(app, client, walk: Walk):
    rename(app, walk.tour_id, "old-town-walk")
    rename(app, walk.tour_id, "altstadt")
    assert former_slugs(app) == {"old-town": walk.tour_id, "old-town-walk": walk.tour_id}
    for old in ("/tours/old-town", "/tours/old-town-walk"):
        assert client.get(old).headers["Location"] == "/tours/altstadt"
    # back to a former slug: it is the address again, and nobody's former slug
    rename(app, walk.tour_id, "old-town")
    assert former_slugs(app) == {"old-town-walk": walk.tour_id, "altstadt": walk.tour_id}
    assert client.get("/tours/old-town").status_code == 200
    assert client.get("/tours/altstadt").headers["Location"] == "/tours/old-town"


def test_a_slug_taken_by_another_tour_is_that_tours_address(app, client, walk: Walk):
    rename(app, walk.tour_id, "old-town-walk")
    with app.app_context():
        tour_of(db.session, "old-town", [walk.scenes["far"]], status="published",
                title={"en": "The other old town"})
        db.session.commit()
    assert "old-town" not in former_slugs(app)
    page = client.get("/tours/old-town")
    assert page.status_code == 200
    assert "The other old town" in page.get_data(as_text=True)


def test_a_renamed_tour_that_is_not_public_stays_hidden(app, client, walk: Walk):
    rename(app, walk.tour_id, "old-town-walk")
    rename(app, walk.secret_tour_id, "secret-walk")
    # the draft's old address gives nothing away, not even its new slug
    assert client.get("/tours/secret").status_code == 404
    with app.app_context():
        tour_service.withdraw_tour(db.session, walk.tour_id)
        db.session.commit()
    assert client.get("/tours/old-town").status_code == 404
    assert client.get("/api/walk/tours/old-town").status_code == 404


def test_deleting_a_tour_forgets_its_former_slugs(app, client, walk: Walk):
    rename(app, walk.secret_tour_id, "secret-walk")
    assert former_slugs(app) == {"secret": walk.secret_tour_id}
    with app.app_context():
        tour_service.delete_tour(db.session, walk.secret_tour_id)
        db.session.commit()
    assert former_slugs(app) == {}


def test_the_api_renames_a_tour_and_keeps_the_old_address(app, client, walk: Walk,
                                                           auth_headers):
    headers = auth_headers()
    response = client.patch(f"/api/tours/{walk.tour_id}", json={"slug": "old-town-walk"},
                            headers=headers)
    assert response.status_code == 200, response.get_json()
    assert client.get("/tours/old-town").headers["Location"] == "/tours/old-town-walk"


# --- scenes ----------------------------------------------------------------------------------

def test_a_renamed_scene_of_a_renamed_tour_is_two_steps_away(app, client, walk: Walk):
    rename(app, walk.tour_id, "old-town-walk")
    rename_scene(app, walk.scenes["hall"].id, "market-hall")
    first = client.get("/tours/old-town/hall?zoom=10")
    assert first.headers["Location"] == "/tours/old-town-walk/hall?zoom=10"
    second = client.get(first.headers["Location"])
    assert second.headers["Location"] == "/tours/old-town-walk/market-hall?zoom=10"
    assert client.get(second.headers["Location"]).status_code == 200


def test_scene_slugs_taken_again_and_hidden_scenes(app, client, walk: Walk):
    rename_scene(app, walk.scenes["lane"].id, "old-lane")
    rename_scene(app, walk.scenes["far"].id, "lane")  # another scene takes the former slug
    assert former_slugs(app, FormerSceneSlug) == {"far": walk.scenes["far"].id}
    assert client.get("/tours/old-town/lane").status_code == 200
    assert client.get("/tours/old-town/far").headers["Location"] == "/tours/old-town/lane"
    # a scene visitors may not open gives nothing away under its former slug
    rename_scene(app, walk.scenes["hidden"].id, "still-hidden")
    assert client.get("/tours/old-town/hidden").status_code == 404
    assert client.get("/api/walk/scenes/hidden").status_code == 404


def test_deleting_a_scene_forgets_its_former_slugs(app, walk: Walk):
    rename_scene(app, walk.scenes["far"].id, "far-end")
    assert former_slugs(app, FormerSceneSlug) == {"far": walk.scenes["far"].id}
    with app.app_context():
        scenes.delete_scene(db.session, walk.scenes["far"].id)
        db.session.commit()
    assert former_slugs(app, FormerSceneSlug) == {}
