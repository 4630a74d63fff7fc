"""Outgoing mail through the city's SMTP server, for account links.

Mail is optional: without ``SMTP_HOST`` nothing is sent and staff pass links on themselves.
A mail is sent after the change it reports was committed, with a 10-second limit on every
network step, and any failure becomes one :class:`MailError`, so that a page can say the mail
did not go out and still show the link.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from flask import current_app

from tours.models import utcnow

#: seconds any step of talking to the mail server may take
SMTP_TIMEOUT_SECONDS = 10.0


class MailError(Exception):
    """The mail could not be handed to the mail server."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str
    password: str
    sender: str
    starttls: bool
    timeout: float = SMTP_TIMEOUT_SECONDS

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        """The settings in ``config``; None when no mail server is configured."""
        if not config.get("SMTP_HOST"):
            return None
        return cls(host=config["SMTP_HOST"], port=int(config["SMTP_PORT"]),
                   username=config.get("SMTP_USERNAME") or "",
                   password=config.get("SMTP_PASSWORD") or "",
                   sender=config["SMTP_FROM"], starttls=bool(config.get("SMTP_STARTTLS", True)))


def mail_settings() -> SmtpSettings | None:
    """The current application's mail server, or None."""
    return SmtpSettings.from_config(current_app.config)


def build_message(settings: SmtpSettings, *, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text mail. Header values with line breaks are refused (ValueError)."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(body)
    return message


def send_mail(settings: SmtpSettings, *, to: str, subject: str, body: str) -> None:
    """Hand one mail to the mail server; raises :class:`MailError` on any failure."""
    try:
        message = build_message(settings, to=to, subject=subject, body=body)
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
