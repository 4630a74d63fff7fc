"""Fixtures of the shop tests: the people involved and a database session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from server.extensions import db
from tests.support.accounts import bearer_headers, create_account
from tours.models import Role, User


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The app's database session, inside an app context, for calling services directly."""
    with app.app_context():
        yield db.session


@dataclass(frozen=True)
class Person:
    user: User
    headers: dict[str, str]


@dataclass(frozen=True)
class Cast:
    """Everybody a shop test needs, each with bearer-token headers."""

    editor: Person
    admin: Person
    owner_a: Person
    owner_b: Person


@pytest.fixture
def cast(app: Flask) -> Cast:
    def person(email: str, role: Role) -> Person:
        user = create_account(app, email=email, role=role)
        return Person(user, bearer_headers(app, user))

    return Cast(editor=person("editor@city.example", Role.EDITOR),
                admin=person("admin@city.example", Role.ADMIN),
                owner_a=person("anna@shop-a.example", Role.SHOP_OWNER),
                owner_b=person("bert@shop-b.example", Role.SHOP_OWNER))
