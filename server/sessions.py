"""Flask's cookie session, minus one header on public responses.

Flask adds ``Vary: Cookie`` to every response whose request touched the session, and
Flask-Login touches it on every request. A response marked ``Cache-Control: public`` (tiles,
previews, stylesheets) is by definition the same for every visitor, so it must not vary by
cookie: the header would make shared caches keep one copy per visitor. A localised public
answer (the visitors' JSON) keeps it, because the ``lang`` cookie chooses its language.
"""

from __future__ import annotations

from flask import Flask, Response, g
from flask.sessions import SecureCookieSessionInterface, SessionMixin


class PublicAwareSessionInterface(SecureCookieSessionInterface):
    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        if (response.cache_control.public and "Set-Cookie" not in response.headers
                and not g.get("language_negotiated")):
            # lower case: werkzeug's HeaderSet (3.1) takes any other spelling out of its set but
            # not out of the header it writes back, so "Vary: Origin, Cookie" would keep Cookie
            response.vary.discard("cookie")


def init_app(app: Flask) -> None:
    app.session_interface = PublicAwareSessionInterface()
