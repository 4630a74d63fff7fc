"""Shop owners and hotspots: who may place what where (``tours.hotspot_access``), owners'
requests and the editors' decisions (``tours.hotspot_requests``), through the services and
the API."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from tests.support.accounts import bearer_headers
from tours import hotspot_access, hotspot_requests, hotspots, links, tour_service
from tours.hotspot_access import HotspotMode
from tours.models import AuditEvent, HotspotStatus, Role, Scene, ShopStatus, User
from tours.validation import VersionConflict


@dataclass(frozen=True)
class World:
    street: int
    back_street: int
    hidden: int
    interior: int
    own_shop: int
    other_shop: int
    closed_shop: int
    editor: int
    owner: int
    stranger: int
    other_owner: int
    closed_owner: int
    #: an editor's hotspot of the other shop inside the owner's interior
    foreign_in_interior: int


SHOP_AT = {"yaw": 10.0, "pitch": 2.0, "kind": "shop"}
INFO = {"yaw": 20.0, "pitch": 0.0, "kind": "info", "text": {"en": "Since 1900"},
        "label": {"en": "Our story"}}


def publish_walk(session, *scene_ids: int) -> None:
    """A published tour stopping at ``scene_ids``: they (and what links reach) are public."""
    tour = tour_service.create_tour(session, {"slug": "old-town", "title": {"en": "Old"}})
    for scene_id in scene_ids:
        tour_service.add_stop(session, tour.id, {"scene_id": scene_id})
    tour_service.update_tour(session, tour.id, {"status": "published"})


@pytest.fixture
def world(app: Flask, make_user, make_shop, make_panorama, make_scene) -> World:
    editor = make_user(email="editor@city.example", role=Role.EDITOR)
    owner = make_user(email="anna@shop.example", role=Role.SHOP_OWNER)
    other_owner = make_user(email="bert@shop.example", role=Role.SHOP_OWNER)
    closed_owner = make_user(email="carl@shop.example", role=Role.SHOP_OWNER)
    stranger = make_user(email="dora@shop.example", role=Role.SHOP_OWNER)
    own = make_shop(owners=(owner,), slug="anna-books", status=ShopStatus.PUBLISHED,
                    name={"en": "Anna's books"})
    other = make_shop(owners=(other_owner,), slug="bert-bakery", status=ShopStatus.PUBLISHED)
    closed = make_shop(owners=(closed_owner,), slug="carl-closed", status=ShopStatus.CLOSED)
    panorama = make_panorama()
    street = make_scene(panorama, slug="street")
    back_street = make_scene(panorama, slug="back-street")
    hidden = make_scene(panorama, slug="hidden")
    interior = make_scene(panorama, slug="anna-books-interior")
    with app.app_context():
        session = db.session
        session.get(Scene, interior.id).shop_id = own.id
        links.add_link(session, street.id, {"to_scene_id": back_street.id, "bearing": 90})
        publish_walk(session, street.id)
        foreign = hotspots.add_hotspot(session, interior.id, {**SHOP_AT, "shop_id": other.id})
        session.commit()
        return World(street.id, back_street.id, hidden.id, interior.id, own.id, other.id,
                     closed.id, editor.id, owner.id, stranger.id, other_owner.id,
                     closed_owner.id, foreign.id)


def user(session, user_id: int) -> User:
    return session.get(User, user_id)


def test_the_mode_of_each_account(session, world, make_user):
    admin = make_user(email="admin@city.example", role=Role.ADMIN)
    modes = {}
    for name, account in (("editor", world.editor), ("admin", admin.id),
                          ("owner", world.owner), ("other owner", world.other_owner),
                          ("owner of a closed shop", world.closed_owner),
                          ("owner without a shop", world.stranger)):
        modes[name] = [hotspot_access.hotspot_mode(user(session, account),
                                                   session.get(Scene, scene_id))
                       for scene_id in (world.street, world.back_street, world.hidden,
                                        world.interior)]
    assert modes == {
        "editor": [HotspotMode.EDIT] * 4,
        "admin": [HotspotMode.EDIT] * 4,
        # the walk's streets (reached by a link too) are requests; the own interior is theirs
        "owner": ["request", "request", None, "edit"],
        "other owner": ["request", "request", None, None],
        "owner of a closed shop": [None] * 4,
        "owner without a shop": [None] * 4,
    }


def test_another_shops_interior_linked_into_the_walk_is_no_street(session, world):
    """Once editors link an interior into the walk, visitors can open it, but it stays its
    shop's: other owners cannot ask for hotspots there."""
    links.add_link(session, world.street, {"to_scene_id": world.interior, "bearing": 180})
    session.flush()
    interior = session.get(Scene, world.interior)
    assert hotspot_access.hotspot_mode(user(session, world.other_owner), interior) is None
    assert hotspot_access.hotspot_mode(user(session, world.owner), interior) == "edit"


