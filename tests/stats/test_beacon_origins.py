"""``POST /api/stats`` and visitors' image reports: an ``Origin`` header that is no URL at all
is another site's (403), never a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.database

BODY = b'{"events": [{"event": "scene_view", "subject": 1}]}'


@pytest.mark.parametrize("origin", ["http://[", "http://[::1", "https://[v1.x]:80"])
def test_an_origin_that_is_no_url_is_refused_not_a_crash(client, origin) -> None:
    response = client.post("/api/stats", data=BODY, content_type="text/plain",
                           headers={"Origin": origin})

    assert response.status_code == 403
    assert response.get_json()["message"] == "Counts can only be sent from this site."


def test_the_own_origin_is_still_taken(client) -> None:
    response = client.post("/api/stats", data=BODY, content_type="text/plain",
                           headers={"Origin": "http://localhost"})

    assert response.status_code == 204
