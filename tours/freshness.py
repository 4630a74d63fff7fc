"""What in the walk is going stale: the lists of the editors' freshness dashboard and the
reminders shown to shop owners.

Each list is a query with a bounded page (``offset``/``limit``) and its total, so the dashboard
stays fast however much has piled up:

- published shops nobody confirmed for ``months`` (or ever);
- approved hotspots that open a shop visitors cannot see (closed, or not published);
- offers and events whose end has passed but which are still stored;
- scenes whose panorama was taken (or, without a capture time, the scene made) ``years`` ago;
- failed background jobs, the latest first;
- shop web addresses the link checker flagged, as long as the shop still shows that address.

Like every service here these functions read only; nothing is flushed or committed.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from tours.models import (
    Hotspot,
    HotspotKind,
    HotspotStatus,
    Job,
    JobStatus,
    LinkCheck,
    LinkCheckOutcome,
    Offer,
    Panorama,
    Scene,
    Shop,
    ShopStatus,
    User,
    shop_owner,
    utcnow,
)

DEFAULT_SHOP_MONTHS = 6
DEFAULT_SCENE_YEARS = 3
#: the addresses a shop has that the link checker looks at, by column name
LINK_FIELDS = ("website", "online_shop_url")


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` moved back ``months`` calendar months (31 March − 1 month = 28/29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class Thresholds:
    """Where "stale" begins: shops unconfirmed for ``shop_months``, scenes ``scene_years``
    old, both counted back from ``now``."""

    now: dt.datetime
    shop_months: int = DEFAULT_SHOP_MONTHS
    scene_years: int = DEFAULT_SCENE_YEARS

    @property
    def confirmed_before(self) -> dt.datetime:
        return months_before(self.now, self.shop_months)

    @property
    def taken_before(self) -> dt.datetime:
        return months_before(self.now, 12 * self.scene_years)


@dataclass(frozen=True)
class Listing:
    """One page of a list and the size of the whole list."""

    items: list[Any]
    total: int


def _page(session: Session, query: Select[Any], offset: int, limit: int,
          *, rows: bool = False, options: tuple[Any, ...] = ()) -> Listing:
    """``options``: loader options of the page's rows (what the dashboard shows of each, read
    at once rather than row by row)."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = query.offset(max(0, offset)).limit(max(0, limit)).options(*options)
    items = [tuple(row) for row in session.execute(page)] if rows else list(session.scalars(page))
    return Listing(items, total or 0)


# --- the queries (shared by the lists, the counts and the owners' reminders) ---------------


def _unconfirmed(before: dt.datetime) -> Select[Any]:
    return select(Shop).where(
        Shop.status == ShopStatus.PUBLISHED,
        or_(Shop.last_confirmed_at.is_(None), Shop.last_confirmed_at < before))


def _hidden_shop_hotspots() -> Select[Any]:
    return (select(Hotspot, Shop).join(Shop, Hotspot.shop_id == Shop.id)
            .where(Hotspot.kind == HotspotKind.SHOP, Hotspot.status == HotspotStatus.APPROVED,
                   Shop.status != ShopStatus.PUBLISHED))


def _expired_offers(now: dt.datetime) -> Select[Any]:
    return select(Offer).where(Offer.valid_until <= now)


def _taken_at() -> Any:
    return func.coalesce(Panorama.captured_at, Scene.created_at)


def _old_scenes(before: dt.datetime) -> Select[Any]:
    taken = _taken_at()
    return (select(Scene, taken.label("taken_at"))
            .join(Panorama, Scene.panorama_id == Panorama.id)
            .where(taken < before))


def _failed_jobs() -> Select[Any]:
    return select(Job).where(Job.status == JobStatus.FAILED)


def current_url_of_check() -> Any:
    """The shop's address a check is about (its ``website`` or its ``online_shop_url``)."""
    return case((LinkCheck.field == "website", Shop.website), else_=Shop.online_shop_url)


def _flagged_links() -> Select[Any]:
    return (select(LinkCheck, Shop).join(Shop, LinkCheck.shop_id == Shop.id)
            .where(LinkCheck.outcome != LinkCheckOutcome.OK,
                   LinkCheck.url == current_url_of_check(),
                   Shop.status != ShopStatus.CLOSED))


# --- the lists ----------------------------------------------------------------------------


def unconfirmed_shops(session: Session, limits: Thresholds, *, offset: int = 0,
                      limit: int = 20) -> Listing:
    """Published shops not confirmed since ``limits.confirmed_before``; never confirmed first,
    then the longest unconfirmed."""
    query = _unconfirmed(limits.confirmed_before).order_by(
        Shop.last_confirmed_at.is_not(None), Shop.last_confirmed_at, Shop.id)
    return _page(session, query, offset, limit)


