"""The editors' tours: the list with new tours, export and import (``/edit/tours``), one
tour's editor (``/edit/tours/<id>``) and its preview (``/edit/tours/<id>/preview``).

The editor page hands its tool (``static/viewer/src/editor/tour_editor.js``) the tour, its
stops and the scenes to choose from as data attributes; Save sends the whole draft with the
version it is based on (``PUT /api/tours/<id>/draft``), so a stale page gets a 409 and shows
the newer state while keeping the editor's input. Visitors keep the published copy until
Publish (``POST /api/tours/<id>/publish``). The preview renders the draft rows as visitors
would see them once published. Editors and admins only; never cached; never indexed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, make_response, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from server.city_settings import city
from server.extensions import db
from server.security import current_account, roles_required
from server.shop_presenter import text
from server.storage import StorageError
from server.tour_archives import import_archive
from server.tours_api import StopSchema, TourSchema
from server.walk_presenter import UnshowablePanorama, panorama_view, thumbnail
from tours import tour_service
from tours.errors import Conflict, DomainError
from tours.i18n import LANGUAGES
from tours.models import Role, Scene, Tour, TourStatus
from tours.tour_publishing import has_unpublished_changes, published_tour, tour_copy
from tours.walk import is_shown, shown_stops

bp = Blueprint("tour_editor", __name__)

#: the most tours the list shows (a city curates tens, not thousands)
MAX_LISTED = 500
RENAME_SUFFIX_PATTERN = r"-[a-z0-9\-]{1,20}"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(html: str, status: int = 200) -> Response:
    response = make_response(html, status)
    response.headers["X-Robots-Tag"] = "noindex"
    return _no_store(response)


def language_names() -> dict[str, str]:
    """The content languages, named in the editor's language."""
    return {"de": _("German"), "en": _("English"), "es": _("Spanish"), "fr": _("French")}


def status_label(tour: Tour) -> str:
    """Where a tour stands, in words: draft, published (with changes not yet published),
    withdrawn."""
    if tour.status is TourStatus.PUBLISHED:
        if has_unpublished_changes(tour):
            return _("Published, with unpublished changes")
        return _("Published")
    if tour.status is TourStatus.ARCHIVED:
        return _("Withdrawn")
    return _("Draft")


def _when(moment: Any) -> str:
    return format_datetime(moment, "short") if moment is not None else ""


def _window(tour: Tour) -> str:
    if tour.publish_from and tour.publish_until:
        return _("from %(start)s until %(end)s", start=_when(tour.publish_from),
                 end=_when(tour.publish_until))
    if tour.publish_from:
        return _("from %(start)s", start=_when(tour.publish_from))
    if tour.publish_until:
        return _("until %(end)s", end=_when(tour.publish_until))
    return _("always")


def _list_page(*, status: int = 200, error: str = "", form: dict[str, str] | None = None,
               report: dict[str, Any] | None = None, import_error: str = "") -> Response:
    tours, _total = tour_service.list_tours(db.session, limit=MAX_LISTED)
    entries = [{
        "id": tour.id, "slug": tour.slug, "title": text(tour.title) or tour.slug,
        "status": status_label(tour), "published_at": _when(tour.published_at),
        "window": _window(tour),
        "public_url": url_for("walk_pages.tour", slug=tour.slug)
        if tour.status is TourStatus.PUBLISHED else None,
    } for tour in tours]
    html = render_template(
        "editor/tours.html", tours=entries, error=error, form=form or {}, report=report,
        import_error=import_error, suffix_pattern=RENAME_SUFFIX_PATTERN)
    return _page(html, status)


@bp.get("/edit/tours")
@roles_required(Role.EDITOR)
def tours() -> Response:
    """Every tour with its state, a form for a new one, export links and the import form."""
    return _list_page()


