"""The explicit list of blueprints. New areas are added here, never discovered."""

from __future__ import annotations

from flask import Flask

from server.api_setup import app_api


def register(app: Flask) -> None:
    from server import (
        account_link_pages,
        account_pages,
        audit_pages,
        health_pages,
        hotspots_api,
        jobs_api,
        media_pages,
        panorama_uploads_api,
        panoramas_api,
        personal_data_pages,
        scenes_api,
        shop_import_pages,
        shop_imports_api,
        shop_media_api,
        shop_pages,
        shops_api,
        site_pages,
        staff_pages,
        tokens_api,
        tours_api,
        two_factor_pages,
    )

    app.register_blueprint(site_pages.bp)
    app.register_blueprint(shop_pages.bp)
    app.register_blueprint(health_pages.bp)
    app.register_blueprint(media_pages.bp)
    app.register_blueprint(account_pages.bp)
    for account_blueprint in (two_factor_pages.bp, account_link_pages.bp,
                              personal_data_pages.bp, staff_pages.bp, audit_pages.bp,
                              shop_import_pages.bp):
        app.register_blueprint(account_blueprint)
    api = app_api(app)
    for api_blueprint in (tokens_api.bp, jobs_api.bp, panoramas_api.bp,
                          panorama_uploads_api.bp, scenes_api.bp, hotspots_api.bp, tours_api.bp,
                          shops_api.bp, shop_media_api.bp, shop_imports_api.bp):
        api.register_blueprint(api_blueprint)
    from server import moderation_pages, shop_admin_pages  # shop owners' and editors' pages

    app.register_blueprint(shop_admin_pages.bp)
    app.register_blueprint(moderation_pages.bp)
