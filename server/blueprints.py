"""The explicit list of blueprints. New areas are added here, never discovered."""

from __future__ import annotations

from flask import Flask

from server.api_setup import app_api


def register(app: Flask) -> None:
    from server import (
        account_pages,
        health_pages,
        hotspots_api,
        jobs_api,
        media_pages,
        panorama_uploads_api,
        panoramas_api,
        scenes_api,
        site_pages,
        tokens_api,
        tours_api,
    )

    app.register_blueprint(site_pages.bp)
    app.register_blueprint(health_pages.bp)
    app.register_blueprint(media_pages.bp)
    app.register_blueprint(account_pages.bp)
    api = app_api(app)
    for api_blueprint in (tokens_api.bp, jobs_api.bp, panoramas_api.bp,
                          panorama_uploads_api.bp, scenes_api.bp, hotspots_api.bp, tours_api.bp):
        api.register_blueprint(api_blueprint)
