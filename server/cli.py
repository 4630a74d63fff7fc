"""``flask`` commands of Flaneur."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from server import demo_cli, media_cli, shops_cli, storage_cli, tours_cli, users_cli
    from server.backup import cli as backup_cli

    users_cli.init_app(app)
    media_cli.init_app(app)
    shops_cli.init_app(app)
    tours_cli.init_app(app)
    demo_cli.init_app(app)
    backup_cli.init_app(app)
    storage_cli.init_app(app)
