"""``POST /api/stats``: the viewer's beacon. Anonymous, no cookie, bad input refused clearly;
the counts wait in the process's buffer until a flush writes them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from server.extensions import db
from server.visitor_stats import flush_visits, visit_buffer
from tours.models import DailyCount, Role

pytestmark = pytest.mark.database

URL = "/api/stats"


def beacon(client, events, **options):
    return client.post(URL, data=json.dumps({"events": events}),
                       content_type=options.pop("content_type", "text/plain;charset=UTF-8"),
                       **options)


def counts(app) -> dict[tuple[str, int], int]:
    with app.app_context():
        rows = db.session.execute(select(DailyCount.event, DailyCount.subject_id,
                                         DailyCount.count)).all()
        db.session.remove()
    return {(event, subject): count for event, subject, count in rows}


def test_a_beacon_is_counted_after_the_flush_and_sets_no_cookie(app, client):
    response = beacon(client, [{"event": "scene_view", "subject": 12},
                               {"event": "scene_view", "subject": 12},
                               {"event": "card_open", "subject": 3}])
    assert response.status_code == 204
    assert response.get_data() == b""
    assert "Set-Cookie" not in response.headers
    # JSON is taken as well as the beacon's plain text
    response = beacon(client, [{"event": "tour_view", "subject": 1}],
                      content_type="application/json")
    assert response.status_code == 204
    # nothing was written on the request's path
    assert counts(app) == {}
    assert visit_buffer(app).waiting() == 4
    assert flush_visits(app) == 3
    assert counts(app) == {("scene_view", 12): 2, ("card_open", 3): 1, ("tour_view", 1): 1}
    assert flush_visits(app) == 0


def test_a_signed_in_visitor_gets_no_cookie_either(app, client, make_user, login):
    make_user(email="editor@example.org", role=Role.EDITOR)
    login(client, "editor@example.org")
    response = beacon(client, [{"event": "scene_view", "subject": 1}])
    assert response.status_code == 204
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(("body", "field"), [
    ({"events": [{"event": "page_view", "subject": 1}]}, "event"),
    ({"events": [{"event": "scene_view", "subject": 0}]}, "subject"),
    ({"events": [{"event": "scene_view", "subject": -4}]}, "subject"),
    ({"events": [{"event": "scene_view", "subject": 2**31}]}, "subject"),
    ({"events": [{"event": "scene_view", "subject": "12"}]}, "subject"),
    ({"events": [{"event": "scene_view", "subject": 1.5}]}, "subject"),
    ({"events": [{"event": "scene_view", "subject": True}]}, "subject"),
    ({"events": [{"event": "scene_view"}]}, "subject"),
    ({"events": [{"event": "scene_view", "subject": 1, "ip": "1.2.3.4"}]}, "ip"),
    ({"events": []}, "events"),
    ({"events": [{"event": "scene_view", "subject": 1}] * 51}, "events"),
    ({"events": "scene_view"}, "events"),
    ({}, "events"),
    ([], "events"),
    ("scene_view", "events"),
])
def test_invalid_counts_are_refused_with_422(app, client, body, field):
    response = client.post(URL, data=json.dumps(body), content_type="text/plain")
    assert response.status_code == 422, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["message"]
    assert field in json.dumps(answer["errors"])
    assert visit_buffer(app).waiting() == 0


def test_malformed_or_foreign_requests_are_refused_clearly(app, client):
    broken = client.post(URL, data="{not json", content_type="text/plain")
    assert broken.status_code == 400
    assert broken.get_json()["message"] == "The counts are not valid JSON."
    nested = client.post(URL, data="[" * 8000, content_type="text/plain")
    assert nested.status_code == 400
    not_text = client.post(URL, data=b"\xff\xfe{}", content_type="text/plain")
    assert not_text.status_code == 400
    form = client.post(URL, data={"events": "x"})
    assert form.status_code == 415
    huge = client.post(URL, data=json.dumps({"events": [], "pad": "x" * 9000}),
                       content_type="text/plain")
    assert huge.status_code == 413
    foreign = beacon(client, [{"event": "scene_view", "subject": 1}],
                     headers={"Sec-Fetch-Site": "cross-site"})
    assert foreign.status_code == 403
    other_origin = beacon(client, [{"event": "scene_view", "subject": 1}],
                          headers={"Origin": "https://elsewhere.example"})
    assert other_origin.status_code == 403
    same_origin = beacon(client, [{"event": "scene_view", "subject": 1}],
                         headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert same_origin.status_code == 204
    assert visit_buffer(app).waiting() == 1


@pytest.fixture
def app_config(app_config):
    return {**app_config, "STATS_RATE_LIMIT": "3 per minute"}


def test_beacons_are_limited_per_client(app, client):
    events = [{"event": "scene_view", "subject": 1}]
    assert [beacon(client, events).status_code for _ in range(3)] == [204] * 3
    refused = beacon(client, events)
    assert refused.status_code == 429
    assert refused.get_json()["message"] == "Too many counts from this client."
    # another address is counted on its own
    assert beacon(client, events, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 204
    flush_visits(app)
    assert counts(app) == {("scene_view", 1): 4}
