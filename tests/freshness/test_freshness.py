"""Keeping the walk fresh: the dashboard's lists, the link check job against a local web site,
``flask shops check-links``, the editors' page and the owners' reminder at sign-in.

Every test here uses the database, so it runs on PostgreSQL too (``--postgres -m database``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server.config import ConfigError, check_config, load_config
from server.extensions import db
from server.jobs import handler_registry
from server.jobs.worker import Worker
from server.link_check_jobs import _FirstRequest
from tests.freshness.local_site import LocalSite, local_site
from tests.support.accounts import csrf_token_from, log_in
from tours import freshness, hotspots, link_checks
from tours import jobs as job_service
from tours.ingest import TILE_JOB
from tours.link_checker import CheckResult
from tours.models import (
    HotspotStatus,
    Job,
    JobStatus,
    LinkCheck,
    LinkCheckOutcome,
    Offer,
    OfferKind,
    Panorama,
    PanoramaStatus,
    Role,
    Scene,
    Shop,
    utcnow,
)

NOW = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The checker may reach the loopback test site (only tests turn this on), quickly."""
    return {**app_config, "LINK_CHECK_ALLOW_PRIVATE": True, "LINK_CHECK_TIMEOUT_SECONDS": 1.0,
            "LINK_CHECK_DEADLINE_SECONDS": 5.0}


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with local_site() as running:
        yield running


