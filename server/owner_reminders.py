"""The reminder a shop owner sees after signing in when a shop of theirs needs a look: its
details were not confirmed for ``FRESHNESS_SHOP_MONTHS``, or the link checker flagged its
website or online shop. Each message links to the shop's page, where the owner confirms the
details ("My data is current") or corrects the address."""

from __future__ import annotations

from flask import current_app, flash, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from server import shop_labels
from server.extensions import db
from server.shop_presenter import text
from tours import freshness
from tours.models import User

#: shops named one by one; more are summed up with a link to the owner's list
MAX_NAMED = 3


def _message(reminder: freshness.OwnerReminder) -> Markup:
    shop = reminder.shop
    name = text(shop.name) or shop.slug
    parts = []
    if reminder.unconfirmed:
        if shop.last_confirmed_at is None:
            parts.append(_("Please confirm that the details of %(shop)s are still correct.",
                           shop=name))
        else:
            parts.append(_("The details of %(shop)s were last confirmed on %(date)s. Please "
                           "confirm that they are still correct.", shop=name,
                           date=format_date(shop.last_confirmed_at, "long")))
    for field in reminder.flagged_fields:
        parts.append(_("The address given as “%(field)s” of %(shop)s did not work when we "
                       "checked it.", field=str(shop_labels.FIELD_LABELS[field]), shop=name))
    return Markup("{text} <a href=\"{url}\">{link}</a>").format(
        text=" ".join(parts), url=url_for("shop_admin.edit_shop", shop_id=shop.id),
        link=_("Open %(shop)s", shop=name))


def remind(user: User) -> None:
    """Flash a reminder for each shop of ``user`` that needs a look (never fails a sign-in)."""
    config = current_app.config
    limits = freshness.default_thresholds(config["FRESHNESS_SHOP_MONTHS"],
                                          config["FRESHNESS_SCENE_YEARS"])
    try:
        reminders = freshness.owner_reminders(db.session, user, limits, limit=MAX_NAMED + 1)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("could not look up the shop reminders", exc_info=True)
        return
    for reminder in reminders[:MAX_NAMED]:
        flash(_message(reminder), "reminder")
    if len(reminders) > MAX_NAMED:
        flash(Markup("{text} <a href=\"{url}\">{link}</a>").format(
            text=_("More of your shops need a look."), url=url_for("shop_admin.my_shops"),
            link=_("My shops")), "reminder")