@bp.post("/edit/tours")
@roles_required(Role.EDITOR)
def create() -> Response:
    """A new draft tour (slug and title in the city's language), then its editor."""
    form = {"slug": request.form.get("slug", "").strip(),
            "title": request.form.get("title", "").strip()}
    try:
        tour = tour_service.create_tour(db.session, {
            "slug": form["slug"], "title": {city().default_language: form["title"]}})
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _list_page(status=409 if isinstance(exc, Conflict) else 422,
                          error=_(exc.message, **exc.params), form=form)
    response = make_response("", 303)
    response.headers["Location"] = url_for("tour_editor.tour", tour_id=tour.id)
    return _no_store(response)


@bp.post("/edit/tours/import")
@roles_required(Role.EDITOR)
def import_tour() -> Response:
    """Import an archive as a new draft (the same service as ``POST /api/tours/import``) and
    show what was made, renamed and left out."""
    upload = request.files.get("file")
    suffix = request.form.get("rename_suffix", "").strip() or None
    if upload is None or not upload.filename:
        return _list_page(status=400, import_error=_("Choose an archive file to import."))
    account = current_account()
    try:
        report = import_archive(upload.stream, rename_suffix=suffix,
                                created_by_id=account.id if account else None)
    except StorageError:
        db.session.rollback()
        return _list_page(status=503, import_error=_(
            "The file could not be stored right now. Please try again in a few minutes."))
    except DomainError as exc:
        db.session.rollback()
        return _list_page(status=409 if isinstance(exc, Conflict) else 422,
                          import_error=_(exc.message, **exc.params))
    return _list_page(status=201, report={
        "title": text(report.tour.title) or report.tour.slug,
        "url": url_for("tour_editor.tour", tour_id=report.tour.id),
        "renamed": report.renamed, "skipped_hotspots": report.skipped_hotspots,
        "panoramas_new": report.panoramas_new, "panoramas_reused": report.panoramas_reused,
        "jobs": len(report.job_ids)})


def editor_strings() -> dict[str, str]:
    """The texts the tour tool shows (``%(name)s`` filled in by the script)."""
    return {
        "stop": _("Stop %(n)s: %(scene)s"),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        "remove": _("Remove"),
        "stop_text": _("Text at this stop (%(language)s)"),
        "view_own": _("View: yaw %(yaw)s°, pitch %(pitch)s°, zoom %(zoom)s"),
        "view_scene": _("View: the scene's initial view"),
        "set_view": _("Set the view"),
        "use_view": _("Use this view"),
        "scene_view": _("Use the scene's view"),
        "close_view": _("Close the view"),
        "view_of": _("360° view of %(place)s"),
        "add": _("Add %(scene)s as a stop"),
        "no_scenes": _("No scene matches."),
        "no_stops": _("No stops yet. Add scenes from the list below."),
        "moved": _("%(scene)s is now stop %(n)s."),
        "added": _("%(scene)s is added as stop %(n)s."),
        "removed": _("%(scene)s is removed from the stops."),
        "view_set": _("The view of stop %(n)s is set. Save to keep it."),
        "saving": _("Saving…"),
        "saved": _("Saved. Visitors see it once you publish."),
        "publishing": _("Publishing…"),
        "published": _("Published: visitors now see this version."),
        "withdrawing": _("Withdrawing…"),
        "withdrawn": _("Withdrawn: visitors no longer see this tour. Publish it to show it "
                       "again."),
        "unsaved": _("You have unsaved changes."),
        "conflict": _("Someone else saved this tour in the meantime. Their version is shown "
                      "below; your input is kept in the form. Save again to replace their "
                      "version with yours, or reload to start from theirs."),
        "conflict_title": _("Their title: %(title)s"),
        "conflict_stops": _("Their stops: %(stops)s"),
        "failed": _("The tour could not be saved: %(message)s"),
        "preview_unsaved": _("The preview shows the saved draft: save first to see your "
                             "latest changes."),
        "state_draft": _("Draft"),
        "state_published": _("Published"),
        "state_changes": _("Published, with unpublished changes"),
        "state_archived": _("Withdrawn"),
        "no_panorama": _("This scene's panorama is not ready yet."),
    }


