"""``/healthz``: is the database reachable, and both storages?"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from server.extensions import db
from server.storage_setup import storages

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """200 when the database and both storages answer, 503 naming the ones that do not."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable"; the kind is reported
        db.session.rollback()
        checks["database"] = f"unreachable: {type(exc).__name__}"
    for role, storage in storages().items():
        try:
            storage.check()
            checks[f"{role}_storage"] = "ok"
        except Exception as exc:  # noqa: BLE001 - same reasoning as above
            checks[f"{role}_storage"] = f"unreachable: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    response = jsonify({"status": "ok" if healthy else "unavailable", "checks": checks})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
