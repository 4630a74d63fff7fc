"""``flask users …``: account administration from the command line."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _

from server.city_settings import city
from server.extensions import db
from server.security import password_hasher
from tours import accounts
from tours.errors import DomainError
from tours.models import Role

users = AppGroup("users", help="Manage the accounts of editors, admins and shop owners.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # one line, so that `printf '%s\n' "$PASSWORD" | flask users create-admin …` works
        return sys.stdin.readline().rstrip("\r\n")
    password: str = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    return password


@users.command("create-admin")
@click.option("--email", help="Email address of the new admin (asked for when left out).")
@click.option("--name", "display_name", default="", help="Display name of the new admin.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input instead of asking.")
def create_admin(email: str | None, display_name: str, password_stdin: bool) -> None:
    """Create an admin account, e.g. the first one of a new installation."""
    # there is no request to choose a language from: the command speaks the city's default one
    with force_locale(city().default_language):
        if email is None:
            email = str(click.prompt(_("Email address")))
        password = _read_password(password_stdin)
        try:
            user = accounts.create_user(
                db.session, password_hasher(), email=email, role=Role.ADMIN, password=password,
                display_name=display_name,
            )
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(_(exc.message, **exc.params)) from None
        db.session.commit()
        click.echo(_("Admin account %(email)s created.", email=user.email))


def init_app(app: Flask) -> None:
    """Add the ``users`` group to ``flask``."""
    app.cli.add_command(users)
