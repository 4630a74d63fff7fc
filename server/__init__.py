"""The Flaneur web application: ``create_app`` wires configuration, extensions and blueprints."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from server.config import check_config, load_config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create a configured Flaneur application.

    Configuration comes from environment variables (see ``server/config.py``); ``test_config``
    overrides any of it. Importing this module has no side effects.
    """
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_mapping(load_config(os.environ, app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    check_config(app.config)
    proxies = app.config["TRUSTED_PROXY_COUNT"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    os.makedirs(app.instance_path, exist_ok=True)

    from server import (
        api_setup,
        blueprints,
        database,
        i18n,
        observability,
        request_guard,
        security,
        security_headers,
        sessions,
        storage_setup,
    )

    # first: the request id and the request's clock start before anything else looks at it
    observability.init_app(app)
    request_guard.init_app(app)
    database.init_app(app)
    i18n.init_app(app)
    sessions.init_app(app)
    security.init_app(app)
    storage_setup.init_app(app)
    security_headers.init_app(app)  # after the storages: it names the public one's origin
    api_setup.init_app(app)
    blueprints.register(app)

    from server import (
        cli,
        image_reports_api,
        jobs,
        link_check_jobs,
        panorama_jobs,
        share_images,
        stats_api,
        visitor_stats,
    )

    cli.init_app(app)
    image_reports_api.init_app(app)
    jobs.init_app(app)
    panorama_jobs.init_app(app)
    link_check_jobs.init_app(app)
    share_images.init_app(app)
    visitor_stats.init_app(app)
    stats_api.init_app(app)
    return app
