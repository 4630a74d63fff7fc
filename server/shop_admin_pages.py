"""Pages where shop owners keep their profiles: ``/my/shops``, the profile form, logo and
photos, offers and events, submitting for review and confirming that the data is current.

Owners see and change only their own shops (the services refuse anything else, and the refusal
becomes the 403 page); editors and admins see every shop. Every form posts with the session's
CSRF token and answers with a redirect (post/redirect/get), except when it refuses an input:
then the page is shown again with everything as typed and the message next to the input.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from babel.dates import format_date
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
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from media_tools.errors import ImageRejected
from media_tools.web_images import WEB_IMAGE_LIMITS, prepare_web_image
from server import shop_forms, shop_labels, shop_presenter
from server.city_settings import city
from server.extensions import db
from server.image_uploads import delete_objects, rejection_message
from server.paging import page_number_or_400
from server.security import current_account, roles_required
from server.shop_forms import OfferForm, ParsedProfile, ProfileForm
from server.shop_media_api import store_image
from server.storage import StorageError
from tours import opening_hours, shop_media, shops
from tours.errors import Conflict, DomainError, Forbidden, NotFound
from tours.i18n import LANGUAGES
from tours.models import (
    ChangeRequest,
    ChangeStatus,
    ImageKind,
    Role,
    Shop,
    ShopStatus,
    User,
    utcnow,
)
from tours.validation import VersionConflict

bp = Blueprint("shop_admin", __name__)
keepers_only = roles_required(Role.EDITOR, Role.SHOP_OWNER)

PAGE_SIZE = 50
#: files one upload form may carry (a shop shows at most 20 photos)
MAX_FILES_PER_UPLOAD = shop_media.MAX_PHOTOS
MAX_FILE_NAME_SHOWN = 60


def _no_store(response: Response) -> Response:
    # pages with CSRF tokens and unsaved input must not be kept by caches or the back button
    response.headers["Cache-Control"] = "no-store"
    return response


def message_of(exc: DomainError) -> str:
    """A domain error's message in the page's language."""
    return _(exc.message, **exc.params)


def _is_editor(user: User) -> bool:
    return shops.is_editor(user)


# --- the list -------------------------------------------------------------------------------


@bp.get("/my/shops")
@keepers_only
def my_shops() -> Response:
    """The shops the account keeps (editors: every shop, filtered by status)."""
    actor = current_account()
    status = _status_filter() if _is_editor(actor) else None
    page = _page_number()
    found, total = shops.shops_of(db.session, actor, status=status,
                                  offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    html = render_template(
        "shop_admin/list.html", shops=found, total=total, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), status=status, is_editor=_is_editor(actor),
        status_labels=shop_labels.STATUS_LABELS, name_of=shop_labels.in_language)
    return _no_store(make_response(html))


def _status_filter() -> ShopStatus | None:
    raw = request.args.get("status", "")
    if not raw:
        return None
    try:
        return ShopStatus(raw)
    except ValueError:
        raise BadRequest(description=_("Choose one of the statuses.")) from None


def _page_number() -> int:
    return page_number_or_400()


# --- the profile form -----------------------------------------------------------------------


@bp.route("/my/shops/new", methods=["GET", "POST"])
@keepers_only
def new_shop() -> Response:
    """A new shop: a draft its creator (an owner) keeps until an editor publishes it."""
    actor = current_account()
    if request.method == "GET":
        blank = shop_forms.form_of_shop(None, shop_labels.language(),
                                        time_zone=city().time_zone)
        return _render_profile(None, blank)
    form = shop_forms.form_of_post(request.form)
    parsed = shop_forms.parse_profile(form, language=shop_labels.language(), with_slug=True)
    if parsed is None:
        return _render_profile(None, form, status=400)
    try:
        shop = shops.create_shop(db.session, actor, parsed.fields,
                                 default_time_zone=city().time_zone)
    except DomainError as exc:
        db.session.rollback()
        return _refused(None, form, parsed, exc)
    db.session.commit()
    flash(_("The shop was saved as a draft. Add a logo and photos, then submit it for "
            "review."), "success")
    return redirect(url_for("shop_admin.edit_shop", shop_id=shop.id))


@bp.route("/my/shops/<int:shop_id>/edit", methods=["GET", "POST"])
@keepers_only
def edit_shop(shop_id: int) -> Response:
    """The whole profile in one form, with the logo, photos and offers below it."""
    actor = current_account()
    shop = shops.shop_for(db.session, actor, shop_id)
    language = shop_labels.language()
    if request.method == "GET":
        form = shop_forms.form_of_shop(shop, language, time_zone=shop.time_zone)
        return _render_profile(shop, form)
    form = shop_forms.form_of_post(request.form)
    parsed = shop_forms.parse_profile(
        form, language=language, with_slug=_is_editor(actor),
        stored_special=(shop.opening_hours or {}).get("special", []))
    if parsed is None:
        return _render_profile(shop, form, status=400)
    waiting_before = shops.pending_link_change(db.session, shop)
    try:
        shops.update_shop(db.session, actor, shop_id, parsed.fields,
                          expected_version=_version(form))
    except DomainError as exc:
        db.session.rollback()
        return _refused(shops.shop_for(db.session, actor, shop_id), form, parsed, exc)
    waiting = shops.pending_link_change(db.session, shop)
    db.session.commit()
    if waiting is not None and (waiting_before is None or waiting.id != waiting_before.id):
        flash(_("Saved. The new web addresses are shown once an editor has approved them."),
              "success")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("shop_admin.edit_shop", shop_id=shop_id))


def _version(form: ProfileForm) -> int | None:
    if not form.version:
        return None
    if not (form.version.isascii() and form.version.isdigit()) or len(form.version) > 9:
        raise BadRequest(description=_("The form is incomplete. Reload the page and try again."))
    return int(form.version)


def _refused(shop: Shop | None, form: ProfileForm, parsed: ParsedProfile,
             exc: DomainError) -> Response:
    """The form again, as typed, with the service's refusal next to its input."""
    if isinstance(exc, Forbidden | NotFound):
        raise exc
    if isinstance(exc, VersionConflict) and shop is not None:
        # the input stays; the next save is based on what is stored now
        form.version = str(shop.version)
        form.form_errors.append(_("Someone else saved this shop in the meantime. Your input "
                                  "is kept below; saving it again replaces their changes."))
        return _render_profile(shop, form, status=409)
    name = shop_forms.input_of(getattr(exc, "field", ""), parsed, shop_labels.language())
    if name is None:
        form.form_errors.append(exc)
    else:
        form.errors[name] = exc
    return _render_profile(shop, form, status=409 if isinstance(exc, Conflict) else 400)


