"""``/report/<scene>``: "report this image" as a plain HTML form, for visitors without scripts.

The walk page's form (``static/viewer/src/report.js``) needs JavaScript; the text version and
the walk page's ``<noscript>`` link here instead. The rules are the JSON endpoint's
(:mod:`server.image_reports_api`): public scenes only, no account and no session (so no CSRF
token to check), limited per client. A form, unlike JSON, can be sent by any site; browsers
send ``Origin`` (and ``Sec-Fetch-Site``) with every form post, and a post they mark as coming
from another site is refused, so another site cannot make its visitors file reports here. The
view the visitor had (``yaw``, ``pitch``, ``zoom`` from the walk page's address) travels along
when it was given.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound, ServiceUnavailable, TooManyRequests
from werkzeug.wrappers import Response

from server.extensions import csrf, db
from server.image_reports_api import receive_report, refuse_cross_site, thanks
from server.shop_presenter import text
from tours import walk
from tours.models import utcnow
from tours.scenes import SceneNotFound
from tours.tour_service import TourNotFound
from tours.validation import InvalidValue

bp = Blueprint("report_pages", __name__)

VIEW_FIELDS = ("yaw", "pitch", "zoom")
#: the ranges clean_view accepts; anything else is dropped rather than refused
VIEW_RANGES = {"yaw": (-180.0, 180.0), "pitch": (-90.0, 90.0), "zoom": (0.0, 100.0)}


def _view(values: Any) -> dict[str, float] | None:
    """The view in ``values`` when all three numbers are given and in range, else None."""
    view = {}
    for name in VIEW_FIELDS:
        raw = values.get(name, "")
        try:
            number = float(raw)
        except (TypeError, ValueError):
            return None
        low, high = VIEW_RANGES[name]
        if not low <= number <= high:
            return None
        view[name] = number
    return view


def _back_tour(slug: str | None) -> str | None:
    """``slug`` when it names a public tour (the page links back to its text version)."""
    if not slug or len(slug) > 80:
        return None
    try:
        return walk.public_tour(db.session, slug, utcnow()).slug
    except TourNotFound:
        return None


def _render(scene: Any, tour: str | None, view: dict[str, float] | None, *,
            errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
            sent: bool = False, status: int = 200) -> Response:
    response = make_response(render_template(
        "walk/report.html", scene=scene, scene_title=text(scene.title) or scene.slug,
        tour=tour, view=view, errors=errors or {}, values=values or {}, sent=sent,
        thanks=thanks()), status)
    # a visitor's page: no cookie, nothing personal; but a filled-in answer is not for caches
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/report/<scene_slug>", methods=["GET", "POST"])
@csrf.exempt
def form(scene_slug: str) -> Response:
    """GET: the form for a public scene. POST: store the report, or show what to fix."""
    try:
        scene, _visible = walk.public_scene(db.session, scene_slug, utcnow())
    except SceneNotFound:
        raise NotFound() from None
    source = request.form if request.method == "POST" else request.args
    tour = _back_tour(source.get("tour"))
    view = _view(source)
    if request.method == "GET":
        return _render(scene, tour, view)
    refuse_cross_site()
    values = {"reason": request.form.get("reason", ""),
              "comment": request.form.get("comment", "")}
    if not values["reason"]:
        return _render(scene, tour, view, values=values, status=422,
                       errors={"reason": _("Choose a reason.")})
    try:
        receive_report(scene, {**values, "view": view})
    except (TooManyRequests, ServiceUnavailable) as exc:
        # the form again, with what was typed and the reason it was not taken
        db.session.rollback()
        answer = _render(scene, tour, view, values=values, status=exc.code or 429,
                         errors={"form": str(exc.description)})
        if exc.retry_after is not None:
            answer.headers["Retry-After"] = str(exc.retry_after)
        return answer
    except InvalidValue as exc:
        db.session.rollback()
        field = exc.field if exc.field in values else "reason"
        return _render(scene, tour, view, values=values, status=422,
                       errors={field: _(exc.message, **exc.params)})
    db.session.commit()
    return _render(scene, tour, view, sent=True)
