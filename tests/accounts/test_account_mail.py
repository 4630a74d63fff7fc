"""Account links by mail: through a fake SMTP server on loopback, and when mail fails."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from server.config import ConfigError, load_config
from tests.accounts.lifecycle import (
    FakeSmtp,
    account,
    fake_smtp_server,
    post_form,
    shown_link,
    signed_in,
)
from tests.support.accounts import log_in
from tours.models import Role

SENDER = "flaneur@city.example"


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    with fake_smtp_server() as server:
        yield server


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp: FakeSmtp) -> dict[str, Any]:
    return {**app_config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
            "SMTP_FROM": SENDER, "SMTP_STARTTLS": False, "CITY_NAME": "Musterstadt"}


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_invitation_is_mailed_and_shown(app, make_user, smtp):
    editor = signed_in(app, make_user, "editor@city.example", Role.EDITOR)
    response = post_form(editor, "/staff/invitations",
                         data={"email": "olga@shop.example", "display_name": "Olga Bäcker"})
    assert response.status_code == 201
    link = shown_link(response)
    assert "was also mailed to olga@shop.example" in response.get_data(as_text=True)

    assert len(smtp.mails) == 1
    mail = smtp.mails[0]
    assert mail.sender == SENDER
    assert mail.recipients == ["olga@shop.example"]
    message = email.message_from_string(mail.data, policy=email.policy.default)
    assert message["To"] == "olga@shop.example"
    assert message["From"] == SENDER
    assert "Musterstadt" in message["Subject"]
    body = message.get_content()
    assert "http://localhost" + link in body
    assert "Olga Bäcker" in body


def test_a_reset_link_is_mailed(app, make_user, smtp):
    make_user(email="owner@shop.example", role=Role.SHOP_OWNER)
    editor = signed_in(app, make_user, "editor@city.example", Role.EDITOR)
    user_id = account(app, "owner@shop.example").id
    response = post_form(editor, "/staff/accounts", f"/staff/accounts/{user_id}/link")
    link = shown_link(response)
    assert link.startswith("/account/reset/")
    message = email.message_from_string(smtp.mails[-1].data, policy=email.policy.default)
    assert "http://localhost" + link in message.get_content()


def test_a_failed_mail_is_reported_and_the_link_still_shown(app, make_app, make_user, smtp):
    make_user(email="editor@city.example", role=Role.EDITOR)
    broken = make_app(SMTP_PORT=closed_port())
    editor = broken.test_client()
    log_in(editor, "editor@city.example")
    response = post_form(editor, "/staff/invitations", data={"email": "olga@shop.example"})
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    assert "could not be sent" in page
    link = shown_link(response)
    assert broken.test_client().get(link).status_code == 200, "the invitation was made"
    assert smtp.mails == []


def test_without_a_mail_server_nothing_is_sent(app, make_app, make_user, smtp):
    make_user(email="editor@city.example", role=Role.EDITOR)
    quiet = make_app(SMTP_HOST="")
    editor = quiet.test_client()
    log_in(editor, "editor@city.example")
    response = post_form(editor, "/staff/invitations", data={"email": "olga@shop.example"})
    assert response.status_code == 201
    assert "No mail server is configured" in response.get_data(as_text=True)
    assert "mailed" not in response.get_data(as_text=True)
    assert smtp.mails == []


def test_mail_settings_are_read_from_the_environment(tmp_path):
    assert load_config({}, tmp_path)["SMTP_HOST"] == ""
    config = load_config({"SMTP_HOST": "mail.city.example", "SMTP_FROM": SENDER,
                          "SMTP_PORT": "2525", "SMTP_STARTTLS": "false",
                          "SMTP_USERNAME": "flaneur", "SMTP_PASSWORD": "secret",
                          "INVITATION_TTL_HOURS": "48"}, tmp_path)
    assert (config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_STARTTLS"]) == (
        "mail.city.example", 2525, False)
    assert (config["SMTP_USERNAME"], config["SMTP_PASSWORD"]) == ("flaneur", "secret")
    assert config["INVITATION_TTL_HOURS"] == 48.0
    assert load_config({"SMTP_HOST": "m", "SMTP_FROM": SENDER}, tmp_path)["SMTP_STARTTLS"]


@pytest.mark.parametrize("environ", [
    {"SMTP_HOST": "mail.city.example"},
    {"SMTP_HOST": "m", "SMTP_FROM": SENDER, "SMTP_STARTTLS": "perhaps"},
    {"SMTP_HOST": "m", "SMTP_FROM": SENDER, "SMTP_PORT": "70000"},
    {"INVITATION_TTL_HOURS": "-1"},
])
def test_bad_mail_settings_are_refused(tmp_path, environ):
    with pytest.raises(ConfigError):
        load_config(environ, tmp_path)
