"""The freshness dashboard's lists read what each row shows at once: an expired offer's shop
and a failed tiling job's panorama are not fetched row by row (N+1), however long the page."""

from __future__ import annotations

import datetime as dt

import pytest

from server.extensions import db
from tests.support.accounts import log_in
from tests.support.queries import counted_queries
from tours import jobs as job_service
from tours.ingest import TILE_JOB
from tours.models import JobStatus, Offer, OfferKind, PanoramaStatus, Role, utcnow

pytestmark = pytest.mark.database


def add_stale(app, make_shop, make_panorama, number: int) -> None:
    """``number`` shops with an expired offer each, and as many failed tilings."""
    now = utcnow()
    shops = [make_shop(slug=f"shop-{number}-{index}") for index in range(number)]
    panoramas = [make_panorama(status=PanoramaStatus.FAILED, current_revision=None)
                 for _index in range(number)]
    with app.app_context():
        session = db.session
        for shop in shops:
            session.add(Offer(shop_id=shop.id, kind=OfferKind.OFFER, title={"en": "Sale"},
                              text={}, valid_from=now - dt.timedelta(days=10),
                              valid_until=now - dt.timedelta(days=1)))
        for panorama in panoramas:
            job = job_service.enqueue(session, TILE_JOB, {"panorama_id": panorama.id})
            job.status = JobStatus.FAILED
        session.commit()


@pytest.mark.parametrize("listing", ["expired_offers", "failed_jobs"])
def test_a_list_costs_the_same_queries_for_one_row_or_many(app, client, make_user, make_shop,
                                                           make_panorama, listing) -> None:
    log_in(client, make_user(email="editor@city.example", role=Role.EDITOR).email)
    url = f"/edit/freshness?list={listing}"
    add_stale(app, make_shop, make_panorama, 1)
    with counted_queries(app) as one:
        assert client.get(url).status_code == 200
    add_stale(app, make_shop, make_panorama, 6)

    with counted_queries(app) as seven:
        page = client.get(url)

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    if listing == "expired_offers":
        assert text.count("Open the shop") == 7
    else:
        assert text.count("/retile") == 7
    assert len(seven) == len(one)
