"""The admins' audit log page: who did what, newest first, 50 a page, filtered by action."""

from __future__ import annotations

import json
import re

from flask import Blueprint, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from server.extensions import db
from server.paging import page_number_or_400
from server.security import roles_required
from tours import audit
from tours.models import AuditEvent, Role

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50
#: what an action filter may be: the start of a dotted action name
ACTION_PREFIX = re.compile(r"[a-z_.]{0,60}")
#: the groups offered in the filter, by the prefix their actions start with
GROUPS = (
    ("login.", _l("Sign-ins")),
    ("two_factor.", _l("Two-factor sign-in")),
    ("account.", _l("Accounts")),
    ("invitation.", _l("Invitations")),
    ("password_reset.", _l("Password resets")),
    ("shop.", _l("Shops")),
    ("change.", _l("Moderation")),
    ("legal_page.", _l("Legal pages")),
)
#: readable names of the actions this code base records; others are shown by their name
ACTIONS = {
    "login.succeeded": _l("Signed in"),
    "login.failed": _l("Sign-in failed"),
    "login.signed_out": _l("Signed out"),
    "two_factor.enabled": _l("Two-factor sign-in turned on"),
    "two_factor.disabled": _l("Two-factor sign-in turned off"),
    "account.created": _l("Account created"),
    "account.password_set": _l("Password set with a link"),
    "account.role_changed": _l("Role changed"),
    "account.deactivated": _l("Account deactivated"),
    "account.reactivated": _l("Account reactivated"),
    "account.deleted": _l("Account deleted"),
    "invitation.issued": _l("Invitation issued"),
    "invitation.accepted": _l("Invitation accepted"),
    "password_reset.issued": _l("Password-reset link issued"),
    "shop.created": _l("Shop created"),
    "shop.updated": _l("Shop changed"),
    "shop.deleted": _l("Shop deleted"),
    "shop.confirmed": _l("Shop confirmed as current"),
    "shop.submitted": _l("Shop submitted for review"),
    "shop.owners_changed": _l("Shop owners changed"),
    "shop.orphaned": _l("Shop left without an owner"),
    "shop.kept_for_city": _l("Shop kept for the city"),
    "shop.closed": _l("Shop closed"),
    "shop.transferred": _l("Shop handed over"),
    "change.approved": _l("Change approved"),
    "change.rejected": _l("Change rejected"),
    "legal_page.updated": _l("Legal page changed"),
}


def _arguments() -> tuple[str, int]:
    prefix = request.args.get("action", "").strip()
    if not ACTION_PREFIX.fullmatch(prefix):
        raise BadRequest(description=_("Filter by the start of an action's name, such as "
                                       "“login.”."))
    return prefix, page_number_or_400()


def _details(event: AuditEvent) -> str:
    return json.dumps(event.details, ensure_ascii=False, sort_keys=True) if event.details else ""


@bp.get("/admin/audit")
@roles_required(Role.ADMIN)
def events() -> Response:
    """The audit log."""
    prefix, page = _arguments()
    found, total = audit.list_events(db.session, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
                                     action_prefix=prefix or None)
    html = render_template(
        "staff/audit.html", events=found, total=total, page=page, prefix=prefix,
        pages=max(1, -(-total // PAGE_SIZE)), groups=GROUPS, actions=ACTIONS, details=_details,
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response
