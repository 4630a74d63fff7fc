"""Public pages: the city home, favicon and the built viewer assets."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, send_from_directory

bp = Blueprint("site", __name__)

STATIC_ROOT = Path(__file__).resolve().parent.parent / "static"


@bp.get("/")
def home() -> str:
    """The city's home page."""
    return render_template("home.html", city_name=current_app.config["CITY_NAME"])


@bp.get("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(STATIC_ROOT / "site", "favicon.svg", mimetype="image/svg+xml",
                               max_age=86400)


@bp.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    """Our own stylesheets and icons (``static/site``)."""
    return send_from_directory(STATIC_ROOT / "site", filename, max_age=3600)


@bp.get("/viewer/<path:filename>")
def viewer_asset(filename: str) -> Response:
    """The viewer bundle built by ``make`` (``static/viewer/dist``)."""
    return send_from_directory(STATIC_ROOT / "viewer" / "dist", filename, max_age=3600)
