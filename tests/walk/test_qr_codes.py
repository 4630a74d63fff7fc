"""``GET /qr.svg``: QR codes only of this site's paths, and a clear 400 (never a 500) for
anything else — an address too long for any code, characters that hide where it leads."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient


def qr(client: FlaskClient, path: str):
    return client.get("/qr.svg", query_string={"path": path})


def encoded(response) -> str:
    """The address a code stands for (segno writes it into the SVG's title)."""
    found = re.search(r"<title>(.*?)</title>", response.get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_a_path_of_this_site_becomes_a_code_of_its_full_address(client: FlaskClient) -> None:
    response = qr(client, "/tours/old-town/market?route_to=sun-bakery")

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert encoded(response) == "http://localhost/tours/old-town/market?route_to=sun-bakery"


@pytest.mark.parametrize("path", [
    "/\\evil.example", "//evil.example", "\\\\evil.example", "evil.example", "",
    "/\tevil", "/a b",
    # separators and invisible format characters that would hide where the code leads
    "/x\u2028y", "/x\u0085y", "/x\u00a0y", "/x\u200by", "/\u202eelpmaxe",
])
def test_anything_but_a_plain_path_of_this_site_is_refused(client: FlaskClient,
                                                           path: str) -> None:
    assert qr(client, path).status_code == 400


@pytest.mark.parametrize("path", ["/%2F%2Fevil.example", "/./\\evil.example", "/..//evil"])
def test_tricky_paths_still_lead_to_this_site(client: FlaskClient, path: str) -> None:
    response = qr(client, path)

    assert response.status_code == 200
    assert encoded(response).startswith("http://localhost/")


def test_an_address_no_code_can_hold_is_a_400_not_a_500(client: FlaskClient) -> None:
    # 599 characters of four bytes each: within the length limit, beyond any QR code
    response = qr(client, "/" + "\U0001F600" * 599)

    assert response.status_code == 400
    assert "too long for a QR code" in response.get_data(as_text=True)


def test_letters_of_other_scripts_are_fine(client: FlaskClient) -> None:
    response = qr(client, "/tours/altstadt/marktplatz-café-日本")

    assert response.status_code == 200
