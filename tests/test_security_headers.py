"""Security headers on every response (server/security_headers.py).

The crawl walks the app's URL map like tests/test_openapi.py does, so a page added later is
checked without anyone remembering to list it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from server import create_app
from server.config import ConfigError, load_config, origin_list
from server.security_headers import (
    INERT_POLICY,
    PERMISSIONS_POLICY,
    allow_framing,
    content_security_policy,
)
from server.storage_setup import public_storage
from tests.support.accounts import page_csrf_token

TEMPLATES = Path(__file__).resolve().parents[1] / "server" / "templates"
#: pages that need an argument or a state the URL map cannot tell, checked besides the crawl
EXTRA_PATHS = ("/login", "/no-such-page", "/assets/site.css", "/api/no-such-endpoint")
BAD_ORIGINS = [
    "tile.openstreetmap.org",          # no scheme
    "https://tiles.example.org/osm",   # a path
    "ftp://tiles.example.org",         # not http(s)
    "'unsafe-inline'",                 # a keyword, not an origin
    "https://x.example.org;script-src",  # an attempt to add a directive
    "*",
    "data:",
    "https://user@tiles.example.org",
    "https://[::1]:8080",              # CSP cannot name IPv6 literals
    "https://tiles.example.org:0",
    "https://tiles.example.org:70000",
    "https://tiles.example.org?x=1",
]


def directives(policy: str) -> dict[str, list[str]]:
    """A policy as ``{directive: [sources]}``."""
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} appears twice in {policy!r}"
        parsed[name] = sources
    return parsed


def assert_page_policy(response: TestResponse, frame_ancestors: str = "'none'") -> None:
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"][:2] == ["'self'", "blob:"]
    assert policy["connect-src"][0] == "'self'"
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == [frame_ancestors]
    everything = " ".join(source for sources in policy.values() for source in sources)
    assert "unsafe" not in everything
    assert "data:" not in everything


def assert_headers(response: TestResponse, path: str) -> None:
    """Every response's headers; the policy depends on whether a browser runs it as a page."""
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
    assert headers["X-Frame-Options"] == "DENY", path
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin", path
    assert headers["Permissions-Policy"] == PERMISSIONS_POLICY, path
    assert "Strict-Transport-Security" not in headers, path  # not production, not https
    if response.mimetype == "text/html" and not path.startswith("/media/"):
        assert_page_policy(response)
    else:
        assert headers["Content-Security-Policy"] == INERT_POLICY, path


def argument_free_get_routes(app: Flask) -> list[str]:
    """Every GET route of the URL map that needs no argument."""
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in (rule.methods or ()) and not rule.arguments})


def fetch(client: FlaskClient, path: str, **options: object) -> TestResponse:
    """GET ``path``, with the body read and file-backed responses closed."""
    response = client.get(path, **options)
    response.get_data()
    response.close()
    return response


def crawl(app: Flask, client: FlaskClient) -> Iterator[tuple[str, TestResponse]]:
    for path in [*argument_free_get_routes(app), *EXTRA_PATHS]:
        yield path, fetch(client, path)


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style elements and attributes,
    event-handler attributes and ``javascript:`` URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.found


def test_every_route_carries_the_headers_for_a_visitor(app: Flask, client: FlaskClient):
    checked = dict(crawl(app, client))
    for path, response in checked.items():
        assert_headers(response, path)
    # the crawl reached the pages that matter, so it cannot pass by checking nothing
    assert checked["/"].status_code == 200
    assert checked["/login"].status_code == 200
    assert checked["/no-such-page"].status_code == 404
    assert checked["/account/tokens"].status_code in (302, 401)
    assert checked["/api/openapi.json"].mimetype == "application/json"
    assert checked["/healthz"].mimetype == "application/json"


def test_every_route_carries_the_headers_when_signed_in(
    app: Flask, client: FlaskClient, make_user: Callable, login: Callable
):
    user = make_user(email="editor@example.org")
    assert login(client, user.email).status_code == 302
    checked = dict(crawl(app, client))
    for path, response in checked.items():
        assert_headers(response, path)
    assert checked["/account/tokens"].status_code == 200
    assert checked["/account/tokens"].mimetype == "text/html"


