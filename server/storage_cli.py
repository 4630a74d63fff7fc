"""``flask storage setup``: configure the S3 buckets for production (``server/bucket_setup.py``).

Output is for the operator at the console, in English, like every other command; nothing here
is translated.
"""

from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from server import bucket_setup
from server.bucket_setup import CheckResult, OriginError, Outcome, PartResult
from server.storage import Storage
from server.storage.s3 import S3Storage
from server.storage_setup import storages

storage = click.Group("storage", help="The originals and public storages.")

#: parts of uploads never completed are removed after this many days by default
DEFAULT_ABORT_DAYS = 7


def _origins(given: tuple[str, ...], allow_any: bool) -> tuple[str, ...]:
    try:
        if given:
            return bucket_setup.parse_cors_origins(given, allow_any=allow_any)
        configured = current_app.config.get("STORAGE_CORS_ORIGINS", "")
        return bucket_setup.parse_cors_origins(configured, allow_any=allow_any)
    except OriginError as exc:
        source = "--origin" if given else "STORAGE_CORS_ORIGINS"
        raise click.UsageError(f"{source}: {exc}") from None


def _print_part(part: PartResult, dry_run: bool) -> None:
    colour = {Outcome.FAILED: "red", Outcome.UNSUPPORTED: "yellow"}.get(part.outcome)
    line = f"  {part.title}: {click.style(part.outcome.value, fg=colour)}"
    click.echo(line + (f": {part.detail}" if part.detail else ""))
    if dry_run and part.document is not None and part.outcome is Outcome.WOULD_SET:
        for text in json.dumps(part.document, indent=2).splitlines():
            click.echo(f"    {text}")


def _print_check(result: CheckResult) -> None:
    verdict = click.style("ok", fg="green") if result.ok else click.style("FAILED", fg="red")
    click.echo(f"  {result.title}: {verdict}" + (f" ({result.detail})" if result.detail else ""))


def _lifecycle_parts(s3_storages: dict[str, S3Storage], days: int, dry_run: bool
                     ) -> dict[str, PartResult]:
    """The lifecycle part of each S3 storage; one whose keys another's rule covers (another
    storage with a shorter prefix in the same bucket, or the same prefix) is skipped."""
    parts: dict[str, PartResult] = {}
    for role, where in s3_storages.items():
        outer = next((other_role for other_role, other in s3_storages.items()
                      if other_role != role and bucket_setup.covers(other, where)
                      and (other_role in parts or not bucket_setup.covers(where, other))),
                     None)
        if outer is None:
            parts[role] = bucket_setup.set_abort_uploads(where, days, dry_run=dry_run)
        else:
            parts[role] = PartResult("abort incomplete multipart uploads", Outcome.SKIPPED,
                                     f"covered by the {outer} storage's rule")
    return parts


@storage.command("setup")
@click.option("--origin", "origins", multiple=True, metavar="ORIGIN",
              help="A site origin browsers load tiles from (repeatable; commas also separate). "
                   "Default: STORAGE_CORS_ORIGINS.")
@click.option("--allow-any-origin", is_flag=True,
              help="Accept '*' as an origin: every website may then read the public objects.")
@click.option("--abort-uploads-days", type=click.IntRange(1, 3650),
              default=DEFAULT_ABORT_DAYS, show_default=True,
              help="Remove the parts of multipart uploads not completed after this many days.")
@click.option("--public-read/--no-public-read", default=True, show_default=True,
              help="Set the bucket policy that lets anyone read the public prefix (leave it "
                   "out when a CDN reads the bucket with its own credentials).")
@click.option("--check/--no-check", default=True, show_default=True,
              help="Afterwards, read probe objects without credentials, as browsers do.")
@click.option("--dry-run", is_flag=True,
              help="Print what would be set (and what is set already); change nothing.")
