"""The city's legal pages for visitors: ``/imprint``, ``/privacy`` and ``/accessibility``.

Each shows the text the admins wrote (``tours.legal``) in the visitor's language, else the
city's language, else any language it was written in. A page nobody wrote yet is still a
page, not a 404: it names itself and says that the city has not published it yet (admins
get a link to write it), so the footer's links always lead somewhere.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from server.city_settings import city
from server.extensions import db
from server.shop_presenter import language
from tours import legal
from tours.models import LegalPageKey

bp = Blueprint("legal", __name__)

#: each page's title, also its heading
TITLES = {
    LegalPageKey.IMPRINT: _l("Imprint"),
    LegalPageKey.PRIVACY: _l("Privacy statement"),
    LegalPageKey.ACCESSIBILITY: _l("Accessibility statement"),
}


@bp.get("/imprint", defaults={"key": LegalPageKey.IMPRINT.value})
@bp.get("/privacy", defaults={"key": LegalPageKey.PRIVACY.value})
@bp.get("/accessibility", defaults={"key": LegalPageKey.ACCESSIBILITY.value})
def page(key: str) -> str:
    """A legal page in the visitor's language (with the fallback), or the note that the
    city has not published it yet."""
    page_key = LegalPageKey(key)
    stored = legal.get_page(db.session, page_key)
    current = language()
    shown = legal.shown_text(stored, current, city().default_language)
    return render_template(
        "legal/page.html", key=page_key, title=TITLES[page_key],
        # stored sanitised; cleaned again here so rows written around the service stay safe
        body_html=legal.sanitise_legal_html(shown.html) if shown else None,
        body_language=shown.language if shown else None,
        other_language=shown is not None and shown.language != current,
        updated=format_date(stored.updated_at, "long") if shown and stored else None,
    )
