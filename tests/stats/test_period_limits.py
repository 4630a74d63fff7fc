"""The dashboards' period: dates at the calendar's ends (year 1, year 9999) are refused with a
400 that says which dates work, like any other refused period — never an overflow."""

from __future__ import annotations

import pytest

from tours.models import Role

pytestmark = pytest.mark.database

EDITOR = "redaktion@example.org"


@pytest.fixture
def editor_client(client, make_user, login):
    make_user(email=EDITOR, role=Role.EDITOR)
    login(client, EDITOR)
    return client


@pytest.mark.parametrize("query", [
    "to=0001-01-01", "from=0001-01-01", "from=9999-12-31", "to=9999-12-31",
    "from=0001-01-01&to=0001-01-05", "from=1999-12-31&to=2000-01-05",
])
def test_dates_at_the_calendars_ends_are_refused_clearly(editor_client, stats_world,
                                                         query) -> None:
    for url in ("/edit/statistics", f"/my/shops/{stats_world.bakery_id}/statistics"):
        response = editor_client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        # the dashboard with the default period, and why the asked one was not shown
        assert "Enter a date from 2000-01-01 to 2099-12-31." in response.get_data(as_text=True)
    for url in ("/edit/statistics.csv", f"/my/shops/{stats_world.bakery_id}/statistics.csv"):
        response = editor_client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert "Enter a date from 2000-01-01 to 2099-12-31." in response.get_data(as_text=True)


def test_dates_inside_the_range_still_work(editor_client, stats_world) -> None:
    response = editor_client.get("/edit/statistics?from=2000-01-01&to=2000-01-31")

    assert response.status_code == 200
