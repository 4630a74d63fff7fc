"""The explicit list of blueprints. New areas are added here, never discovered."""

from __future__ import annotations

from flask import Flask

from server.extensions import api


def register(app: Flask) -> None:
    from server import account_pages, health_pages, media_pages, site_pages, tokens_api

    app.register_blueprint(site_pages.bp)
    app.register_blueprint(health_pages.bp)
    app.register_blueprint(media_pages.bp)
    app.register_blueprint(account_pages.bp)
    for api_blueprint in (tokens_api.bp,):
        api.register_blueprint(api_blueprint)
