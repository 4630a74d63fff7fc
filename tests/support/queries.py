"""Counting the SQL statements a piece of code sends (for the tests that guard against N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

from server.extensions import db


@contextmanager
def counted_queries(app: Flask) -> Iterator[list[str]]:
    """Every statement ``app``'s engine executes inside the ``with`` block, in order."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
