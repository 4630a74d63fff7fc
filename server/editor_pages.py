"""``/edit``: the editors' overview of the walk's content, and the way into every tool.

It lists the scenes (newest first, paged) with what each still lacks — a ready panorama, a
position on the plan, links — and the tours with their state, so an editor sees at a glance
what to do next. The tools themselves live in their own modules (``upload_pages``,
``plan_editor_pages``, ``hotspot_editor_pages``, ``tour_editor_pages``,
``privacy_editor_pages``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, make_response, render_template
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from server.extensions import db
from server.paging import page_number_or_400
from server.security import roles_required
from server.shop_presenter import text
from server.walk_presenter import thumbnail
from tours.models import (
    Hotspot,
    HotspotStatus,
    Link,
    Panorama,
    PanoramaStatus,
    Role,
    Scene,
    Tour,
)

bp = Blueprint("editor_pages", __name__)

PAGE_SIZE = 25


@dataclass(frozen=True)
class SceneRow:
    scene: Scene
    title: str
    thumbnail_url: str | None
    links: int
    hotspots: int
    ready: bool


@bp.route("/edit")
@roles_required(Role.EDITOR)
def home() -> Response:
    """Counts, the tools, the scenes (paged) and the tours."""
    session = db.session
    page = page_number_or_400()
    total = session.scalar(select(func.count()).select_from(Scene)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    scenes = session.scalars(select(Scene).order_by(Scene.id.desc())
                             .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    ids = [scene.id for scene in scenes]
    link_counts = dict(session.execute(select(Link.from_scene_id, func.count())
                                       .where(Link.from_scene_id.in_(ids))
                                       .group_by(Link.from_scene_id)).all())
    rows = []
    for scene in scenes:
        ready = scene.panorama.status is PanoramaStatus.READY
        rows.append(SceneRow(scene, text(scene.title) or scene.slug,
                             (thumbnail(scene) or {}).get("url") if ready else None,
                             link_counts.get(scene.id, 0), len(scene.hotspots), ready))
    counts = {
        "in_progress": session.scalar(select(func.count()).select_from(Panorama).where(
            Panorama.status.in_((PanoramaStatus.QUEUED, PanoramaStatus.TILING)))) or 0,
        "failed": session.scalar(select(func.count()).select_from(Panorama).where(
            Panorama.status == PanoramaStatus.FAILED)) or 0,
        "unplaced": session.scalar(select(func.count()).select_from(Scene).where(
            Scene.latitude.is_(None))) or 0,
        "requests": session.scalar(select(func.count()).select_from(Hotspot).where(
            Hotspot.status == HotspotStatus.REQUESTED)) or 0,
    }
    tours = session.scalars(select(Tour).order_by(Tour.updated_at.desc())).all()
    response = make_response(render_template(
        "editor/home.html", rows=rows, page=page, pages=pages, total=total, counts=counts,
        tours=[(tour, text(tour.title) or tour.slug) for tour in tours]))
    response.headers["Cache-Control"] = "no-store"
    return response