def test_an_owner_places_freely_in_their_interior_but_only_their_own_shop(session, world):
    owner = user(session, world.owner)
    info = hotspot_requests.place(session, owner, world.interior, INFO)
    own = hotspot_requests.place(session, owner, world.interior,
                                 {**SHOP_AT, "shop_id": world.own_shop})
    assert (info.status, own.status) == (HotspotStatus.APPROVED, HotspotStatus.APPROVED)
    with pytest.raises(hotspot_access.OwnShopsOnly):
        hotspot_requests.place(session, owner, world.interior,
                               {**SHOP_AT, "shop_id": world.other_shop})
    # an info hotspot of theirs cannot become another shop's either
    with pytest.raises(hotspot_access.OwnShopsOnly):
        hotspot_requests.change(session, owner, info.id,
                                {"kind": "shop", "shop_id": world.other_shop})
    moved = hotspot_requests.change(session, owner, info.id, {"yaw": 45.0})
    assert moved.yaw == 45.0


def test_an_owner_cannot_touch_another_shops_hotspot_in_their_interior(session, world):
    owner = user(session, world.owner)
    with pytest.raises(hotspot_access.NotYourHotspot):
        hotspot_requests.change(session, owner, world.foreign_in_interior, {"yaw": 1.0})
    with pytest.raises(hotspot_access.NotYourHotspot):
        hotspot_requests.remove(session, owner, world.foreign_in_interior)
    # they still see it (it is in their scene)
    found, mode = hotspot_requests.hotspots_for(session, owner, world.interior)
    assert mode == "edit"
    assert [spot.id for spot in found] == [world.foreign_in_interior]


def test_in_a_street_an_owner_only_requests_their_own_shop(session, world):
    owner = user(session, world.owner)
    with pytest.raises(hotspot_access.RequestOwnShopOnly):
        hotspot_requests.place(session, owner, world.street, INFO)
    with pytest.raises(hotspot_access.RequestOwnShopOnly):
        hotspot_requests.place(session, owner, world.street,
                               {**SHOP_AT, "shop_id": world.other_shop})
    with pytest.raises(hotspot_access.RequestOwnShopOnly):
        hotspot_requests.place(session, owner, world.street, {**SHOP_AT, "shop_id": [1]})
    request = hotspot_requests.place(session, owner, world.street,
                                     {**SHOP_AT, "shop_id": world.own_shop})
    assert request.status is HotspotStatus.REQUESTED
    assert (request.decided_by_id, request.decided_at) == (None, None)
    # they may move their request, but not turn it into an info hotspot
    assert hotspot_requests.change(session, owner, request.id, {"pitch": -3.0}).pitch == -3.0
    with pytest.raises(hotspot_access.RequestOwnShopOnly):
        hotspot_requests.change(session, owner, request.id, {**INFO})


def test_owners_never_set_a_status(session, world):
    owner = user(session, world.owner)
    with pytest.raises(hotspot_access.EditorsDecide):
        hotspot_requests.place(session, owner, world.interior, {**INFO, "status": "approved"})
    request = hotspot_requests.place(session, owner, world.street,
                                     {**SHOP_AT, "shop_id": world.own_shop})
    with pytest.raises(hotspot_access.EditorsDecide):
        hotspot_requests.change(session, owner, request.id, {}, status="approved")
    with pytest.raises(hotspot_access.EditorsDecide):
        hotspot_requests.decide(session, owner, request.id, approve=True)


def test_an_approved_street_hotspot_is_the_editors(session, world):
    owner = user(session, world.owner)
    editor = user(session, world.editor)
    request = hotspot_requests.place(session, owner, world.street,
                                     {**SHOP_AT, "shop_id": world.own_shop})
    hotspot_requests.decide(session, editor, request.id, approve=True)
    with pytest.raises(hotspot_access.NotYourHotspot):
        hotspot_requests.change(session, owner, request.id, {"yaw": 0.0})
    with pytest.raises(hotspot_access.NotYourHotspot):
        hotspot_requests.remove(session, owner, request.id)


def test_accounts_without_a_mode_are_refused(session, world):
    for account, scene_id in ((world.stranger, world.street), (world.owner, world.hidden),
                              (world.other_owner, world.interior),
                              (world.closed_owner, world.street)):
        with pytest.raises(hotspot_access.NotYourScene):
            hotspot_requests.hotspots_for(session, user(session, account), scene_id)


