"""``/report/<scene>``: "report this image" as a plain HTML form, for visitors without scripts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import db
from tours.models import ImageReport, ReportStatus

pytestmark = pytest.mark.database

SAME_SITE = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}


def reports(app) -> list[ImageReport]:
    with app.app_context():
        found = list(db.session.scalars(select(ImageReport).order_by(ImageReport.id)))
        db.session.expunge_all()
        return found


def test_a_visitor_without_scripts_reports_the_view_they_had(app, client, walk):
    form = client.get("/report/market?tour=old-town&yaw=12.5&pitch=-4&zoom=60&lang=en")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "Report this image: Market square" in page
    assert "Your report is sent with the view you were looking at." in page
    assert 'href="/text/tours/old-town#scene-market"' in page
    # a visitor's page makes no session (?lang= remembers the language, nothing else)
    assert "session" not in form.headers.get("Set-Cookie", "")
    sent = client.post("/report/market?lang=en", headers=SAME_SITE, data={
        "reason": "person", "comment": "My face, by the fountain", "tour": "old-town",
        "yaw": "12.5", "pitch": "-4", "zoom": "60"})
    assert sent.status_code == 200
    assert "Thank you. The city&#39;s editors will look at this image soon." in \
        sent.get_data(as_text=True)
    assert "session" not in sent.headers.get("Set-Cookie", "")
    [stored] = reports(app)
    assert stored.reason.value == "person"
    assert stored.comment == "My face, by the fountain"
    assert stored.view == {"yaw": 12.5, "pitch": -4.0, "zoom": 60.0}
    assert stored.status is ReportStatus.OPEN


def test_a_missing_reason_keeps_the_comment_and_stores_nothing(app, client, walk):
    answer = client.post("/report/market?lang=en", headers=SAME_SITE,
                         data={"reason": "", "comment": "Please blur the car"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Choose a reason." in page
    assert "Please blur the car</textarea>" in page
    assert reports(app) == []


@pytest.mark.parametrize("data", [
    {"reason": "weather"},
    {"reason": "person", "comment": "x" * 1001},
])
def test_refused_values_answer_422_with_the_reason(app, client, walk, data):
    answer = client.post("/report/market?lang=en", headers=SAME_SITE, data=data)
    assert answer.status_code == 422
    assert 'class="error"' in answer.get_data(as_text=True)
    assert reports(app) == []


def test_a_view_out_of_range_is_left_out_not_refused(app, client, walk):
    answer = client.post("/report/market", headers=SAME_SITE,
                         data={"reason": "licence_plate", "yaw": "720", "pitch": "0",
                               "zoom": "50"})
    assert answer.status_code == 200
    [stored] = reports(app)
    assert stored.view is None


@pytest.mark.parametrize("scene", ["hidden", "unready", "no-such-scene"])
def test_scenes_visitors_cannot_open_answer_404(app, client, walk, scene):
    assert client.get(f"/report/{scene}").status_code == 404
    assert client.post(f"/report/{scene}", headers=SAME_SITE,
                       data={"reason": "person"}).status_code == 404
    assert reports(app) == []


def test_another_site_cannot_make_its_visitors_report(app, client, walk):
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "null"}):
        assert client.post("/report/market", headers=headers,
                           data={"reason": "person"}).status_code == 403
    assert reports(app) == []


def test_a_tour_that_is_not_public_gets_no_back_link(client, walk):
    page = client.get("/report/market?tour=secret").get_data(as_text=True)
    assert "/text/tours/secret" not in page


def test_the_text_version_and_the_noscript_walk_link_to_the_form(client, walk):
    text = client.get("/text/tours/old-town").get_data(as_text=True)
    assert 'href="/report/market?tour=old-town"' in text
    walk_page = client.get("/tours/old-town/market?yaw=10&pitch=5&zoom=40").get_data(
        as_text=True)
    assert "/report/market?tour=old-town" in walk_page


def test_reports_are_limited_per_client(make_app, walk):
    app = make_app(IMAGE_REPORT_RATE_LIMIT="1 per hour")
    client = app.test_client()
    assert client.post("/report/market", headers=SAME_SITE,
                       data={"reason": "person"}).status_code == 200
    refused = client.post("/report/market?lang=en", headers=SAME_SITE,
                          data={"reason": "person"})
    assert refused.status_code == 429
    assert "several reports in a short time" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