def hotspots_to_hidden_shops(session: Session, *, offset: int = 0, limit: int = 20) -> Listing:
    """Approved shop hotspots whose shop visitors cannot see (closed, draft, in review):
    ``(hotspot, shop)`` pairs, the latest changed shop first."""
    query = _hidden_shop_hotspots().order_by(Shop.updated_at.desc(), Hotspot.id)
    return _page(session, query, offset, limit, rows=True)


def expired_offers(session: Session, limits: Thresholds, *, offset: int = 0,
                   limit: int = 20) -> Listing:
    """Offers and events that ended before ``limits.now``, the most recently ended first."""
    query = _expired_offers(limits.now).order_by(Offer.valid_until.desc(), Offer.id)
    return _page(session, query, offset, limit, options=(selectinload(Offer.shop),))


def old_scenes(session: Session, limits: Thresholds, *, offset: int = 0,
               limit: int = 20) -> Listing:
    """Scenes whose panorama was taken before ``limits.taken_before`` (the scene's creation
    stands in for an unknown capture time): ``(scene, taken_at)`` pairs, the oldest first."""
    query = _old_scenes(limits.taken_before).order_by(_taken_at(), Scene.id)
    return _page(session, query, offset, limit, rows=True)


def failed_jobs(session: Session, *, offset: int = 0, limit: int = 20) -> Listing:
    """Jobs that gave up, the most recently failed first."""
    query = _failed_jobs().order_by(
        func.coalesce(Job.finished_at, Job.updated_at).desc(), Job.id.desc())
    return _page(session, query, offset, limit)


def flagged_links(session: Session, *, offset: int = 0, limit: int = 20) -> Listing:
    """The latest checks that found a shop's current address broken, unreachable or refused:
    ``(check, shop)`` pairs, the most recent first. A check of an address the shop no longer
    shows does not count."""
    query = _flagged_links().order_by(LinkCheck.checked_at.desc(), LinkCheck.id)
    return _page(session, query, offset, limit, rows=True)


#: the dashboard's lists by name, in the order it shows them
LISTS = ("unconfirmed_shops", "hidden_shop_hotspots", "flagged_links", "expired_offers",
         "old_scenes", "failed_jobs")


def counts(session: Session, limits: Thresholds) -> dict[str, int]:
    """How long each of the dashboard's lists is (one count query each)."""
    queries = {
        "unconfirmed_shops": _unconfirmed(limits.confirmed_before),
        "hidden_shop_hotspots": _hidden_shop_hotspots(),
        "flagged_links": _flagged_links(),
        "expired_offers": _expired_offers(limits.now),
        "old_scenes": _old_scenes(limits.taken_before),
        "failed_jobs": _failed_jobs(),
    }
    return {name: session.scalar(select(func.count()).select_from(queries[name].subquery()))
            or 0 for name in LISTS}


# --- shop owners ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerReminder:
    """One of an owner's public shops that needs a look, and why."""

    shop: Shop
    unconfirmed: bool
    #: the fields (``website``, ``online_shop_url``) whose current address was flagged
    flagged_fields: tuple[str, ...]


def owner_reminders(session: Session, user: User, limits: Thresholds, *, limit: int = 10
                    ) -> list[OwnerReminder]:
    """The published shops of ``user`` that were not confirmed for a while or whose web
    addresses the link checker flagged (at most ``limit``, by shop id)."""
    owned = select(shop_owner.c.shop_id).where(shop_owner.c.user_id == user.id)
    stale = _unconfirmed(limits.confirmed_before).where(Shop.id.in_(owned))
    stale_ids = set(session.scalars(stale.with_only_columns(Shop.id)))
    flagged: dict[int, list[str]] = {}
    for check, _shop in session.execute(_flagged_links().where(
            Shop.id.in_(owned), Shop.status == ShopStatus.PUBLISHED)):
        flagged.setdefault(check.shop_id, []).append(check.field)
    ids = sorted(stale_ids | set(flagged))[:limit]
    if not ids:
        return []
    shops = {shop.id: shop for shop in session.scalars(select(Shop).where(Shop.id.in_(ids)))}
    return [OwnerReminder(shops[shop_id], shop_id in stale_ids,
                          tuple(sorted(flagged.get(shop_id, ()))))
            for shop_id in ids if shop_id in shops]


def default_thresholds(shop_months: int = DEFAULT_SHOP_MONTHS,
                       scene_years: int = DEFAULT_SCENE_YEARS,
                       now: dt.datetime | None = None) -> Thresholds:
    """Thresholds counted back from ``now`` (default: the current time)."""
    return Thresholds(now or utcnow(), shop_months, scene_years)