def test_an_editor_decides_and_the_decision_is_audited(session, world):
    owner = user(session, world.owner)
    editor = user(session, world.editor)
    request = hotspot_requests.place(session, owner, world.street,
                                     {**SHOP_AT, "shop_id": world.own_shop})
    session.commit()
    assert hotspot_requests.waiting(session) == ([request], 1)
    with pytest.raises(VersionConflict):
        hotspot_requests.decide(session, editor, request.id, approve=False,
                                expected_version=request.version - 1)
    hotspot_requests.decide(session, editor, request.id, approve=False,
                            expected_version=request.version)
    session.commit()
    assert request.status is HotspotStatus.REJECTED
    assert request.decided_by_id == editor.id
    assert request.decided_at is not None
    assert hotspot_requests.waiting(session) == ([], 0)
    assert hotspot_requests.requests_of_shop(session, world.own_shop) == [request]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "hotspot.rejected"))
    assert (event.actor_id, event.target_id) == (editor.id, str(request.id))
    # the owner changes it: it waits again, with no decision
    hotspot_requests.change(session, owner, request.id, {"yaw": 12.0})
    assert request.status is HotspotStatus.REQUESTED
    assert request.decided_at is None
    # in a street they see their own requests, not another owner's
    other = user(session, world.other_owner)
    others = hotspot_requests.place(session, other, world.street,
                                    {**SHOP_AT, "shop_id": world.other_shop})
    seen, _mode = hotspot_requests.hotspots_for(session, owner, world.street)
    assert [spot.id for spot in seen] == [request.id]
    seen, _mode = hotspot_requests.hotspots_for(session, editor, world.street)
    assert {spot.id for spot in seen} == {request.id, others.id}


# --- the API ------------------------------------------------------------------------------


def headers_of(app, account_id: int) -> dict[str, str]:
    with app.app_context():
        account = db.session.get(User, account_id)
        db.session.expunge(account)
    return bearer_headers(app, account)


def test_an_owners_request_through_the_api(app, client, world):
    owner = headers_of(app, world.owner)
    editor = headers_of(app, world.editor)
    answer = client.post(f"/api/scenes/{world.street}/hotspots", headers=owner,
                         json={**SHOP_AT, "shop_id": world.own_shop})
    assert answer.status_code == 201, answer.get_json()
    created = answer.get_json()
    assert (created["status"], created["decided_at"]) == ("requested", None)
    refused = client.post(f"/api/scenes/{world.street}/hotspots", headers=owner, json=INFO)
    assert refused.status_code == 403
    assert client.patch(f"/api/hotspots/{created['id']}", headers=owner,
                        json={"status": "approved"}).status_code == 403
    moved = client.patch(f"/api/hotspots/{created['id']}", headers=owner,
                         json={"yaw": 30, "version": created["version"]})
    assert moved.status_code == 200
    assert moved.get_json()["yaw"] == 30
    # an editor's decision with the version it saw, then a stale one
    approved = client.patch(f"/api/hotspots/{created['id']}", headers=editor,
                            json={"status": "approved", "version": moved.get_json()["version"]})
    assert approved.status_code == 200
    body = approved.get_json()
    assert body["status"] == "approved"
    assert body["decided_by_id"] == world.editor
    stale = client.patch(f"/api/hotspots/{created['id']}", headers=editor,
                         json={"yaw": 1, "version": created["version"]})
    assert stale.status_code == 409
    assert client.delete(f"/api/hotspots/{created['id']}", headers=owner).status_code == 403


def test_owners_outside_their_mode_get_403(app, client, world):
    stranger = headers_of(app, world.stranger)
    other = headers_of(app, world.other_owner)
    assert client.get(f"/api/scenes/{world.street}/hotspots",
                      headers=stranger).status_code == 403
    assert client.get(f"/api/scenes/{world.interior}/hotspots", headers=other).status_code == 403
    # refused before the body is read
    assert client.post(f"/api/scenes/{world.interior}/hotspots", headers=other,
                       json={}).status_code == 403
    assert client.patch(f"/api/hotspots/{world.foreign_in_interior}", headers=other,
                        json={"yaw": 3}).status_code == 403
    owner = headers_of(app, world.owner)
    assert client.patch(f"/api/hotspots/{world.foreign_in_interior}", headers=owner,
                        json={"yaw": 3}).status_code == 403
    listed = client.get(f"/api/scenes/{world.interior}/hotspots", headers=owner)
    assert [spot["id"] for spot in listed.get_json()] == [world.foreign_in_interior]


def test_an_owner_edits_their_interior_with_versions(app, client, world):
    owner = headers_of(app, world.owner)
    created = client.post(f"/api/scenes/{world.interior}/hotspots", headers=owner, json=INFO)
    assert created.status_code == 201
    assert created.get_json()["status"] == "approved"
    spot = created.get_json()
    first = client.patch(f"/api/hotspots/{spot['id']}", headers=owner,
                         json={"label": {"en": "Story", "de": "Geschichte"},
                               "version": spot["version"]})
    assert first.status_code == 200
    second = client.patch(f"/api/hotspots/{spot['id']}", headers=owner,
                          json={"label": {"en": "Lost"}, "version": spot["version"]})
    assert second.status_code == 409
    assert client.delete(f"/api/hotspots/{spot['id']}?version={spot['version']}",
                         headers=owner).status_code == 409
    assert client.delete(f"/api/hotspots/{spot['id']}?version={first.get_json()['version']}",
                         headers=owner).status_code == 204


def test_a_scene_that_no_longer_exists_is_404(app, client, world):
    owner = headers_of(app, world.owner)
    assert client.get("/api/scenes/999999/hotspots", headers=owner).status_code == 404
    assert client.patch("/api/hotspots/999999", headers=owner, json={}).status_code == 404