def _render_profile(shop: Shop | None, form: ProfileForm, *, offer_form: OfferForm | None = None,
                    alt_forms: dict[int, dict[str, Any]] | None = None,
                    status: int = 200) -> Response:
    actor = current_account()
    errors = {name: message_of(exc) for name, exc in form.errors.items()}
    form_errors = [message_of(exc) if isinstance(exc, DomainError) else exc
                   for exc in form.form_errors]
    if errors and not form_errors:
        form_errors.append(_("Some entries need your attention: see the messages next to "
                             "them."))
    time_zones = list(shop_labels.COMMON_TIME_ZONES)
    context: dict[str, Any] = {
        "shop": shop, "form": form, "errors": errors, "form_errors": form_errors,
        "first_error": next(iter(errors), None),
        "shop_name": (shop_labels.in_language(shop.name) or shop.slug) if shop else "",
        "may_set_slug": shop is None or _is_editor(actor),
        "labels": shop_labels.FIELD_LABELS,
        "categories": shop_labels.category_choices(db.session),
        "payment_choices": shop_labels.payment_choices(),
        "wheelchair_labels": shop_labels.WHEELCHAIR_LABELS,
        "step_free_labels": shop_labels.STEP_FREE_LABELS,
        "weekdays": shop_labels.weekday_names(),
        "time_zones": time_zones,
        "page_language": shop_labels.language(),
        "translated_languages": LANGUAGES,
    }
    if shop is not None:
        context.update(_media_context(shop, offer_form, alt_forms or {}))
        context.update(_status_context(shop))
    html = render_template("shop_admin/edit.html", **context)
    return _no_store(make_response(html, status))


def _media_context(shop: Shop, offer_form: OfferForm | None,
                   alt_forms: dict[int, dict[str, Any]]) -> dict[str, Any]:
    zone = zoneinfo.ZoneInfo(shop.time_zone)
    now = utcnow()
    logo = shop.logo
    offer_form = offer_form or OfferForm()
    return {
        "logo": _image_card(logo, alt_forms) if logo else None,
        "photos": [_image_card(photo, alt_forms) for photo in shop.photos],
        "max_photos": shop_media.MAX_PHOTOS,
        "offers": [{
            "offer": offer, "title": shop_labels.in_language(offer.title),
            "kind": shop_labels.OFFER_KIND_LABELS[offer.kind],
            "period": f"{_local(offer.valid_from, zone)} – {_local(offer.valid_until, zone)}",
            "state": "now" if offer.is_valid_at(now) else (
                "ended" if offer.valid_until <= now else "later"),
        } for offer in shop.offers],
        "offer_form": offer_form,
        "offer_errors": {name: message_of(exc) for name, exc in offer_form.errors.items()},
        "offer_kinds": shop_labels.OFFER_KIND_LABELS,
    }


