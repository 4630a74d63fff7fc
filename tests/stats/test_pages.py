"""The dashboards: ``/edit/statistics`` (editors) and ``/my/shops/<id>/statistics`` (the shop's
owners and editors), their CSV exports, and who may see them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from server.extensions import db
from server.visitor_stats import flush_visits, visit_buffer
from tours import visitor_stats as stats
from tours.models import Role, StatEvent, utcnow

pytestmark = pytest.mark.database

EDITOR = "redaktion@example.org"


def today() -> dt.date:
    return stats.city_day("Europe/Berlin", utcnow())


@pytest.fixture
def counted(app, stats_world):
    """A few days of counts of the world's subjects (and of a made-up one)."""
    w = stats_world
    day, before = today(), today() - dt.timedelta(days=3)
    with app.app_context():
        stats.add_counts(db.session, {
            (day, "tour_view", w.tour_id): 5,
            (day, "scene_view", w.market_id): 8,
            (before, "scene_view", w.hall_id): 2,
            (day, "hotspot_open", w.bakery_hotspot_id): 3,
            (day, "card_open", w.bakery_id): 3,
            (day, "website_click", w.bakery_id): 2,
            (before, "online_shop_click", w.bakery_id): 1,
            (day, "card_open", w.books_id): 4,
            (day, "scene_view", 424_242): 99,
        })
        db.session.commit()
    return w


@pytest.fixture
def editor_client(client, make_user, login):
    make_user(email=EDITOR, role=Role.EDITOR)
    login(client, EDITOR)
    return client


def chart_of(page: str) -> dict:
    start = page.index("data-chart='") + len("data-chart='")
    return json.loads(page[start:page.index("'", start)].replace("&#34;", '"')
                      .replace("&#39;", "'").replace("&amp;", "&"))


def test_editors_see_the_walks_numbers(editor_client, counted):
    response = editor_client.get("/edit/statistics?lang=en")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    chart = chart_of(page)
    assert len(chart["days"]) == 30
    assert chart["days"][-1] == today().isoformat()
    lines = {series["event"]: series["counts"] for series in chart["series"]}
    assert set(lines) == {event.value for event in StatEvent}
    # the made-up scene is not counted
    assert lines["scene_view"][-1] == 8
    assert lines["scene_view"][-4] == 2
    assert sum(lines["card_open"]) == 7
    assert '<li data-event="scene_view"><strong>10</strong> Scene views</li>' in page
    assert f'<tr data-subject="{counted.tour_id}">' in page
    assert "Old town" in page
    assert "Market square" in page
    assert "Book Nook" in page
    assert 'href="/edit/statistics.csv?from=' in page


def test_the_csv_export_lists_every_count_with_its_subject(editor_client, counted):
    start = (today() - dt.timedelta(days=5)).isoformat()
    response = editor_client.get(f"/edit/statistics.csv?from={start}&to={today()}&lang=en")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0] == ["day", "event", "subject_type", "subject_id", "subject_name", "count"]
    body = {(row[1], row[2], int(row[3])): (row[4], int(row[5])) for row in table[1:]}
    assert body[("tour_view", "tour", counted.tour_id)] == ("Old town", 5)
    assert body[("scene_view", "scene", counted.hall_id)] == ("Hall", 2)
    assert body[("hotspot_open", "hotspot", counted.bakery_hotspot_id)] == ("Sun Bakery", 3)
    assert body[("card_open", "shop", counted.books_id)] == ("Book Nook", 4)
    assert len(body) == 8  # the made-up scene is left out


def test_an_owner_sees_their_shops_numbers_only(app, client, login, counted):
    login(client, "anna@bakery.example")
    response = client.get(f"/my/shops/{counted.bakery_id}/statistics?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Visitor statistics: Sun Bakery" in page
    assert '<li data-event="card_open"><strong>3</strong>' in page
    assert '<li data-event="website_click"><strong>2</strong>' in page
    assert '<li data-event="online_shop_click"><strong>1</strong>' in page
    assert '<li data-event="hotspot_open"><strong>3</strong>' in page
    assert '<li data-event="route_request"><strong>0</strong>' in page
    lines = {series["event"] for series in chart_of(page)["series"]}
    assert lines == {"card_open", "website_click", "online_shop_click", "route_request",
                     "hotspot_open"}
    # no city-wide numbers on an owner's page
    assert "Book Nook" not in page
    assert "Old town" not in page
    export = client.get(f"/my/shops/{counted.bakery_id}/statistics.csv")
    assert export.status_code == 200
    names = {row[4] for row in csv.reader(io.StringIO(export.get_data(as_text=True)))}
    assert names == {"subject_name", "Sun Bakery"}
    # another shop, and the city's dashboard, are not theirs
    for url in (f"/my/shops/{counted.books_id}/statistics",
                f"/my/shops/{counted.books_id}/statistics.csv",
                "/edit/statistics", "/edit/statistics.csv"):
        assert client.get(url).status_code in (403, 404), url


def test_editors_see_any_shops_numbers_and_visitors_none(client, editor_client, counted):
    assert editor_client.get(f"/my/shops/{counted.books_id}/statistics").status_code == 200
    editor_client.post("/logout", data={})
    visitor = client.application.test_client()
    for url in ("/edit/statistics", "/edit/statistics.csv",
                f"/my/shops/{counted.bakery_id}/statistics"):
        response = visitor.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("query", ["from=2026-13-01", "to=yesterday",
                                   "from=2026-05-02&to=2026-05-01",
                                   "from=2020-01-01&to=2026-01-01"])
def test_impossible_periods_are_a_clear_400(client, auth_headers, query):
    headers = auth_headers()
    for url in (f"/edit/statistics?{query}&lang=en", f"/edit/statistics.csv?{query}&lang=en"):
        response = client.get(url, headers=headers)
        assert response.status_code == 400, url
        page = response.get_data(as_text=True)
        assert "YYYY-MM-DD" in page or "start date on or before the end date" in page


def test_beacons_reach_the_dashboard_after_the_flush(app, client, editor_client, stats_world):
    visitor = app.test_client()
    response = visitor.post("/api/stats", content_type="text/plain", data=json.dumps(
        {"events": [{"event": "card_open", "subject": stats_world.bakery_id}] * 3}))
    assert response.status_code == 204
    assert visit_buffer(app).waiting() == 3
    flush_visits(app)
    page = editor_client.get("/edit/statistics?lang=en").get_data(as_text=True)
    assert '<li data-event="card_open"><strong>3</strong>' in page


def test_the_dashboards_are_linked_from_the_overview_and_the_shop_page(
        app, editor_client, login, stats_world):
    assert 'href="/edit/statistics"' in editor_client.get("/edit?lang=en").get_data(
        as_text=True)
    owner = app.test_client()
    login(owner, "anna@bakery.example")
    profile = owner.get(f"/my/shops/{stats_world.bakery_id}/edit?lang=en")
    assert f'href="/my/shops/{stats_world.bakery_id}/statistics"' in profile.get_data(
        as_text=True)
