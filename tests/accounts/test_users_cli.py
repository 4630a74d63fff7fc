"""``flask users create-admin``."""

from __future__ import annotations

from sqlalchemy import func, select

from server.extensions import db
from server.security import password_hasher
from tests.support.accounts import DEFAULT_PASSWORD
from tours.models import Role, User


def admins(app) -> list[User]:
    with app.app_context():
        return list(db.session.scalars(select(User).where(User.role == Role.ADMIN)))


def test_create_admin_with_the_password_on_stdin(app, runner, client, login):
    result = runner.invoke(args=["users", "create-admin", "--email", "Chief@City.Example",
                                 "--name", "Chief Editor", "--password-stdin"],
                           input=DEFAULT_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "chief@city.example" in result.output
    [admin] = admins(app)
    assert admin.email == "chief@city.example"
    assert admin.display_name == "Chief Editor"
    assert admin.is_active
    with app.app_context():
        assert password_hasher().verify(admin.password_hash, DEFAULT_PASSWORD)
    assert login(client, "chief@city.example").status_code == 302
    assert client.get("/api/me").get_json()["role"] == "admin"


def test_create_admin_asks_for_what_is_missing(app, runner):
    result = runner.invoke(args=["users", "create-admin"],
                           input=f"chief@city.example\n{DEFAULT_PASSWORD}\n{DEFAULT_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert DEFAULT_PASSWORD not in result.output, "the password is not echoed"
    assert [admin.email for admin in admins(app)] == ["chief@city.example"]


def test_a_weak_password_is_refused_with_a_clear_message(app, runner):
    for password, expected in (("short", "at least 12 characters"),
                               ("password1234", "too easy to guess")):
        result = runner.invoke(args=["users", "create-admin", "--email", "chief@city.example",
                                     "--password-stdin"], input=password + "\n")
        assert result.exit_code == 1
        assert expected in result.output
    assert admins(app) == []


def test_an_existing_email_is_refused_and_nothing_changes(app, runner):
    args = ["users", "create-admin", "--email", "chief@city.example", "--password-stdin"]
    assert runner.invoke(args=args, input=DEFAULT_PASSWORD + "\n").exit_code == 0
    again = runner.invoke(args=[*args[:3], "CHIEF@city.example", args[4]],
                          input="another strong passphrase here\n")
    assert again.exit_code == 1
    assert "already exists" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        [admin] = admins(app)
        assert password_hasher().verify(admin.password_hash, DEFAULT_PASSWORD)


def test_an_invalid_email_is_refused(app, runner):
    result = runner.invoke(args=["users", "create-admin", "--email", "not-an-address",
                                 "--password-stdin"], input=DEFAULT_PASSWORD + "\n")
    assert result.exit_code == 1
    assert "valid email address" in result.output
    assert admins(app) == []
