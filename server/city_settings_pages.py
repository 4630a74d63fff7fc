"""The admins' city settings (``/admin/settings``), category list (``/admin/categories…``)
and the stylesheet that carries the city's colours to every page (``/assets/city.css``).

Colours reach the pages through that stylesheet's CSS custom properties, never inline
styles (the CSP forbids them). Forms carry the version they were based on; a stale one is
answered 409 with the admin's input kept, so nothing typed is lost. Rules live in
:mod:`tours.city`; these views parse, call it, commit.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from media_tools.web_images import WebImagePurpose
from server import city_settings
from server.city_settings import City, city
from server.extensions import db
from server.image_uploads import UploadRefused, accept_upload, delete_objects
from server.legal_pages import TITLES
from server.security import current_account, roles_required
from server.shop_labels import in_language
from server.storage import StorageError
from server.storage_setup import public_storage
from tours import city as city_rules
from tours import legal
from tours.errors import Conflict, DomainError, NotFound
from tours.i18n import LANGUAGES
from tours.images import record_keys
from tours.models import Category, Role
from tours.validation import InvalidValue, VersionConflict

bp = Blueprint("city_settings", __name__)
bp.app_context_processor(city_settings.template_helpers)

MAX_VERSION_DIGITS = 9
#: the generated stylesheet may be cached briefly; the link carries its hash as well
STYLESHEET_MAX_AGE = 300
#: common IANA zones offered in the form's suggestion list (any other valid one is accepted)
SUGGESTED_ZONES = ("Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/Paris",
                   "Europe/Madrid", "Europe/London", "Europe/Lisbon", "Europe/Rome",
                   "Europe/Amsterdam", "Europe/Brussels", "America/Mexico_City",
                   "America/Buenos_Aires", "America/New_York", "America/Montreal")


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _message(exc: DomainError) -> str:
    return _(exc.message, **exc.params)


def _posted_version() -> int:
    raw = request.form.get("version", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_VERSION_DIGITS:
        raise BadRequest(description=_("The form is incomplete. Reload the page and try again."))
    return int(raw)


def logo_url(current: City) -> str | None:
    """Where browsers fetch the city's logo; None without one (or without public storage)."""
    if not current.logo:
        return None
    try:
        return public_storage().public_url(str(current.logo["key"]))
    except StorageError:
        return None


@bp.app_context_processor
def _logo() -> dict[str, object]:
    return {"city_logo_url": lambda: logo_url(city())}


# --- the stylesheet -----------------------------------------------------------------------

@bp.get("/assets/city.css")
def stylesheet() -> Response:
    """The city's colours as CSS custom properties that ``site.css`` uses."""
    current = city()
    css = (":root {\n"
           f"  --header: {current.header_colour};\n"
           f"  --header-ink: {current.header_text_colour};\n"
           f"  --accent: {current.accent_colour};\n"
           f"  --accent-ink: {current.accent_text_colour};\n"
           "}\n")
    response = make_response(css)
    response.mimetype = "text/css"
    response.set_etag(current.stylesheet_tag)
    response.headers["Cache-Control"] = f"public, max-age={STYLESHEET_MAX_AGE}"
    return response.make_conditional(request)


# --- settings -----------------------------------------------------------------------------

def _form_values(current: City) -> dict[str, str]:
    settings = city_rules.get_settings(db.session)
    latitude, longitude = current.map_centre or (None, None)
    return {"name": current.name, "header_colour": current.header_colour,
            "header_text": settings.header_text if settings else city_rules.DEFAULT_HEADER_TEXT,
            "accent_colour": current.accent_colour,
            "default_language": current.default_language, "time_zone": current.time_zone,
            "map_latitude": "" if latitude is None else f"{latitude:g}",
            "map_longitude": "" if longitude is None else f"{longitude:g}"}


