"""Flask's cookie session, minus one header on public responses.

Flask adds ``Vary: Cookie`` to every response whose request touched the session, and
Flask-Login touches it on every request. A response marked ``Cache-Control: public`` (tiles,
previews, stylesheets) is by definition the same for every visitor, so it must not vary by
cookie: the header would make shared caches keep one copy per visitor.
"""

from __future__ import annotations

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface, SessionMixin


class PublicAwareSessionInterface(SecureCookieSessionInterface):
    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        if response.cache_control.public and "Set-Cookie" not in response.headers:
            response.vary.discard("Cookie")


def init_app(app: Flask) -> None:
    app.session_interface = PublicAwareSessionInterface()
