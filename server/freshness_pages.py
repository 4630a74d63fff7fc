"""``/edit/freshness``: the editors' dashboard of what in the walk is going stale.

Counts on top, then each list (see :mod:`tours.freshness`) with its first rows and a link to
the tool that fixes each item; ``?list=<name>&page=<n>`` shows one list alone, paged. "Check
links now" queues the link checker for every shop address (``check_shop_links``), and a failed
tiling job can be tiled again from here.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.wrappers import Response

from server import shop_labels
from server.extensions import db
from server.paging import page_number_or_400
from server.security import roles_required
from server.shop_presenter import text
from tours import freshness, link_checks, upload_scenes
from tours.errors import DomainError
from tours.ingest import TILE_JOB
from tours.jobs import get_job
from tours.models import Job, JobStatus, LinkCheckOutcome, Panorama, Role

bp = Blueprint("freshness_pages", __name__)

#: rows of each list on the overview, and on a list's own pages
PREVIEW_ROWS = 10
PAGE_SIZE = 50

LIST_TITLES = {
    "unconfirmed_shops": _l("Shops not confirmed for a while"),
    "hidden_shop_hotspots": _l("Hotspots of shops visitors cannot see"),
    "flagged_links": _l("Broken shop links"),
    "expired_offers": _l("Expired offers and events"),
    "old_scenes": _l("Old scenes"),
    "failed_jobs": _l("Failed jobs"),
}
OUTCOME_LABELS = {
    LinkCheckOutcome.OK: _l("works"),
    LinkCheckOutcome.BROKEN: _l("broken"),
    LinkCheckOutcome.UNREACHABLE: _l("unreachable"),
    LinkCheckOutcome.REFUSED: _l("refused (private address)"),
}


def thresholds() -> freshness.Thresholds:
    """The dashboard's limits from the configuration, counted back from now."""
    config = current_app.config
    return freshness.default_thresholds(config["FRESHNESS_SHOP_MONTHS"],
                                        config["FRESHNESS_SCENE_YEARS"])


def _listing(name: str, limits: freshness.Thresholds, offset: int, limit: int
             ) -> freshness.Listing:
    session = db.session
    if name == "unconfirmed_shops":
        return freshness.unconfirmed_shops(session, limits, offset=offset, limit=limit)
    if name == "hidden_shop_hotspots":
        return freshness.hotspots_to_hidden_shops(session, offset=offset, limit=limit)
    if name == "flagged_links":
        return freshness.flagged_links(session, offset=offset, limit=limit)
    if name == "expired_offers":
        return freshness.expired_offers(session, limits, offset=offset, limit=limit)
    if name == "old_scenes":
        return freshness.old_scenes(session, limits, offset=offset, limit=limit)
    return freshness.failed_jobs(session, offset=offset, limit=limit)


def _tiling_panorama(job: Job) -> Panorama | None:
    """The panorama a failed tiling job was about, when it still exists."""
    panorama_id = job.payload.get("panorama_id") if job.kind == TILE_JOB else None
    return db.session.get(Panorama, panorama_id) if isinstance(panorama_id, int) else None


def _tiling_panoramas(jobs: list[Job]) -> dict[int, Panorama]:
    """The still existing panorama of each failed tiling job of a page, by job id: read in
    one query rather than one per job."""
    wanted = {job.id: job.payload.get("panorama_id") for job in jobs if job.kind == TILE_JOB}
    ids = sorted({value for value in wanted.values() if isinstance(value, int)})
    found = {panorama.id: panorama for panorama in db.session.scalars(
        select(Panorama).where(Panorama.id.in_(ids)))} if ids else {}
    return {job_id: found[panorama_id] for job_id, panorama_id in wanted.items()
            if panorama_id in found}


@bp.get("/edit/freshness")
@roles_required(Role.EDITOR)
def dashboard() -> Response:
    """Counts and lists of stale content; ``list`` and ``page`` show one list paged."""
    limits = thresholds()
    only = request.args.get("list")
    if only is not None and only not in freshness.LISTS:
        raise BadRequest(description=_("There is no such list."))
    page = page_number_or_400()
    if only is None and page != 1:
        raise BadRequest(description=_("This page number does not exist."))
    names = (only,) if only else freshness.LISTS
    size = PAGE_SIZE if only else PREVIEW_ROWS
    lists = {name: _listing(name, limits, (page - 1) * size, size) for name in names}
    retilable = _tiling_panoramas(lists["failed_jobs"].items) if "failed_jobs" in lists else {}
    pages = max(1, -(-lists[only].total // PAGE_SIZE)) if only else 1
    if only and page > pages:
        raise BadRequest(description=_("This page number does not exist."))
    html = render_template(
        "editor/freshness.html", lists=lists, only=only, page=page, pages=pages,
        counts=freshness.counts(db.session, limits) if not only else None,
        limits=limits, titles=LIST_TITLES, outcome_labels=OUTCOME_LABELS,
        field_labels=shop_labels.FIELD_LABELS, status_labels=shop_labels.STATUS_LABELS,
        name_of=text, tiling_panorama=lambda job: retilable.get(job.id),
        shop_months=limits.shop_months, scene_years=limits.scene_years)
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/edit/freshness/check-links")
@roles_required(Role.EDITOR)
def check_links() -> Response:
    """Queue a check of every shop address now (one job; a queued one is moved forward)."""
    link_checks.check_everything_now(db.session,
                                     max_attempts=current_app.config["JOB_MAX_ATTEMPTS"])
    db.session.commit()
    flash(_("The shop links are being checked. The results appear here in a few minutes."),
          "success")
    return redirect(url_for("freshness_pages.dashboard"))


@bp.post("/edit/freshness/jobs/<int:job_id>/retile")
@roles_required(Role.EDITOR)
def retile(job_id: int) -> Response:
    """Tile the panorama of a failed tiling job again."""
    try:
        job = get_job(db.session, job_id)
    except DomainError:
        raise NotFound() from None
    panorama = _tiling_panorama(job) if job.status is JobStatus.FAILED else None
    if panorama is None:
        raise NotFound(description=_("This job cannot be repeated from here."))
    try:
        upload_scenes.retile(db.session, panorama,
                             max_attempts=current_app.config["JOB_MAX_ATTEMPTS"])
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
    else:
        db.session.commit()
        flash(_("The panorama is being tiled again."), "success")
    return redirect(url_for("freshness_pages.dashboard", list="failed_jobs"))


@bp.app_template_global("freshness_problem_count")
def problem_count() -> int:
    """How many items the dashboard lists in all (for the link on the /edit overview)."""
    return sum(freshness.counts(db.session, thresholds()).values())

