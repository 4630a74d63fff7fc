"""The shop directory's search, shared by the page (``/shops``) and the API (``/api/shops``),
so both always list the same shops in the same order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from server.extensions import db
from tours import shops
from tours.models import Shop

#: "open now" is decided per shop in Python; this many matches are looked at, at most
MAX_DIRECTORY_SCAN = 5000


def find_shops(query: Mapping[str, Any], *, offset: int, limit: int, now: dt.datetime
               ) -> tuple[list[Shop], int]:
    """One page of published shops matching ``query`` (``q``, ``category``, ``open_now``,
    ``step_free``), by slug, and how many match in all."""
    statement = shops.directory_query(query=query.get("q") or "",
                                      category=query.get("category") or None,
                                      step_free=bool(query.get("step_free")))
    if not query.get("open_now"):
        total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        # a card shows the logo and current offers: load them for the page in two queries
        page = statement.options(selectinload(Shop.images), selectinload(Shop.offers))
        return list(db.session.scalars(page.offset(offset).limit(limit))), total
    # "open now" depends on each shop's hours and zone: filter the (bounded) matches here
    open_shops = [shop for shop in db.session.scalars(statement.limit(MAX_DIRECTORY_SCAN))
                  if shops.is_open_now(shop, now)]
    return open_shops[offset:offset + limit], len(open_shops)
