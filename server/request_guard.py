"""Addresses no page can have: refused before any view looks them up.

A NUL character cannot be stored in a PostgreSQL text column, and the driver refuses to send
one even in a query's parameters, so a slug such as ``a%00b`` would reach the database only
to fail there with a 500. No slug, key or file name of Flaneur contains a control character,
so a path with one (NUL included) names nothing: it is answered 404 at once, as JSON under
``/api/`` like every other API error.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request

#: C0 control characters and DEL, which no address of the site contains
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def refuse_impossible_paths() -> None:
    """A ``before_request`` function: 404 for a path with a control character."""
    if CONTROL_CHARACTERS.search(request.path):
        abort(404)


def init_app(app: Flask) -> None:
    app.before_request(refuse_impossible_paths)