def test_rendered_pages_hold_no_inline_code(
    app: Flask, client: FlaskClient, make_user: Callable, login: Callable
):
    pages = {path: response for path, response in crawl(app, client)
             if response.mimetype == "text/html"}
    user = make_user(email="editor@example.org")
    login(client, user.email)
    pages.update({f"{path} (signed in)": response for path, response in crawl(app, client)
                  if response.mimetype == "text/html"})
    # a page that reports an error in a form renders other branches of the templates
    pages["POST /account/tokens"] = client.post(
        "/account/tokens", data={"name": "", "csrf_token": page_csrf_token(client)})
    assert pages["POST /account/tokens"].status_code == 400
    assert {path for path, response in pages.items() if response.status_code == 200} >= {
        "/", "/login", "/account/tokens (signed in)"}
    found = {path: inline_code(response.get_data(as_text=True))
             for path, response in pages.items()}
    assert {path: code for path, code in found.items() if code} == {}


def test_the_inline_code_check_can_fail():
    html = ('<p style="color:red" onclick="x()"><style>p{}</style><script>alert(1)</script>'
            '<a href=" JavaScript:alert(1)">x</a><script src="/ok.js"></script></p>')
    assert inline_code(html) == ["<p style=…>", "<p onclick=…>", "<style> element",
                                 "inline <script>", "<a href=javascript:…>"]


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=str)
def test_templates_hold_no_inline_code(template: Path):
    """Every template, including branches no request above renders."""
    source = template.read_text(encoding="utf-8")
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", source, re.IGNORECASE) == []
    assert re.findall(r"""<style[\s>]|\s(?:style|on[a-z]{3,})\s*=\s*["']|javascript:""", source,
                      re.IGNORECASE) == []


def test_scripts_get_the_page_policy_other_files_an_inert_one(app: Flask, client: FlaskClient):
    """A script may become a worker, which runs under its own response's policy."""
    app.add_url_rule("/_test/worker.js", "test_worker",
                     lambda: Response("postMessage(1)", mimetype="text/javascript"))
    assert_page_policy(client.get("/_test/worker.js"))
    for path in ("/favicon.ico", "/assets/site.css", "/api/openapi.json"):
        assert fetch(client, path).headers["Content-Security-Policy"] == INERT_POLICY


def test_api_json_is_never_sniffed(client: FlaskClient):
    for response in (client.get("/api/openapi.json"), client.get("/api/no-such-endpoint"),
                     client.post("/api/panoramas")):
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == INERT_POLICY
        assert response.headers["X-Frame-Options"] == "DENY"


def test_media_files_are_inert_and_never_sniffed(app: Flask, client: FlaskClient):
    with app.app_context():
        public_storage().put("panoramas/p1/r1/thumbnail.jpg", b"\xff\xd8\xff not really",
                             content_type="image/jpeg")
    first = client.get("/media/panoramas/p1/r1/thumbnail.jpg")
    again = client.get("/media/panoramas/p1/r1/thumbnail.jpg",
                       headers={"If-None-Match": first.headers["ETag"]})
    missing = client.get("/media/panoramas/p1/r1/nothing.jpg")
    assert (first.status_code, again.status_code, missing.status_code) == (200, 304, 404)
    for response in (first, again, missing):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == INERT_POLICY


def test_embed_pages_may_be_framed_by_any_site(app: Flask, client: FlaskClient):
    def walk() -> Response:
        response = Response("<!doctype html><title>walk</title>")
        response.headers["X-Frame-Options"] = "SAMEORIGIN"  # removed: it would override
        return response

    app.add_url_rule("/embed/test-walk/<slug>", "test_embed", lambda slug: walk())
    app.add_url_rule("/shop-card", "test_marked", allow_framing(lambda: "<p>card</p>"))
    app.add_url_rule("/not-embed", "test_plain", lambda: "<p>plain</p>")
    for path in ("/embed/test-walk/old-town", "/shop-card"):
        response = client.get(path)
        assert_page_policy(response, frame_ancestors="*")
        assert "X-Frame-Options" not in response.headers, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    # an error page is the site's own (account links, forms): nobody may frame it
    missing = client.get("/embed/no-such-thing")
    assert missing.status_code == 404
    assert_page_policy(missing)
    assert missing.headers["X-Frame-Options"] == "DENY"
    plain = client.get("/not-embed")
    assert_page_policy(plain)
    assert plain.headers["X-Frame-Options"] == "DENY"
    assert client.get("/embedded").headers["X-Frame-Options"] == "DENY"  # prefix is /embed/


def test_a_local_public_storage_adds_no_origin(client: FlaskClient):
    policy = directives(client.get("/").headers["Content-Security-Policy"])
    assert policy["img-src"] == ["'self'", "blob:"]
    assert policy["connect-src"] == ["'self'"]


