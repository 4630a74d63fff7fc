"""The explicit list of blueprints. New areas are added here, never discovered."""

from __future__ import annotations

from flask import Flask

from server.api_setup import app_api


def register(app: Flask) -> None:
    from server import (
        account_link_pages,
        account_pages,
        audit_pages,
        city_settings_pages,
        editor_pages,
        floor_plan_pages,
        floor_plans_api,
        freshness_pages,
        health_pages,
        hotspot_editor_pages,
        hotspot_request_pages,
        hotspots_api,
        image_reports_api,
        jobs_api,
        legal_admin_pages,
        legal_pages,
        media_pages,
        moderation_pages,
        pannellum_api,
        panorama_privacy_api,
        panorama_uploads_api,
        panoramas_api,
        personal_data_pages,
        plan_editor_pages,
        privacy_editor_pages,
        report_moderation_pages,
        report_pages,
        route_api,
        route_pages,
        scenes_api,
        shop_admin_pages,
        shop_import_pages,
        shop_imports_api,
        shop_media_api,
        shop_pages,
        shop_scene_pages,
        shops_api,
        site_pages,
        sitemap_pages,
        staff_pages,
        stats_api,
        stats_pages,
        tokens_api,
        tour_archive_api,
        tour_editor_pages,
        tours_api,
        two_factor_pages,
        upload_pages,
        walk_api,
        walk_pages,
    )

    pages = (
        # visitors
        site_pages, shop_pages, walk_pages, route_pages, report_pages, legal_pages, sitemap_pages,
        health_pages, media_pages,
        # accounts
        account_pages, two_factor_pages, account_link_pages, personal_data_pages,
        # shop owners and staff
        shop_admin_pages, shop_scene_pages, moderation_pages, report_moderation_pages,
        hotspot_request_pages, staff_pages, audit_pages, shop_import_pages,
        legal_admin_pages, city_settings_pages,
        # editors' tools
        editor_pages, upload_pages, plan_editor_pages, hotspot_editor_pages, tour_editor_pages,
        privacy_editor_pages, floor_plan_pages, freshness_pages,
        # visitor statistics (editors, and each shop's owners)
        stats_pages,
    )
    for module in pages:
        app.register_blueprint(module.bp)
    api = app_api(app)
    apis = (
        # accounts and jobs
        tokens_api, jobs_api,
        # content (editors)
        panoramas_api, panorama_uploads_api, scenes_api, hotspots_api, tours_api,
        tour_archive_api, pannellum_api, panorama_privacy_api, floor_plans_api,
        # shops
        shops_api, shop_media_api, shop_imports_api,
        # the visitors' viewer, and their reports of an image
        walk_api, image_reports_api,
        # wayfinding
        route_api,
        # the viewer's beacon of visitor counts
        stats_api,
    )
    for module in apis:
        api.register_blueprint(module.bp)
