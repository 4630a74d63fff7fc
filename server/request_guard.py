"""Addresses no page can have: refused before any view looks them up.

Ids in paths (``<int:…>``) are database keys, 32-bit integers on PostgreSQL: a larger number
would reach the database only to overflow there (a 500 on both backends), so the ``int``
converter matches only up to :data:`MAX_ID`; anything larger names nothing and is a 404.

A NUL character cannot be stored in a PostgreSQL text column, and the driver refuses to send
one even in a query's parameters, so a slug such as ``a%00b`` would reach the database only
to fail there with a 500. No slug, key or file name of Flaneur contains a control character,
so a path with one (NUL included) names nothing: it is answered 404 at once, as JSON under
``/api/`` like every other API error.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

#: the largest id any table can hold (PostgreSQL ``integer``)
MAX_ID = 2**31 - 1

#: C0 control characters and DEL, which no address of the site contains
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def refuse_impossible_paths() -> None:
    """A ``before_request`` function: 404 for a path with a control character."""
    if CONTROL_CHARACTERS.search(request.path):
        abort(404)


class IdConverter(IntegerConverter):
    """``<int:…>`` for ids: at most :data:`MAX_ID` unless a rule says otherwise."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.before_request(refuse_impossible_paths)
    # before any blueprint adds its rules: the converter is looked up as each rule is added
    app.url_map.converters["int"] = IdConverter
