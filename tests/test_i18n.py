"""Language selection: ``?lang=``, then the cookie, then ``Accept-Language``, then the default."""

from __future__ import annotations

import re

import pytest


def page_language(response) -> str:
    match = re.search(rb'<html lang="([a-z]{2})">', response.data)
    assert match, "the page declares no language"
    return match.group(1).decode()


@pytest.mark.parametrize("language", ["de", "en", "es", "fr"])
def test_query_parameter_selects_and_remembers_the_language(client, language):
    response = client.get(f"/?lang={language}")
    assert page_language(response) == language
    assert f"lang={language}" in response.headers.get("Set-Cookie", "")
    assert page_language(client.get("/")) == language


def test_accept_language_is_used_without_a_choice(client):
    response = client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert page_language(response) == "fr"


def test_cookie_beats_accept_language_and_query_beats_cookie(client):
    client.set_cookie("lang", "es")
    assert page_language(client.get("/", headers={"Accept-Language": "de"})) == "es"
    assert page_language(client.get("/?lang=de", headers={"Accept-Language": "fr"})) == "de"


def test_unknown_values_fall_back_to_the_city_default(app, client):
    app.config["DEFAULT_LANGUAGE"] = "de"
    client.set_cookie("lang", "xx")
    response = client.get("/?lang=it", headers={"Accept-Language": "it,pt;q=0.5"})
    assert page_language(response) == "de"
    assert "lang=it" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", "Stadtrundgänge"), ("en", "City walks"), ("es", "Paseos por la ciudad"),
     ("fr", "Promenades en ville")],
)
def test_pages_are_translated(client, language, expected):
    assert expected in client.get(f"/?lang={language}").get_data(as_text=True)


def test_only_translated_responses_vary_by_language(client):
    page = client.get("/")
    assert {"Accept-Language", "Cookie"} <= set(page.vary)
    with client.get("/favicon.ico") as icon:
        assert icon.cache_control.public
        assert "Accept-Language" not in icon.vary
        assert "Cookie" not in icon.vary