@with_appcontext
def setup_command(origins: tuple[str, ...], allow_any_origin: bool, abort_uploads_days: int,
                  public_read: bool, check: bool, dry_run: bool) -> None:
    """Configure the S3 buckets for production: CORS, public read, upload clean-up.

    Idempotent: a part already in place is left alone, rules set by others are kept. Exits
    with status 1 when a part failed, or when the check finds that pages on the site's
    origins cannot read the public objects or that strangers can read the originals. A part
    the server does not implement is reported and left to the check (with --no-check, to
    the operator).
    """
    built = storages()
    public, originals = built["public"], built["originals"]
    if not any(isinstance(where, S3Storage) for where in built.values()):
        click.echo("Both storages are local (or in memory): nothing to set up. Flaneur serves "
                   "the public files itself under /media, and nobody else reads the originals.")
        return
    wanted_origins: tuple[str, ...] = ()
    if isinstance(public, S3Storage):
        wanted_origins = _origins(origins, allow_any_origin)
        if not wanted_origins:
            raise click.UsageError(
                "no site origins: set STORAGE_CORS_ORIGINS to the address(es) visitors open "
                "the site at (https://walk.example.org), or pass --origin; the app cannot know "
                "it, since it may run behind a proxy or CDN"
            )
    parts = _set_up(built, wanted_origins, abort_uploads_days, public_read, dry_run)
    failed = any(part.outcome is Outcome.FAILED for part in parts)
    unsupported = any(part.required and part.outcome is Outcome.UNSUPPORTED for part in parts)
    if unsupported:
        click.echo("This server does not take every setting; the check shows whether browsers "
                   "can read the public objects anyway (s3rver, for one, serves every object "
                   "to anyone).")
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        raise SystemExit(1 if failed else 0)
    if check:
        click.echo("check (reading probe objects without credentials):")
        results = bucket_setup.check_access(
            public, originals, wanted_origins,
            timeout=current_app.config["STORAGE_CONNECT_TIMEOUT"]
            + current_app.config["STORAGE_READ_TIMEOUT"])
        for result in results:
            _print_check(result)
        failed |= not all(result.ok for result in results)
    elif unsupported:
        click.echo(click.style("Warning", fg="yellow") + ": --no-check, so nothing shows that "
                   "browsers can read the public objects without the settings this server "
                   "does not take.")
    if failed:
        click.echo(click.style("Storage setup is incomplete (see FAILED above).", fg="red"),
                   err=True)
        raise SystemExit(1)
    click.echo("Storage setup done.")


def _set_up(built: dict[str, Storage], origins: tuple[str, ...], days: int, public_read: bool,
            dry_run: bool) -> list[PartResult]:
    """Run (or, dry, read) every part for both storages, printing each; return them all."""
    s3_storages = {role: where for role, where in built.items() if isinstance(where, S3Storage)}
    lifecycle = _lifecycle_parts(s3_storages, days, dry_run)
    results: list[PartResult] = []
    for role in ("public", "originals"):
        where = built[role]
        name = f"s3://{where.bucket}/{where.prefix}" if isinstance(where, S3Storage) else (
            type(where).__name__)
        click.echo(f"{role} storage: {name}" + (" (dry run)" if dry_run else ""))
        if not isinstance(where, S3Storage):
            click.echo("  served by Flaneur under /media: no CORS or bucket policy needed"
                       if role == "public" else "  a local folder, private: nothing to set up")
            continue
        parts = [missing] if (missing := bucket_setup.bucket_exists(where)) else [
            *(_public_parts(where, built["originals"], origins, public_read, dry_run)
              if role == "public" else ()),
            lifecycle[role],
        ]
        for part in parts:
            _print_part(part, dry_run)
        results.extend(parts)
    return results


def _public_parts(public: S3Storage, originals: Storage, origins: tuple[str, ...],
                  public_read: bool, dry_run: bool) -> list[PartResult]:
    cors = bucket_setup.set_cors(public, origins, dry_run=dry_run)
    if not public_read:
        return [cors, PartResult("public read", Outcome.SKIPPED,
                                 "--no-public-read: whatever serves the objects (a CDN) reads "
                                 "them with its own credentials")]
    return [cors, bucket_setup.set_public_read(public, originals, dry_run=dry_run)]


def init_app(app: Flask) -> None:
    app.cli.add_command(storage)
