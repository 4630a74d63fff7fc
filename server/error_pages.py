"""Translated HTML error pages for everything outside ``/api/``."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

#: what a visitor reads for each status; anything else gets the generic text
EXPLANATIONS = {
    400: (_l("Bad request"), _l("The request could not be understood. Please reload the page "
                                "and try again.")),
    401: (_l("Please log in"), _l("You need to log in to see this page.")),
    403: (_l("Not allowed"), _l("Your account may not open this page.")),
    404: (_l("Page not found"), _l("There is no page at this address.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("File too large"), _l("The upload is larger than this city allows.")),
    429: (_l("Too many attempts"), _l("Please wait a moment before you try again.")),
    500: (_l("Something went wrong"), _l("An error occurred on our side. Please try again "
                                          "later.")),
    503: (_l("Temporarily unavailable"), _l("The service is busy or under maintenance. Please "
                                            "try again later.")),
}
GENERIC = (_l("Something went wrong"), _l("The request could not be carried out."))


def render_error_page(
    exc: HTTPException, code: int | None = None, text: str | None = None
) -> tuple[str, int, dict[str, str]]:
    """The error page for ``exc``; ``code`` and ``text`` override its status and explanation."""
    code = code or exc.code or 500
    title, default_text = EXPLANATIONS.get(code, GENERIC)
    headers = {name: value for name, value in exc.get_headers()
               if name.lower() not in ("content-type", "content-length")}
    page = render_template("error.html", code=code, title=title, text=text or default_text)
    return page, code, headers