def _local(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """A moment as the shop's clock shows it, the date in the page's language."""
    local = moment.astimezone(zone)
    return f"{format_date(local.date(), 'medium', locale=get_locale())} {local:%H:%M}"


def _image_card(image: Any, alt_forms: dict[int, dict[str, Any]]) -> dict[str, Any]:
    view = shop_presenter.image_view(image)
    typed = alt_forms.get(image.id)
    return {
        "id": image.id, "thumb": view.get("thumb"), "large": view.get("large"),
        "alt": typed["values"] if typed else dict(image.alt_text or {}),
        "error": typed["error"] if typed else None,
    }


def _status_context(shop: Shop) -> dict[str, Any]:
    """What the owner should know: status, links waiting, the editors' last word."""
    now = utcnow()
    waiting = shops.pending_link_change(db.session, shop)
    preview = None
    if shop.status is ShopStatus.PUBLISHED and "shop_pages.profile" in current_app.view_functions:
        preview = url_for("shop_pages.profile", slug=shop.slug)
    return {
        "status_label": shop_labels.STATUS_LABELS[shop.status],
        "waiting_links": waiting.changes if waiting else None,
        "last_decision": _last_decision(shop),
        "preview_url": preview,
        "opening_now": shop_presenter.opening_view(shop, now)["summary"],
        "opening_osm": opening_hours.to_osm(shop.opening_hours) if shop.opening_hours else "",
    }


def _last_decision(shop: Shop) -> ChangeRequest | None:
    """The editors' most recent decision about the shop, so its owner reads why."""
    return db.session.scalar(
        select(ChangeRequest)
        .where(ChangeRequest.shop_id == shop.id,
               ChangeRequest.status.in_((ChangeStatus.APPROVED, ChangeStatus.REJECTED)))
        .order_by(ChangeRequest.decided_at.desc(), ChangeRequest.id.desc()).limit(1))


# --- submitting, confirming -----------------------------------------------------------------


@bp.post("/my/shops/<int:shop_id>/submit")
@keepers_only
def submit_shop(shop_id: int) -> Response:
    """Ask the editors to publish a draft."""
    try:
        shops.submit_for_review(db.session, current_account(), shop_id)
    except Conflict as exc:
        db.session.rollback()
        flash(message_of(exc), "error")
    else:
        db.session.commit()
        flash(_("Thank you. The shop waits for an editor's review; you can keep editing it "
                "meanwhile."), "success")
    return redirect(url_for("shop_admin.edit_shop", shop_id=shop_id))


@bp.post("/my/shops/<int:shop_id>/confirm")
@keepers_only
def confirm_shop(shop_id: int) -> Response:
    """The owner confirms that the profile is current."""
    shops.confirm_current(db.session, current_account(), shop_id)
    db.session.commit()
    flash(_("Thank you. Visitors see that the profile was confirmed today."), "success")
    return redirect(url_for("shop_admin.edit_shop", shop_id=shop_id))


# --- logo and photos ------------------------------------------------------------------------


@bp.post("/my/shops/<int:shop_id>/images")
@keepers_only
def upload_images(shop_id: int) -> Response:
    """Add a logo or photos; each file is checked and stored on its own, and each refusal is
    reported with the file's name."""
    actor = current_account()
    shops.shop_for(db.session, actor, shop_id)  # refuse before reading anything
    try:
        kind = ImageKind(request.form.get("kind", ""))
    except ValueError:
        raise BadRequest(description=_("The form is incomplete. Reload the page and try "
                                       "again.")) from None
    files = [upload for upload in request.files.getlist("files") if upload.filename]
    if not files:
        flash(_("Choose one or more image files first."), "error")
    elif len(files) > MAX_FILES_PER_UPLOAD:
        flash(_("Upload at most %(maximum)d files at once.", maximum=MAX_FILES_PER_UPLOAD),
              "error")
    elif _store_uploads(actor, shop_id, kind, files):
        return redirect(url_for("shop_admin.edit_shop", shop_id=shop_id, _anchor="images"))
    # a refusal is read at the top of the page, where the messages are
    return redirect(url_for("shop_admin.edit_shop", shop_id=shop_id))


def _store_uploads(actor: User, shop_id: int, kind: ImageKind, files: list[FileStorage]
                   ) -> bool:
    """Store each file; True when every one was added."""
    added: list[str] = []
    freed: set[str] = set()
    for upload in files:
        name = _file_name(upload)
        try:
            shop_media.check_can_add_image(db.session, actor, shop_id, kind)
        except Conflict as exc:  # the twenty-first photo
            flash(_("%(name)s was not added: %(reason)s", name=name, reason=message_of(exc)),
                  "error")
            break
        data = upload.stream.read(WEB_IMAGE_LIMITS.max_file_bytes + 1)
        try:
            prepared = prepare_web_image(data, purpose=kind.value)
            stored = store_image(prepared, data)
        except ImageRejected as rejection:
            flash(_("%(name)s was not added: %(reason)s", name=name,
                    reason=rejection_message(rejection)), "error")
            continue
        except StorageError:
            current_app.logger.exception("storage failed during a shop image upload")
            flash(_("%(name)s was not added: %(reason)s", name=name, reason=_(
                "The file could not be stored right now. Please try again in a few minutes.")),
                "error")
            continue
        _image, replaced = shop_media.add_image(db.session, actor, shop_id, kind, stored)
        freed |= replaced
        added.append(name)
    db.session.commit()
    delete_objects(freed)
    if added:
        flash(_("Added: %(names)s.", names=", ".join(added)), "success")
    return len(added) == len(files)


def _file_name(upload: FileStorage) -> str:
    """The uploaded file's name as its owner knows it, shortened (shown escaped, never used
    as a storage key)."""
    name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(char for char in name if char.isprintable())
    if len(name) > MAX_FILE_NAME_SHOWN:
        name = name[:MAX_FILE_NAME_SHOWN - 1] + "…"
    return name or _("The file")


@bp.post("/my/shops/<int:shop_id>/images/<int:image_id>/alt")
@keepers_only
def describe_image(shop_id: int, image_id: int) -> Response:
    """Change what screen readers say about an image."""
    actor = current_account()
    values = {code: request.form.get(f"alt-{code}", "") for code in LANGUAGES}
    try:
        shop_media.update_image(db.session, actor, shop_id, image_id, alt_text=values)
    except DomainError as exc:
        db.session.rollback()
        if isinstance(exc, Forbidden | NotFound):
            raise
        shop = shops.shop_for(db.session, actor, shop_id)
        form = shop_forms.form_of_shop(shop, shop_labels.language(), time_zone=shop.time_zone)
        return _render_profile(shop, form, alt_forms={
            image_id: {"values": values, "error": message_of(exc)}}, status=400)
    db.session.commit()
    flash(_("The description of the image was saved."), "success")
    return redirect(url_for("shop_admin.edit_shop", shop_id=shop_id, _anchor="images"))


@bp.post("/my/shops/<int:shop_id>/images/<int:image_id>/delete")
@keepers_only
def delete_image(shop_id: int, image_id: int) -> Response:
    """Remove an image (its files go too unless another image uses them)."""
    freed = shop_media.remove_image(db.session, current_account(), shop_id, image_id)
    db.session.commit()
    delete_objects(freed)
    flash(_("The image was removed."), "success")
    return redirect(url_for("shop_admin.edit_shop", shop_id=shop_id, _anchor="images"))


# --- offers and events ----------------------------------------------------------------------


@bp.post("/my/shops/<int:shop_id>/offers")
@keepers_only
def add_offer(shop_id: int) -> Response:
    """Publish an offer or event; times are the shop's local times."""
    actor = current_account()
    shop = shops.shop_for(db.session, actor, shop_id)
    offer_form = shop_forms.offer_form_of_post(request.form)
    fields = shop_forms.parse_offer(offer_form, time_zone=shop.time_zone)
    if fields is not None:
        try:
            shop_media.add_offer(db.session, actor, shop_id, fields)
        except DomainError as exc:
            db.session.rollback()
            if isinstance(exc, Forbidden | NotFound):
                raise
            offer_form.errors[_offer_input(getattr(exc, "field", ""))] = exc
            shop = shops.shop_for(db.session, actor, shop_id)
        else:
            db.session.commit()
            flash(_("The offer was added."), "success")
            return redirect(url_for("shop_admin.edit_shop", shop_id=shop_id, _anchor="offers"))
    form = shop_forms.form_of_shop(shop, shop_labels.language(), time_zone=shop.time_zone)
    return _render_profile(shop, form, offer_form=offer_form, status=400)


def _offer_input(field: str) -> str:
    """The offer form's input that shows an error about ``field`` (``title.de``)."""
    head, _dot, language = field.partition(".")
    if head in ("title", "text"):
        return f"{head}-{language or shop_labels.language()}"
    return head if head in ("kind", "valid_from", "valid_until") else "valid_until"


@bp.post("/my/shops/<int:shop_id>/offers/<int:offer_id>/delete")
@keepers_only
def delete_offer(shop_id: int, offer_id: int) -> Response:
    """Remove an offer or event."""
    actor = current_account()
    offer = shop_media.get_offer(db.session, actor, offer_id)
    if offer.shop_id != shop_id:
        raise shop_media.OfferNotFound()
    shop_media.delete_offer(db.session, actor, offer_id)
    db.session.commit()
    flash(_("The offer was removed."), "success")
    return redirect(url_for("shop_admin.edit_shop", shop_id=shop_id, _anchor="offers"))