@pytest.mark.parametrize(
    ("storage_url", "origin"),
    [
        ("s3://flaneur-tiles/city?endpoint_url=http://127.0.0.1:9000&addressing_style=path",
         "http://127.0.0.1:9000"),
        ("s3://flaneur-tiles/city?region=eu-central-1",
         "https://flaneur-tiles.s3.eu-central-1.amazonaws.com"),
        ("s3://flaneur-tiles/city?endpoint_url=https://s3.example.net"
         "&public_url=https://CDN.example.org:8443/city/", "https://cdn.example.org:8443"),
    ],
)
def test_the_public_storage_origin_may_serve_images_and_fetches(
    make_app: Callable[..., Flask], storage_url: str, origin: str
):
    app = make_app(PUBLIC_STORAGE_URL=storage_url)
    response = app.test_client().get("/")
    assert_page_policy(response)
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["img-src"] == ["'self'", "blob:", origin]
    assert policy["connect-src"] == ["'self'", origin]


def test_a_public_storage_origin_a_policy_cannot_name_is_refused(app_config: dict):
    url = "s3://flaneur-tiles?endpoint_url=http://[::1]:9000&addressing_style=path"
    with pytest.raises(ConfigError, match="PUBLIC_STORAGE_URL"):
        create_app({**app_config, "PUBLIC_STORAGE_URL": url})


def test_a_city_adds_origins_for_a_map(make_app: Callable[..., Flask], tmp_path: Path):
    environ = {"CSP_EXTRA_IMG_SRC": "https://tile.openstreetmap.org  https://*.Tiles.example.org/",
               "CSP_EXTRA_CONNECT_SRC": "https://api.example.org:8443"}
    config = load_config(environ, tmp_path)
    assert config["CSP_EXTRA_IMG_SRC"] == ("https://tile.openstreetmap.org",
                                           "https://*.tiles.example.org")
    assert config["CSP_EXTRA_CONNECT_SRC"] == ("https://api.example.org:8443",)
    app = make_app(CSP_EXTRA_IMG_SRC=config["CSP_EXTRA_IMG_SRC"],
                   CSP_EXTRA_CONNECT_SRC="https://api.example.org:8443",
                   PUBLIC_STORAGE_URL="s3://flaneur-tiles?endpoint_url=http://127.0.0.1:9000")
    policy = directives(app.test_client().get("/").headers["Content-Security-Policy"])
    assert policy["img-src"] == ["'self'", "blob:", "http://127.0.0.1:9000",
                                 "https://tile.openstreetmap.org", "https://*.tiles.example.org"]
    assert policy["connect-src"] == ["'self'", "http://127.0.0.1:9000",
                                     "https://api.example.org:8443"]


@pytest.mark.parametrize("value", BAD_ORIGINS)
@pytest.mark.parametrize("variable", ["CSP_EXTRA_IMG_SRC", "CSP_EXTRA_CONNECT_SRC"])
def test_anything_but_an_origin_is_refused_at_startup(tmp_path: Path, app_config: dict,
                                                      variable: str, value: str):
    with pytest.raises(ConfigError, match=variable):
        load_config({variable: f"https://ok.example.org {value}"}, tmp_path)
    with pytest.raises(ConfigError, match=variable):
        create_app({**app_config, variable: value})


def test_origins_are_normalised_and_listed_once():
    assert origin_list("X", "HTTPS://Tiles.Example.org:443 https://tiles.example.org:443/") == (
        "https://tiles.example.org:443",)
    assert origin_list("X", "") == ()
    policy = content_security_policy(frame_ancestors="'none'",
                                     img_origins=["https://a.example", "https://a.example"])
    assert directives(policy)["img-src"] == ["'self'", "blob:", "https://a.example"]


@pytest.mark.parametrize(
    ("environment", "base_url", "expected"),
    [("production", "https://walk.example.org", "max-age=31536000"),
     ("production", "http://walk.example.org", None),
     ("development", "https://walk.example.org", None)],
)
def test_strict_transport_security_only_in_production_over_https(
    make_app: Callable[..., Flask], environment: str, base_url: str, expected: str | None
):
    app = make_app(FLANEUR_ENV=environment)
    for path in ("/", "/api/openapi.json"):
        response = app.test_client().get(path, base_url=base_url)
        assert response.headers.get("Strict-Transport-Security") == expected
