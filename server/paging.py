"""The ``page`` argument of paged HTML lists, read the same way everywhere."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

#: the highest page number any list accepts
MAX_PAGE = 100_000


def page_number(maximum: int = MAX_PAGE) -> int | None:
    """The ``page`` query argument (default 1) when it is a plain number from 1 to ``maximum``,
    else None. ``isdigit`` alone is not enough: it accepts ``²``, which ``int`` refuses."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(maximum)):
        return None
    page = int(raw)
    return page if 1 <= page <= maximum else None


def page_number_or_400(maximum: int = MAX_PAGE) -> int:
    """:func:`page_number`, answering 400 with a clear message for anything else."""
    page = page_number(maximum)
    if page is None:
        raise BadRequest(description=_("This page number does not exist."))
    return page
