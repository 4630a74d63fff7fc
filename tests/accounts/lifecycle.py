"""Helpers of the account life-cycle tests: forms posted like a browser, links read from pages,
a fake mail server on loopback."""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from server.extensions import db
from tests.support.accounts import csrf_token_from, log_in
from tests.support.pseudo_locale import untranslated_texts
from tours.models import AuditEvent, User

SHOWN_LINK = re.compile(r'id="shown-link">\s*(https?://[^<\s]+)\s*<')
#: a date and time as Babel formats them in English ("11/22/26, 7:55 AM")
FORMATTED_TIME = re.compile(r"[\d/.,:\s]+(AM|PM)?")


def untranslated(html: str, allowed: list[str]) -> list[str]:
    """Like :func:`untranslated_texts`; formatted dates and times count as data."""
    return [text for text in untranslated_texts(html, allowed)
            if not FORMATTED_TIME.fullmatch(text)]


def post_form(client: FlaskClient, page: str, action: str | None = None,
              data: dict[str, Any] | None = None) -> TestResponse:
    """Open ``page``, then post ``data`` with the page's CSRF token to ``action`` (or ``page``)."""
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(action or page, data={**(data or {}), "csrf_token": token})


def shown_link(response: TestResponse) -> str:
    """The path of the account link a staff page shows once."""
    match = SHOWN_LINK.search(response.get_data(as_text=True))
    assert match, "the page shows no link"
    url = match.group(1)
    assert url.startswith("http://localhost/account/"), "the link is an absolute address"
    return url.removeprefix("http://localhost")


def me(client: FlaskClient) -> dict[str, Any] | None:
    """The signed-in account as ``/api/me`` tells it, or None."""
    response = client.get("/api/me")
    return response.get_json() if response.status_code == 200 else None


def signed_in(app: Flask, make_user: Any, email: str, role: Any, **fields: Any) -> FlaskClient:
    """A client signed in with a new account."""
    make_user(email=email, role=role, **fields)
    client = app.test_client()
    assert log_in(client, email).status_code == 302
    return client


def events(app: Flask, action: str) -> list[AuditEvent]:
    """The audit events of ``action``, oldest first (detached)."""
    with app.app_context():
        found = list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))
        db.session.expunge_all()
        return found


def account(app: Flask, email: str) -> User | None:
    """The account with ``email`` as stored now (detached)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


# --- a mail server on loopback ------------------------------------------------------------


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    data: str


@dataclass
class FakeSmtp:
    """What the fake server received."""

    port: int
    mails: list[ReceivedMail] = field(default_factory=list)


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    timeout = 10
    server: Any

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self._reply("220 fake-smtp ready")
        sender, recipients = "", []
        for _ in range(100):  # commands of one connection, bounded
            raw = self.rfile.readline(4096)
            if not raw:
                return
            command = raw.decode().strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 fake-smtp")
            elif verb == "MAIL":
                sender = command.partition(":")[2].strip().strip("<>")
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.partition(":")[2].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 go ahead")
                lines = []
                for _line in range(10_000):
                    line = self.rfile.readline(65536).decode()
                    if line in (".\r\n", ""):
                        break
                    lines.append(line[1:] if line.startswith("..") else line)
                self.server.received.append(ReceivedMail(sender, recipients, "".join(lines)))
                sender, recipients = "", []
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 OK")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.received: list[ReceivedMail] = []


@contextmanager
def fake_smtp_server() -> Iterator[FakeSmtp]:
    """A plain-text SMTP server on 127.0.0.1 that records every mail."""
    server = _SmtpServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    fake = FakeSmtp(port=server.server_address[1])
    fake.mails = server.received
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