def _set(app: Flask, model: type, row_id: int, **values: Any) -> None:
    with app.app_context():
        row = db.session.get(model, row_id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def _run_jobs(app: Flask) -> int:
    """Run every job that is due now; how many ran."""
    worker = Worker.from_config(app, handler_registry(app), "test")
    ran = 0
    while worker.run_one():
        ran += 1
    return ran


def _checks(app: Flask) -> dict[tuple[str, str], LinkCheck]:
    with app.app_context():
        rows = db.session.execute(select(Shop.slug, LinkCheck).join(
            Shop, LinkCheck.shop_id == Shop.id)).all()
        db.session.expunge_all()
        return {(slug, check.field): check for slug, check in rows}


def _queued(app: Flask) -> list[Job]:
    with app.app_context():
        jobs = db.session.scalars(select(Job).where(
            Job.kind == link_checks.CHECK_LINKS_JOB, Job.status == JobStatus.QUEUED)).all()
        db.session.expunge_all()
        return list(jobs)


def _text(response: Any) -> str:
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


# --- the lists ------------------------------------------------------------------------------


def test_months_are_counted_in_calendar_months():
    assert freshness.months_before(dt.datetime(2026, 3, 31, tzinfo=dt.UTC), 1) == dt.datetime(
        2026, 2, 28, tzinfo=dt.UTC)
    assert freshness.months_before(dt.datetime(2026, 8, 31, tzinfo=dt.UTC), 6).date() == (
        dt.date(2026, 2, 28))
    assert freshness.months_before(dt.datetime(2024, 2, 29, tzinfo=dt.UTC), 12).date() == (
        dt.date(2023, 2, 28))
    assert freshness.months_before(dt.datetime(2026, 1, 15, tzinfo=dt.UTC), 13).date() == (
        dt.date(2024, 12, 15))


def test_the_lists_name_what_went_stale(app, make_shop, make_scene, make_panorama):
    never = make_shop(slug="never-confirmed", status="published")
    long_ago = make_shop(slug="long-ago", status="published")
    recent = make_shop(slug="recently-confirmed", status="published")
    draft = make_shop(slug="a-draft")
    closed = make_shop(slug="closed-shop", status="closed")
    _set(app, Shop, long_ago.id, last_confirmed_at=NOW - dt.timedelta(days=200))
    _set(app, Shop, recent.id, last_confirmed_at=NOW - dt.timedelta(days=20))

    old = make_scene(panorama=make_panorama(captured_at=NOW - dt.timedelta(days=4 * 366)))
    young = make_scene(panorama=make_panorama(captured_at=NOW - dt.timedelta(days=300)))
    undated = make_scene(panorama=make_panorama(captured_at=None))
    _set(app, Scene, undated.id, created_at=NOW - dt.timedelta(days=5 * 365))
    with app.app_context():
        session = db.session
        to_closed = hotspots.add_hotspot(session, young.id, {
            "yaw": 10, "pitch": 0, "kind": "shop", "shop_id": closed.id})
        hotspots.add_hotspot(session, young.id, {
            "yaw": 20, "pitch": 0, "kind": "shop", "shop_id": recent.id})
        hotspots.add_hotspot(session, young.id, {
            "yaw": 30, "pitch": 0, "kind": "shop", "shop_id": draft.id},
            status=HotspotStatus.REQUESTED)
        for shop, ends in ((recent, NOW - dt.timedelta(days=1)),
                           (recent, NOW + dt.timedelta(days=1))):
            session.add(Offer(shop_id=shop.id, kind=OfferKind.OFFER, title={"en": "Sale"},
                              text={}, valid_from=NOW - dt.timedelta(days=10),
                              valid_until=ends))
        failed = job_service.enqueue(session, TILE_JOB, {"panorama_id": 0}, now=NOW)
        failed.status = JobStatus.FAILED
        failed.finished_at = NOW
        job_service.enqueue(session, TILE_JOB, {"panorama_id": 0}, now=NOW)
        shop = session.get(Shop, recent.id)
        shop.website, shop.online_shop_url = "https://recent.example/", "https://shop.example/"
        session.add_all([
            LinkCheck(shop_id=recent.id, field="website", url="https://recent.example/",
                      outcome=LinkCheckOutcome.BROKEN, status_code=404, detail="404"),
            # checked before the owner changed it: no longer counts
            LinkCheck(shop_id=recent.id, field="online_shop_url", url="https://old.example/",
                      outcome=LinkCheckOutcome.UNREACHABLE, detail="timed out")])
        session.commit()

        limits = freshness.Thresholds(NOW, shop_months=6, scene_years=3)
        assert [s.slug for s in freshness.unconfirmed_shops(session, limits).items] == [
            "never-confirmed", "long-ago"]
        hidden = freshness.hotspots_to_hidden_shops(session).items
        assert [(h.id, s.slug) for h, s in hidden] == [(to_closed.id, "closed-shop")]
        assert [o.valid_until for o in freshness.expired_offers(session, limits).items] == [
            NOW - dt.timedelta(days=1)]
        assert [scene.id for scene, _taken in freshness.old_scenes(session, limits).items] == [
            undated.id, old.id]
        assert [job.id for job in freshness.failed_jobs(session).items] == [failed.id]
        assert [(c.field, s.slug) for c, s in freshness.flagged_links(session).items] == [
            ("website", "recently-confirmed")]
        assert freshness.counts(session, limits) == {
            "unconfirmed_shops": 2, "hidden_shop_hotspots": 1, "flagged_links": 1,
            "expired_offers": 1, "old_scenes": 2, "failed_jobs": 1}
        page = freshness.unconfirmed_shops(session, limits, offset=1, limit=1)
        assert ([s.slug for s in page.items], page.total) == (["long-ago"], 2)
    assert never.id


# --- the job --------------------------------------------------------------------------------


def _shops_on(site: LocalSite, make_shop: Any) -> None:
    make_shop(slug="works", status="published", website=site.url("/ok"),
              online_shop_url=site.url("/moved"))
    make_shop(slug="gone", status="published", website=site.url("/missing"),
              online_shop_url=site.url("/error"))
    make_shop(slug="slow", status="published", website=site.url("/hang"))
    make_shop(slug="not-public", website=site.url("/missing"))


def test_the_job_flags_the_broken_links_of_the_test_site(app, site, make_shop, make_user,
                                                         client):
    _shops_on(site, make_shop)
    with app.app_context():
        link_checks.ensure_scheduled(db.session)
        db.session.commit()
    assert _run_jobs(app) == 1
    found = {key: (check.outcome, check.status_code) for key, check in _checks(app).items()}
    assert found == {
        ("works", "website"): (LinkCheckOutcome.OK, 200),
        ("works", "online_shop_url"): (LinkCheckOutcome.OK, 200),
        ("gone", "website"): (LinkCheckOutcome.BROKEN, 404),
        ("gone", "online_shop_url"): (LinkCheckOutcome.BROKEN, 500),
        ("slow", "website"): (LinkCheckOutcome.UNREACHABLE, None),
    }
    # it queued itself once, for when the checks expire (a day by default)
    queued = _queued(app)
    assert len(queued) == 1
    assert queued[0].run_after > utcnow() + dt.timedelta(hours=23)
    assert _run_jobs(app) == 0

    editor = make_user(email="editor@city.example", role=Role.EDITOR)
    log_in(client, editor.email)
    page = _text(client.get("/edit/freshness"))
    assert "3 broken shop links" in page
    for path in ("/missing", "/error", "/hang"):
        assert site.url(path) in page
    assert site.url("/ok") not in page
    broken_only = _text(client.get("/edit/freshness?list=flagged_links"))
    assert site.url("/missing") in broken_only
    assert "Hotspots of shops" not in broken_only


def test_the_job_works_in_batches_and_keeps_one_job_queued(app, site, make_shop):
    app.config["LINK_CHECK_BATCH"] = 2
    _shops_on(site, make_shop)
    with app.app_context():
        link_checks.ensure_scheduled(db.session)
        link_checks.ensure_scheduled(db.session)  # a second process starting: no second job
        db.session.commit()
    assert len(_queued(app)) == 1
    worker = Worker.from_config(app, handler_registry(app), "test")
    assert worker.run_one()
    assert len(_checks(app)) == 2
    queued = _queued(app)
    assert len(queued) == 1
    assert queued[0].run_after <= utcnow()
    assert _run_jobs(app) == 2
    assert len(_checks(app)) == 5
    queued = _queued(app)
    assert len(queued) == 1
    assert queued[0].run_after > utcnow() + dt.timedelta(hours=23)


def test_a_changed_address_is_checked_again_and_the_old_result_no_longer_counts(
        app, site, make_shop):
    make_shop(slug="gone", status="published", website=site.url("/missing"))
    with app.app_context():
        link_checks.ensure_scheduled(db.session)
        db.session.commit()
    _run_jobs(app)
    with app.app_context():
        session = db.session
        assert freshness.flagged_links(session).total == 1
        shop = session.scalars(select(Shop).where(Shop.slug == "gone")).one()
        shop.website = site.url("/ok")
        session.commit()
        assert freshness.flagged_links(session).total == 0
        due = link_checks.due_links(session, checked_before=utcnow() - dt.timedelta(hours=24),
                                    limit=10)
        assert [(link.field, link.url) for link in due] == [("website", site.url("/ok"))]


def test_a_check_is_stored_once_per_shop_and_field(app, make_shop):
    shop = make_shop(status="published", website="https://a.example/")
    link = link_checks.DueLink(shop.id, "website", "https://a.example/")
    with app.app_context():
        link_checks.record_check(db.session, link, CheckResult(LinkCheckOutcome.BROKEN, 404,
                                                               "404"))
        link_checks.record_check(db.session, link, CheckResult(LinkCheckOutcome.OK, 200, "200"))
        db.session.commit()
        rows = db.session.scalars(select(LinkCheck)).all()
        assert [(row.outcome, row.status_code) for row in rows] == [(LinkCheckOutcome.OK, 200)]


def test_check_links_command_checks_now_and_prints_the_results(app, site, make_shop, runner):
    _shops_on(site, make_shop)
    result = runner.invoke(args=["shops", "check-links"])
    assert result.exit_code == 0, result.output
    assert f"gone website {site.url('/missing')}: broken (404)" in result.output
    assert f"works website {site.url('/ok')}: ok (200)" in result.output
    assert "ok: 2, broken: 2, unreachable: 1, refused: 0" in result.output
    assert len(_checks(app)) == 5
    assert len(_queued(app)) == 1  # and the job keeps it up from now on


def test_the_first_request_of_a_process_queues_the_job_once(app, make_app):
    worker_app = make_app(JOB_WORKERS=1, LINK_CHECK_SCHEDULE=True)
    hooks = [hook for hook in worker_app.before_request_funcs[None]
             if isinstance(hook, _FirstRequest)]
    assert len(hooks) == 1
    assert not any(isinstance(hook, _FirstRequest) for hook in app.before_request_funcs[None])
    with worker_app.app_context():
        hooks[0]()
        hooks[0]()
        _FirstRequest(worker_app)()  # another process of the same installation
    assert len(_queued(app)) == 1


def test_a_standing_worker_queues_the_job_when_it_starts(app, make_app):
    worker_app = make_app(JOB_WORKERS=0, LINK_CHECK_SCHEDULE=True)
    hooks = handler_registry(worker_app).start_hooks
    assert len(hooks) == 1
    assert not handler_registry(app).start_hooks  # switched off: nothing to run
    with worker_app.app_context():
        hooks[0](worker_app)
        hooks[0](worker_app)
    assert len(_queued(app)) == 1


def test_private_targets_are_refused_by_the_job_unless_the_tests_allow_them(
        app, site, make_shop):
    app.config["LINK_CHECK_ALLOW_PRIVATE"] = False
    app.extensions.pop("flaneur.link_checker", None)
    make_shop(slug="inside", status="published", website=site.url("/ok"))
    with app.app_context():
        link_checks.ensure_scheduled(db.session)
        db.session.commit()
    before = len(site.requests)
    _run_jobs(app)
    check = _checks(app)[("inside", "website")]
    assert check.outcome is LinkCheckOutcome.REFUSED
    assert site.requests[before:] == []


def test_production_refuses_to_allow_private_targets():
    config = load_config({"FLANEUR_ENV": "production", "SECRET_KEY": "s" * 48,
                          "LINK_CHECK_ALLOW_PRIVATE": "true"}, "/tmp/flaneur-instance")  # noqa: S108
    with pytest.raises(ConfigError, match="LINK_CHECK_ALLOW_PRIVATE"):
        check_config(config)
    assert load_config({}, "/tmp/flaneur-instance")["LINK_CHECK_ALLOW_PRIVATE"] is False  # noqa: S108


# --- the editors' page ------------------------------------------------------------------------


def test_only_editors_see_the_dashboard(app, client, make_user):
    owner = make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    assert client.get("/edit/freshness").status_code in (302, 401)
    log_in(client, owner.email)
    assert client.get("/edit/freshness").status_code == 403
    assert client.post("/edit/freshness/check-links").status_code in (400, 403)


@pytest.mark.parametrize("query", ["?list=nothing", "?page=2", "?list=failed_jobs&page=2",
                                   "?list=old_scenes&page=x"])
def test_bad_dashboard_arguments_are_400(app, client, make_user, query):
    editor = make_user(email="editor@city.example", role=Role.EDITOR)
    log_in(client, editor.email)
    assert client.get(f"/edit/freshness{query}").status_code == 400


def test_check_links_now_queues_one_job_for_everything(app, client, make_user):
    editor = make_user(email="editor@city.example", role=Role.EDITOR)
    log_in(client, editor.email)
    page = client.get("/edit/freshness")
    assert page.headers["Cache-Control"] == "no-store"
    token = csrf_token_from(page.get_data(as_text=True))
    assert client.post("/edit/freshness/check-links", data={}).status_code == 400  # no CSRF
    for _ in range(2):
        response = client.post("/edit/freshness/check-links", data={"csrf_token": token})
        assert response.status_code == 302
    queued = _queued(app)
    assert len(queued) == 1
    assert link_checks.CHECKED_BEFORE in queued[0].payload
    assert "being checked" in _text(client.get("/edit/freshness"))


def test_a_failed_tiling_can_be_repeated_from_the_dashboard(app, client, make_user,
                                                            make_panorama):
    panorama = make_panorama(status=PanoramaStatus.FAILED, current_revision=None)
    with app.app_context():
        failed = job_service.enqueue(db.session, TILE_JOB, {"panorama_id": panorama.id})
        failed.status = JobStatus.FAILED
        other = job_service.enqueue(db.session, "sweep_panoramas", {})
        other.status = JobStatus.FAILED
        db.session.commit()
        failed_id, other_id = failed.id, other.id
    editor = make_user(email="editor@city.example", role=Role.EDITOR)
    log_in(client, editor.email)
    page = client.get("/edit/freshness?list=failed_jobs")
    token = csrf_token_from(page.get_data(as_text=True))
    assert f"/edit/freshness/jobs/{failed_id}/retile" in page.get_data(as_text=True)
    assert client.post(f"/edit/freshness/jobs/{other_id}/retile",
                       data={"csrf_token": token}).status_code == 404
    assert client.post("/edit/freshness/jobs/999999/retile",
                       data={"csrf_token": token}).status_code == 404
    response = client.post(f"/edit/freshness/jobs/{failed_id}/retile",
                           data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Panorama, panorama.id).status is PanoramaStatus.QUEUED
        assert db.session.scalar(select(Job).where(
            Job.kind == TILE_JOB, Job.status == JobStatus.QUEUED)) is not None


def test_the_editor_overview_links_to_the_dashboard_with_a_count(app, client, make_user,
                                                                 make_shop):
    make_shop(status="published")
    editor = make_user(email="editor@city.example", role=Role.EDITOR)
    log_in(client, editor.email)
    page = _text(client.get("/edit"))
    assert "Keeping the walk fresh (1 to look at)" in page
    assert 'href="/edit/freshness"' in page


# --- the owners' reminder -----------------------------------------------------------------------


def test_an_owner_is_reminded_at_sign_in_until_the_shop_is_confirmed(app, client, make_user,
                                                                      make_shop):
    owner = make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    shop = make_shop(owners=(owner,), slug="sun-bakery", status="published")
    make_shop(owners=(owner,), slug="a-draft")  # drafts are not reminded of
    page = _text(client.get(log_in(client, owner.email).headers["Location"]))
    assert "Please confirm that the details of Sun Bakery are still correct." in page
    assert f'href="/my/shops/{shop.id}/edit"' in page
    assert page.count("Please confirm") == 1

    edit = client.get(f"/my/shops/{shop.id}/edit")
    token = csrf_token_from(edit.get_data(as_text=True))
    assert client.post(f"/my/shops/{shop.id}/confirm",
                       data={"csrf_token": token}).status_code == 302
    client.post("/logout", data={"csrf_token": token})
    page = _text(client.get(log_in(client, owner.email).headers["Location"]))
    assert "You are signed in." in page
    assert "Please confirm" not in page


def test_an_owner_is_told_about_a_broken_link(app, client, make_user, make_shop):
    owner = make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    shop = make_shop(owners=(owner,), status="published", website="https://sun.example/")
    _set(app, Shop, shop.id, last_confirmed_at=utcnow())
    with app.app_context():
        db.session.add(LinkCheck(shop_id=shop.id, field="website", url="https://sun.example/",
                                 outcome=LinkCheckOutcome.BROKEN, status_code=404, detail="404"))
        db.session.commit()
    page = _text(client.get(log_in(client, owner.email).headers["Location"]))
    assert "The address given as “Website” of Sun Bakery did not work" in page
    assert "Please confirm" not in page


def test_other_owners_and_editors_get_no_reminder(app, client, make_user, make_shop):
    owner = make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    other = make_user(email="other@shop.example", role=Role.SHOP_OWNER)
    make_shop(owners=(owner,), status="published")
    page = _text(client.get(log_in(client, other.email).headers["Location"]))
    assert "You are signed in." in page
    assert "Please confirm" not in page


def test_one_queued_job_keeps_the_latest_request_to_check_everything(app):
    earlier, later = NOW - dt.timedelta(hours=1), NOW
    with app.app_context():
        session = db.session
        link_checks.ensure_scheduled(session, now=NOW + dt.timedelta(hours=5))
        job = link_checks.check_everything_now(session, now=later)
        # a run that started earlier queues its continuation: the later request still counts
        again = link_checks.schedule(session, run_after=earlier, payload={
            link_checks.CHECKED_BEFORE: earlier.isoformat()})
        session.commit()
        assert again.id == job.id
        assert job.run_after == earlier
        assert job.payload[link_checks.CHECKED_BEFORE] == later.isoformat()
        assert link_checks.checked_before(job.payload, interval=dt.timedelta(hours=24),
                                          now=NOW + dt.timedelta(minutes=1)) == later
        assert link_checks.checked_before({link_checks.CHECKED_BEFORE: "yesterday"},
                                          interval=dt.timedelta(hours=24), now=NOW) == (
            NOW - dt.timedelta(hours=24))
    assert len(_queued(app)) == 1
