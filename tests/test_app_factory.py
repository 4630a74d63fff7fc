"""The application factory and its configuration."""

from __future__ import annotations

import pytest

from server import create_app
from server.config import DEV_SECRET_KEY, ConfigError, load_config


def test_development_defaults_need_no_configuration(tmp_path):
    config = load_config({}, tmp_path)
    assert config["FLANEUR_ENV"] == "development"
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'flaneur.sqlite3'}"
    assert config["ORIGINALS_STORAGE_URL"] == (tmp_path / "originals").as_uri()
    assert config["PUBLIC_STORAGE_URL"] == (tmp_path / "public").as_uri()
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["JOB_WORKERS"] == 1


def test_environment_variables_are_read(tmp_path):
    config = load_config(
        {"DATABASE_URL": "postgresql+psycopg://db/flaneur", "JOB_WORKERS": "3",
         "TILES_STORAGE_URL": "s3://bucket/tiles", "DEFAULT_LANGUAGE": "fr"},
        tmp_path,
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/flaneur"
    assert config["JOB_WORKERS"] == 3
    assert config["PUBLIC_STORAGE_URL"] == "s3://bucket/tiles"
    assert config["BABEL_DEFAULT_LOCALE"] == "fr"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("JOB_WORKERS", "many"), ("JOB_WORKERS", "-1"), ("DEFAULT_LANGUAGE", "it"),
     ("FLANEUR_ENV", "staging"), ("STORAGE_READ_TIMEOUT", "0")],
)
def test_bad_values_are_refused_with_the_variable_named(tmp_path, variable, value):
    with pytest.raises(ConfigError, match=variable):
        load_config({variable: value}, tmp_path)


def test_production_refuses_the_development_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("FLANEUR_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": DEV_SECRET_KEY})


def test_production_uses_secure_cookies(tmp_path):
    config = load_config({"FLANEUR_ENV": "production", "SECRET_KEY": "x" * 40}, tmp_path)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_home_page_is_served(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"<h1>" in response.data


def test_unknown_page_gets_a_translated_error_page(client):
    response = client.get("/no/such/page?lang=fr")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page introuvable" in response.get_data(as_text=True)


def test_unexpected_errors_answer_500_without_details(app, client):
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", "boom", explode)
    app.add_url_rule("/api/boom", "api_boom", explode)
    page = client.get("/boom")
    assert page.status_code == 500
    assert "secret internals" not in page.get_data(as_text=True)
    api = client.get("/api/boom")
    assert api.status_code == 500
    assert api.get_json()["code"] == 500
    assert "secret internals" not in api.get_data(as_text=True)


def test_forwarded_headers_are_trusted_only_when_configured(app_config):
    from flask import request

    def address():
        return {"remote": request.remote_addr, "scheme": request.scheme}

    for proxies, expected in ((0, "127.0.0.1"), (1, "203.0.113.7")):
        app = create_app({**app_config, "TRUSTED_PROXY_COUNT": proxies})
        app.add_url_rule("/whoami", "whoami", address)
        answer = app.test_client().get(
            "/whoami", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
        ).get_json()
        assert answer["remote"] == expected
        assert answer["scheme"] == ("https" if proxies else "http")