def _render_settings(values: dict[str, str], *, version: int,
                     errors: dict[str, str] | None = None,
                     form_errors: list[str] | None = None, status: int = 200) -> Response:
    current = city()
    context: dict[str, Any] = {
        "values": values, "version": version, "errors": errors or {},
        "form_errors": form_errors or [], "languages": LANGUAGES, "zones": SUGGESTED_ZONES,
        "logo_url": logo_url(current),
        "legal_pages": [(key, TITLES[key]) for key in legal.LEGAL_PAGE_KEYS],
        "max_name_length": city_rules.MAX_NAME_LENGTH,
    }
    return _no_store(make_response(render_template("city/settings.html", **context), status))


def _number_or_none(name: str) -> object:
    raw = request.form.get(name, "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        return raw  # the rules answer "enter a number"


@bp.route("/admin/settings", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def settings() -> Response:
    """Name, colours, logo, default language, time zone and map centre of the city."""
    if request.method == "GET":
        current = city()
        return _render_settings(_form_values(current), version=current.version)
    names = ("name", "header_colour", "header_text", "accent_colour", "default_language",
             "time_zone")
    values = {name: request.form.get(name, "") for name in names}
    values.update({name: request.form.get(name, "").strip()
                   for name in ("map_latitude", "map_longitude")})
    fields: dict[str, object] = dict(values)
    fields.update({name: _number_or_none(name) for name in ("map_latitude", "map_longitude")})
    expected = _posted_version()
    try:
        city_rules.clean_settings(fields)  # refuse bad input before storing any upload
    except InvalidValue as exc:
        return _render_settings(values, version=expected, errors={exc.field: _message(exc)},
                                status=400)
    upload = request.files.get("logo")
    logo = None
    if upload is not None and upload.filename:
        try:
            logo = accept_upload(upload, purpose=WebImagePurpose.LOGO, area="city").as_record()
        except UploadRefused as refused:
            message = (refused.response.get_json(silent=True) or {}).get(
                "message") or _("The image cannot be used.")
            return _render_settings(values, version=expected, errors={"logo": message},
                                    status=refused.response.status_code)
    before = city_rules.get_settings(db.session)
    old_logo = dict(before.logo) if before is not None and before.logo else None
    try:
        saved, changed = city_rules.save_settings(
            db.session, current_account(), fields, expected_version=expected, logo=logo,
            remove_logo=request.form.get("remove_logo") == "1")
    except DomainError as exc:
        db.session.rollback()
        if logo is not None:
            delete_objects(record_keys(logo))
        return _refused_settings(values, expected, exc)
    db.session.commit()
    if old_logo is not None and saved.logo != old_logo:
        delete_objects(record_keys(old_logo) - record_keys(saved.logo))
    city_settings.forget()
    flash(_("Saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("city_settings.settings"))


def _refused_settings(values: dict[str, str], expected: int, exc: DomainError) -> Response:
    if isinstance(exc, VersionConflict):
        # the input stays; the next save is based on what is stored now
        current = city_settings.load_city()
        return _render_settings(values, version=current.version, status=409, form_errors=[
            _("Someone else saved the settings in the meantime. Your entries are kept "
              "below; saving again replaces theirs (now: name “%(name)s”, language "
              "%(language)s).", name=current.name, language=current.default_language)])
    if isinstance(exc, InvalidValue):
        return _render_settings(values, version=expected, errors={exc.field: _message(exc)},
                                status=400)
    if isinstance(exc, Conflict):
        return _render_settings(values, version=expected, form_errors=[_message(exc)],
                                status=409)
    raise exc


# --- categories ---------------------------------------------------------------------------

def _render_categories(*, form_errors: list[str] | None = None, status: int = 200
                       ) -> Response:
    rows = city_rules.categories_with_use(db.session)
    return _no_store(make_response(render_template(
        "city/categories.html", rows=rows, form_errors=form_errors or [],
        localized_label=in_language), status))


@bp.get("/admin/categories")
@roles_required(Role.ADMIN)
def categories() -> Response:
    """The category list in its order, with how many shops use each."""
    return _render_categories()


def _category_values(category: Category | None) -> dict[str, Any]:
    if category is None:
        return {"key": "", "label": {}, "osm_key": "shop", "osm_value": "",
                "schema_type": "Store", "position": "0"}
    return {"key": category.key, "label": dict(category.label or {}),
            "osm_key": category.osm_key, "osm_value": category.osm_value,
            "schema_type": category.schema_type, "position": str(category.position)}


def _render_category(values: dict[str, Any], *, category: Category | None,
                     errors: dict[str, str] | None = None,
                     form_errors: list[str] | None = None, status: int = 200) -> Response:
    html = render_template("city/category_edit.html", values=values, category=category,
                           errors=errors or {}, form_errors=form_errors or [],
                           languages=LANGUAGES, osm_keys=city_rules.OSM_KEYS)
    return _no_store(make_response(html, status))


def _posted_category() -> tuple[dict[str, Any], dict[str, object]]:
    """What the form shows again, and the fields for the rules."""
    values: dict[str, Any] = {
        "key": request.form.get("key", "").strip(),
        "label": {language: request.form.get(f"label-{language}", "")
                  for language in LANGUAGES},
        **{name: request.form.get(name, "") for name in ("osm_key", "osm_value",
                                                         "schema_type", "position")},
    }
    fields: dict[str, object] = {name: values[name] for name in
                                 ("label", "osm_key", "osm_value", "schema_type")}
    raw_position = values["position"].strip()
    fields["position"] = int(raw_position) if raw_position.isascii() and \
        raw_position.isdigit() and len(raw_position) <= MAX_VERSION_DIGITS else raw_position
    return values, fields


def _field_name(field: str) -> str:
    """The form's input for a rule's field (``label.de`` → ``label-de``)."""
    return field.replace(".", "-")


def _refused_category(values: dict[str, Any], category: Category | None,
                      exc: DomainError) -> Response:
    if isinstance(exc, InvalidValue):
        name = _field_name(exc.field)
        if name == "label":
            name = f"label-{LANGUAGES[0]}"
        return _render_category(values, category=category, errors={name: _message(exc)},
                                status=400)
    if isinstance(exc, Conflict):
        return _render_category(values, category=category, form_errors=[_message(exc)],
                                status=409)
    raise exc


@bp.route("/admin/categories/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_category() -> Response:
    if request.method == "GET":
        return _render_category(_category_values(None), category=None)
    values, fields = _posted_category()
    try:
        created = city_rules.create_category(db.session, current_account(), values["key"],
                                             fields)
    except DomainError as exc:
        db.session.rollback()
        return _refused_category(values, None, exc)
    db.session.commit()
    flash(_("Category %(key)s added.", key=created.key), "success")
    return redirect(url_for("city_settings.categories"))


def _category_or_404(key: str) -> Category:
    category = db.session.get(Category, key)
    if category is None:
        abort(404)
    return category


@bp.route("/admin/categories/<key>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_category(key: str) -> Response:
    category = _category_or_404(key)
    if request.method == "GET":
        return _render_category(_category_values(category), category=category)
    values, fields = _posted_category()
    values["key"] = category.key
    try:
        _category, changed = city_rules.update_category(db.session, current_account(), key,
                                                        fields)
    except DomainError as exc:
        db.session.rollback()
        return _refused_category(values, _category_or_404(key), exc)
    db.session.commit()
    flash(_("Saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("city_settings.categories"))


@bp.post("/admin/categories/<key>/delete")
@roles_required(Role.ADMIN)
def delete_category(key: str) -> Response:
    """Remove an unused category; one in use stays, and the list says why."""
    try:
        city_rules.delete_category(db.session, current_account(), key)
    except NotFound:
        abort(404)
    except DomainError as exc:
        db.session.rollback()
        return _render_categories(form_errors=[_message(exc)], status=409)
    db.session.commit()
    flash(_("Category %(key)s deleted.", key=key), "success")
    return redirect(url_for("city_settings.categories"), code=303)
