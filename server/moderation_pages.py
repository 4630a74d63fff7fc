"""``/staff/moderation``: the editors' queue of shops to publish and new web addresses to
approve, oldest first, each with its diff, and the decision with a comment for the owner.

The diff shows values as text. Web addresses in particular are never links here: a request
for new links exists precisely because they might lead somewhere they should not, so an
editor reads them (and copies one into a browser on purpose) rather than clicking them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from server import shop_labels
from server.extensions import db
from server.i18n import LANGUAGE_NAMES
from server.paging import page_number_or_400
from server.security import current_account, roles_required
from tours import opening_hours, shops
from tours.errors import DomainError, Forbidden, NotFound
from tours.i18n import LANGUAGES
from tours.models import ChangeRequest, ChangeStatus, Role, Wheelchair

bp = Blueprint("moderation", __name__)

PAGE_SIZE = 20
#: change-request fields holding a map from language to text
TRANSLATED = frozenset({"name", "short_description", "description"})
MAX_COMMENT_LENGTH = 2000


@dataclass(frozen=True)
class DiffRow:
    """One line of a change's diff, ready to show as text."""

    label: str
    old: str
    new: str
    #: "url" (shown as text, never as a link), "long" (wraps) or "text"
    kind: str = "text"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/staff/moderation")
@roles_required(Role.EDITOR)
def queue() -> Response:
    """The changes waiting for an editor, oldest first."""
    page = _page_number()
    changes, total = shops.list_changes(db.session, status=ChangeStatus.PENDING,
                                        offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    items = [{"change": change,
              "shop_name": shop_labels.in_language(change.shop.name) or change.shop.slug,
              "kind": shop_labels.CHANGE_KIND_LABELS[change.kind],
              "requested_by": _person(change),
              "diff": diff_rows(change.changes)} for change in changes]
    for item in items:
        # a new shop has no "before": its table shows the values only
        item["has_old"] = any(row.old for row in item["diff"])
    html = render_template("shop_admin/moderation.html", items=items, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)),
                           max_comment=MAX_COMMENT_LENGTH)
    return _no_store(make_response(html))


@bp.post("/staff/moderation/<int:change_id>")
@roles_required(Role.EDITOR)
def decide(change_id: int) -> Response:
    """Approve or reject one change; the comment is shown to the shop's owners."""
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        raise BadRequest(description=_("The form is incomplete. Reload the page and try again."))
    comment = request.form.get("comment", "")[:MAX_COMMENT_LENGTH + 1]
    try:
        change = shops.decide(db.session, current_account(), change_id,
                              approve=decision == "approve", comment=comment)
    except DomainError as exc:
        db.session.rollback()
        if isinstance(exc, Forbidden | NotFound):
            raise
        flash(_(exc.message, **exc.params), "error")
        return redirect(url_for("moderation.queue"))
    name = shop_labels.in_language(change.shop.name) or change.shop.slug
    db.session.commit()
    if decision == "approve":
        flash(_("Approved: %(shop)s.", shop=name), "success")
    else:
        flash(_("Declined: %(shop)s. The owners see your comment.", shop=name), "success")
    return redirect(url_for("moderation.queue"))


def _page_number() -> int:
    return page_number_or_400()


def _person(change: ChangeRequest) -> str:
    user = change.requested_by
    if user is None:
        return _("an account that no longer exists")
    return f"{user.display_name} <{user.email}>" if user.display_name else user.email


# --- the diff -------------------------------------------------------------------------------


def diff_rows(changes: Mapping[str, Any]) -> list[DiffRow]:
    """The rows of a change's diff ``{field: {"old", "new"}}`` in the profile form's order;
    a translatable text gives a row per language."""
    order = list(shop_labels.FIELD_LABELS)
    rows: list[DiffRow] = []
    for name in sorted(changes, key=lambda key: order.index(key) if key in order else 999):
        diff = changes[name] if isinstance(changes[name], Mapping) else {}
        old, new = diff.get("old"), diff.get("new")
        label = str(shop_labels.FIELD_LABELS.get(name, name))
        if name in TRANSLATED:
            rows += _translated_rows(label, old, new, long=name == "description")
            continue
        kind = "url" if name in ("website", "online_shop_url", "social_links") else "text"
        if name == "opening_hours":
            kind = "long"
        rows.append(DiffRow(label, show_value(name, old), show_value(name, new), kind))
    return rows


def _translated_rows(label: str, old: Any, new: Any, *, long: bool) -> list[DiffRow]:
    old_map = old if isinstance(old, Mapping) else {}
    new_map = new if isinstance(new, Mapping) else {}
    rows = []
    for code in LANGUAGES:
        if old_map.get(code) != new_map.get(code):
            rows.append(DiffRow(f"{label} ({LANGUAGE_NAMES[code]})", str(old_map.get(code) or ""),
                                str(new_map.get(code) or ""), "long" if long else "text"))
    return rows


def show_value(name: str, value: Any) -> str:
    """A stored value as an editor reads it (labels in the page's language)."""
    if value is None or value in ("", [], {}):
        return ""
    shown = _SHOWN_AS.get(name)
    if shown is not None:
        return shown(value)
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    if isinstance(value, float):
        return f"{value:.7f}".rstrip("0").rstrip(".")
    return str(value)


def _payment_methods(value: Any) -> str:
    labels = dict(shop_labels.payment_choices())
    items = value if isinstance(value, list) else [value]
    return ", ".join(labels.get(str(key), str(key)) for key in items)


def _wheelchair(value: Any) -> str:
    try:
        return str(shop_labels.WHEELCHAIR_LABELS[Wheelchair(value)])
    except ValueError:
        return str(value)


def _osm(hours: Any) -> str:
    """Opening hours as their OpenStreetMap string (a stored value is clean; a broken one
    is shown as it is rather than failing the queue)."""
    if not isinstance(hours, Mapping):
        return str(hours)
    try:
        return opening_hours.to_osm(opening_hours.clean_opening_hours(dict(hours)))
    except (DomainError, KeyError, TypeError, ValueError):
        return repr(dict(hours))


#: how a field's stored value is shown, where ``str`` is not enough
_SHOWN_AS: dict[str, Callable[[Any], str]] = {
    "category_key": lambda value: shop_labels.category_label(db.session, str(value)),
    "payment_methods": _payment_methods,
    "wheelchair": _wheelchair,
    "step_free_entrance": lambda value: str(shop_labels.STEP_FREE_LABELS["yes" if value
                                                                         else "no"]),
    "opening_hours": _osm,
}
