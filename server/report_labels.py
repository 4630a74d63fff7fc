"""The labels of the reasons a visitor gives for reporting an image, shared by the walk page's
form and the editors' queue."""

from __future__ import annotations

from flask_babel import lazy_gettext

from tours.models import ReportReason

REASON_LABELS = {
    ReportReason.PERSON: lazy_gettext("A person can be recognised"),
    ReportReason.LICENCE_PLATE: lazy_gettext("A licence plate can be read"),
    ReportReason.PRIVATE_PROPERTY: lazy_gettext("Private property or a window of a home"),
    ReportReason.OFFENSIVE: lazy_gettext("Offensive content"),
    ReportReason.COPYRIGHT: lazy_gettext("It infringes copyright"),
    ReportReason.OTHER: lazy_gettext("Something else"),
}


def reason_choices() -> list[tuple[str, str]]:
    """(value, label) pairs in the form's order, labels in the page's language."""
    return [(reason.value, str(label)) for reason, label in REASON_LABELS.items()]
