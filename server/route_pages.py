"""QR codes of the site's own addresses, for kiosk screens and printed signs.

``GET /qr.svg?path=/tours/old-town/market?route_to=sun-bakery`` draws the QR code of that
address on this site (an SVG, drawn by the maintained ``segno`` library). Only paths of this
site are encoded, so the endpoint cannot be used to make codes that lead elsewhere.
"""

from __future__ import annotations

import io
from urllib.parse import urljoin

import segno
from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _

bp = Blueprint("route_pages", __name__)

#: longer addresses make dense codes that phones read badly
MAX_PATH_LENGTH = 600
#: a day: the code of an address never changes
QR_MAX_AGE = 86_400


def site_path(value: str | None) -> str:
    """``value`` if it is a path on this site (``/…``, not ``//host`` or ``/\\host``, no
    control characters or spaces, at most :data:`MAX_PATH_LENGTH` long); else 400."""
    if not value or len(value) > MAX_PATH_LENGTH or not value.startswith("/") \
            or value.startswith(("//", "/\\")) or any(ord(char) <= 0x20 or ord(char) == 0x7F
                                                       for char in value):
        abort(400, description=_("Give a path of this site, starting with a single “/”."))
    return value


@bp.get("/qr.svg")
def qr_code() -> Response:
    """The QR code of ``?path=`` on this site, as SVG."""
    address = urljoin(request.url_root, site_path(request.args.get("path")))
    code = segno.make(address, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", scale=4, border=2, dark="#111", light="#fff", xmldecl=False,
              svgclass="qr-code", title=address)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = QR_MAX_AGE
    return response
