"""``flask shops``: shops from the command line (importing CSV or GeoJSON files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from server import shop_imports
from server.city_settings import city
from server.extensions import db
from tours import accounts, shops
from tours.errors import DomainError
from tours.models import User
from tours.shop_import import IMPORT_STATUSES, PlanHasErrors, apply_plan

shops_group = AppGroup("shops", help="Shops: import them from CSV or GeoJSON files.")


def _editor(email: str) -> User:
    user = accounts.find_user_by_email(db.session, email)
    if user is None or not user.is_active or not shops.is_editor(user):
        raise click.UsageError(_("%(email)s is not an active editor or admin account.",
                                 email=email))
    return user


def _echo_report(report: dict[str, Any]) -> None:
    error, warning = _("error"), _("warning")
    for row in report["rows"]:
        label = shop_imports.row_label(report["format"], row["row"])
        action = shop_imports.action_label(row["action"])
        click.echo(f"{label}: {action} {row['slug']} “{row['name']}”")
        for field, change in row["changes"].items():
            old = shop_imports.display_value(field, change["old"])
            new = shop_imports.display_value(field, change["new"])
            click.echo(f"    {field}: {old} → {new}")
        for issue in row["errors"]:
            click.echo(f"    {error}: {_issue_text(issue)}")
        for issue in row["warnings"]:
            click.echo(f"    {warning}: {_issue_text(issue)}")
    for issue in report["warnings"]:
        click.echo(f"{warning}: {issue['message']}")
    click.echo(shop_imports.counts_sentence(report["counts"]))


def _issue_text(issue: dict[str, str]) -> str:
    return f"{issue['column']}: {issue['message']}" if issue["column"] else issue["message"]


@shops_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True,
                                        path_type=Path))
@click.option("--apply", "apply_it", is_flag=True,
              help="Import the file when the dry run finds no error (without it: only report).")
@click.option("--status", type=click.Choice([status.value for status in IMPORT_STATUSES]),
              default="draft", show_default=True, help="Status of the new shops.")
@click.option("--editor", "editor_email", default=None,
              help="Email of the editor or admin account the import is recorded under "
                   "(needed with --apply).")
def import_command(file: Path, apply_it: bool, status: str, editor_email: str | None) -> None:
    """Report what importing FILE (CSV or GeoJSON) would do; with --apply, import it."""
    # there is no request to choose a language from: the command speaks the city's default one
    with force_locale(city().default_language):
        if apply_it and not editor_email:
            raise click.UsageError(_("--apply needs --editor EMAIL: the account the import is "
                                     "recorded under."))
        actor = _editor(editor_email) if editor_email else None
        try:
            with file.open("rb") as stream:
                data = shop_imports.read_limited(stream)
            plan = shop_imports.plan_file(data, file.name, status)
        except DomainError as exc:
            raise click.ClickException(_(exc.message, **exc.params)) from None
        _echo_report(shop_imports.report(plan))
        if plan.has_errors:
            raise click.ClickException(_(PlanHasErrors.message))
        if not apply_it or actor is None:
            click.echo(_("Dry run: nothing was changed. Add --apply to import."))
            return
        try:
            apply_plan(db.session, actor, plan)
        except (DomainError, IntegrityError) as exc:
            db.session.rollback()
            message = _(exc.message, **exc.params) if isinstance(exc, DomainError) else str(exc)
            raise click.ClickException(message) from None
        db.session.commit()
        click.echo(_("The shops were imported."))


def init_app(app: Flask) -> None:
    """Add the ``shops`` group to ``flask``."""
    app.cli.add_command(shops_group)
