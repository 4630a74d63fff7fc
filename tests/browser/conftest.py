"""Fixtures of the browser tests: the small public walk every walk-page test uses
(``tests/support/walk_world.py``)."""

from tests.support.walk_world import site, tiles, world  # noqa: F401 - fixtures for this folder
