"""QR codes of the site's own addresses, for kiosk screens and printed signs.

``GET /qr.svg?path=/tours/old-town/market?route_to=sun-bakery`` draws the QR code of that
address on this site (an SVG, drawn by the maintained ``segno`` library). Only paths of this
site are encoded, so the endpoint cannot be used to make codes that lead elsewhere.
"""

from __future__ import annotations

import io
from typing import NoReturn
from urllib.parse import urljoin

import segno
from flask import Blueprint, Response, abort, make_response, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from server.error_pages import render_error_page

bp = Blueprint("route_pages", __name__)

#: longer addresses make dense codes that phones read badly
MAX_PATH_LENGTH = 600
#: a day: the code of an address never changes
QR_MAX_AGE = 86_400


def _refuse(message: str) -> NoReturn:
    """400 with ``message`` on the error page (a page shows no exception's description)."""
    abort(make_response(render_error_page(BadRequest(), text=message)))


def site_path(value: str | None) -> str:
    """``value`` if it is a path on this site (``/…``, not ``//host`` or ``/\\host``, no
    spaces, no control, format or separator characters of any script — a line separator or a
    right-to-left override would hide what the code leads to —, at most
    :data:`MAX_PATH_LENGTH` long); else 400."""
    if not value or len(value) > MAX_PATH_LENGTH or not value.startswith("/") \
            or value.startswith(("//", "/\\")) or " " in value or not value.isprintable():
        _refuse(_("Give a path of this site, starting with a single “/”."))
    return value


@bp.get("/qr.svg")
def qr_code() -> Response:
    """The QR code of ``?path=`` on this site, as SVG."""
    address = urljoin(request.url_root, site_path(request.args.get("path")))
    try:
        code = segno.make(address, error="m")
    except segno.DataOverflowError:
        # 600 characters of a script that takes 3 or 4 bytes each fit no QR code
        _refuse(_("This address is too long for a QR code."))
    out = io.BytesIO()
    code.save(out, kind="svg", scale=4, border=2, dark="#111", light="#fff", xmldecl=False,
              svgclass="qr-code", title=address)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = QR_MAX_AGE
    return response