def scene_choices() -> list[dict[str, Any]]:
    """Every scene an editor may add, by title: id, title, slug and thumbnail."""
    found = db.session.scalars(select(Scene).options(selectinload(Scene.panorama)))
    choices = [{"id": scene.id, "slug": scene.slug, "title": text(scene.title) or scene.slug,
                "thumbnail": (thumbnail(scene) or {}).get("url") if is_shown(scene.panorama)
                else None}
               for scene in found]
    return sorted(choices, key=lambda choice: (choice["title"].casefold(), choice["slug"]))


@bp.get("/edit/tours/<int:tour_id>")
@roles_required(Role.EDITOR)
def tour(tour_id: int) -> Response:
    """The editor of one tour: texts, cover, stops, views, window; Save, Preview, Publish."""
    try:
        found = tour_service.get_tour(db.session, tour_id)
    except DomainError:
        abort(404)
    marker = 987654321
    data = {
        "tour": TourSchema().dump(found),
        "stops": StopSchema(many=True).dump(tour_service.list_stops(db.session, found.id)),
        "scenes": scene_choices(),
        "languages": list(LANGUAGES),
        "language_names": language_names(),
        "time_zone": city().time_zone,
        "urls": {
            "scene_view": url_for("tour_editor.scene_view", scene_id=marker).replace(
                str(marker), "{id}"),
            "preview": url_for("tour_editor.preview", tour_id=found.id),
        },
    }
    html = render_template(
        "editor/tour.html", tour=found, title=text(found.title) or found.slug, data=data,
        strings=editor_strings(), scenes=data["scenes"], languages=LANGUAGES,
        language_names=language_names(), time_zone=city().time_zone,
        state=status_label(found))
    return _page(html)


@bp.get("/edit/tours/scenes/<int:scene_id>/view")
@roles_required(Role.EDITOR)
def scene_view(scene_id: int) -> Response:
    """What the stop's small viewer needs: the scene's tiled panorama and initial view."""
    scene = db.session.get(Scene, scene_id)
    if scene is None:
        abort(404)
    body: dict[str, Any] = {"id": scene.id, "title": text(scene.title) or scene.slug,
                            "initial_view": scene.initial_view.as_dict(), "panorama": None}
    if is_shown(scene.panorama):
        try:
            body["panorama"] = panorama_view(scene.panorama)
        except UnshowablePanorama:
            body["panorama"] = None
    return _no_store(jsonify(body))


@bp.get("/edit/tours/<int:tour_id>/preview")
@roles_required(Role.EDITOR)
def preview(tour_id: int) -> Response:
    """The saved draft as visitors would see it once published: title, intro, the stops
    they would be shown (in order, with their texts and views) and a viewer."""
    try:
        found = tour_service.get_tour(db.session, tour_id)
    except DomainError:
        abort(404)
    stops = tour_service.list_stops(db.session, found.id)
    scenes = {stop.scene.id: stop.scene for stop in stops}
    if found.cover_scene is not None:
        scenes[found.cover_scene.id] = found.cover_scene
    # the rows as they would be published now; nothing is published by looking at them
    shown = published_tour(found, scenes, copy=tour_copy(found))
    entries = []
    for position, stop in enumerate(shown_stops(shown), start=1):
        scene = stop.scene
        view = stop.initial_view or scene.initial_view
        try:
            panorama = panorama_view(scene.panorama)
        except UnshowablePanorama:
            continue
        entries.append({"position": position, "title": text(scene.title) or scene.slug,
                        "text": text(stop.text), "view": view.as_dict(),
                        "panorama": panorama,
                        "thumbnail": (thumbnail(scene) or {}).get("url")})
    left_out = len(shown.stops) - len(entries)
    html = render_template(
        "editor/tour_preview.html", tour=found, title=text(shown.title) or found.slug,
        intro=text(shown.intro), stops=entries, left_out=left_out,
        strings={"stop": _("Stop %(n)s of %(m)s"), "previous": _("Previous stop"),
                 "next": _("Next stop"), "view_of": _("360° view of %(place)s")})
    return _page(html)
