"""A city full of payloads, made through the real API as its owners and editors would.

For every text payload of :mod:`tests.support.xss` there is

* a published shop ``xss-NN`` whose every text field holds the payload (all four languages;
  a 20- or 40-character field holds a short payload instead), with a logo and a photo whose
  descriptions hold it, a current offer, a special opening day whose reason holds it, the
  accepted http(s) payload addresses as website, online shop and social links, the editor's
  approval comment holding it, and a new website waiting for an editor;
* the same shop again as ``xss-NN-pending``, waiting for an editor's review (so the
  moderation queue shows every field's payload);
* with ``editor_content``: a scene (title, description, level), a link from it (label,
  closure reason), an info, a URL and a shop hotspot (label, text), a tour (title, intro) and
  a stop (text).

The owner's display name is a payload too (shown in the header and the moderation queue).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.test import TestResponse

from tests.support.accounts import DEFAULT_PASSWORD, bearer_headers, create_account
from tests.support.content import create_panorama
from tests.support.xss import FIRE, HTTP_URLS, TEXT_PAYLOADS, Payload, fitting
from tours.i18n import LANGUAGES
from tours.models import Role

OWNER_EMAIL = "owner@xss.example"
EDITOR_EMAIL = "editor@xss.example"
ADMIN_EMAIL = "admin@xss.example"
#: the owner's display name, shown in the page header and the moderation queue
OWNER_NAME = f'"><img src=x onerror={FIRE}>'

#: the plain-text fields of a shop and the most characters each holds
SHOP_TEXT_FIELDS = {"street": 200, "house_number": 20, "postal_code": 20, "locality": 120,
                    "venue": 120, "level": 20, "unit": 40}
#: the translatable texts of a shop and their limits (descriptions are sanitised HTML)
SHOP_TRANSLATED_FIELDS = {"name": 120, "short_description": 280, "description": 5000}
SPECIAL_REASON_LENGTH = 120
OFFER_FIELDS = {"title": 120, "text": 1000}
ALT_TEXT_LENGTH = 250


@dataclass(frozen=True)
class Person:
    email: str
    headers: dict[str, str]


@dataclass
class PayloadShop:
    """Everything made for one payload, and the plain texts stored for it."""

    index: int
    payload: Payload
    shop_id: int = 0
    slug: str = ""
    pending_id: int = 0
    pending_slug: str = ""
    #: field (dotted for nested ones) → the plain text stored, as typed
    texts: dict[str, str] = field(default_factory=dict)
    website: str = ""
    waiting_website: str = ""
    scene_id: int | None = None
    tour_id: int | None = None
    hotspot_ids: list[int] = field(default_factory=list)


@dataclass
class World:
    owner: Person
    editor: Person
    admin: Person
    shops: list[PayloadShop]
    #: the payload addresses the service accepted (every one that is http(s) in form)
    addresses: list[str]


def translations(text: str) -> dict[str, str]:
    return dict.fromkeys(LANGUAGES, text)


def checked(response: TestResponse, status: int, what: str) -> Any:
    assert response.status_code == status, (what, response.status_code, response.get_data(
        as_text=True)[:500])
    return response.get_json()


def image_bytes(kind: str) -> bytes:
    """A small picture: a PNG logo or a JPEG photo."""
    image = Image.new("RGB", (240, 160), (40, 110, 160) if kind == "logo" else (200, 120, 40))
    out = io.BytesIO()
    image.save(out, "PNG" if kind == "logo" else "JPEG", quality=85)
    return out.getvalue()


def shop_fields(item: PayloadShop, slug: str, today: dt.date) -> dict[str, Any]:
    """The profile of a payload shop as the API takes it; records the texts in ``item``."""
    payload, index = item.payload, item.index
    fields: dict[str, Any] = {"slug": slug, "category": "bakery", "country": "DE",
                              "latitude": 49.87 + index / 1000, "longitude": 8.65,
                              "phone": "+49 6151 123456", "email": "shop@xss.example",
                              "payment_methods": ["cash"], "wheelchair": "limited",
                              "step_free_entrance": True}
    for name, length in SHOP_TRANSLATED_FIELDS.items():
        fields[name] = translations(fitting(payload, length, index))
    for name, length in SHOP_TEXT_FIELDS.items():
        fields[name] = fitting(payload, length, index)
        item.texts[name] = fields[name]
    for name in ("name", "short_description"):
        item.texts[name] = fields[name]["de"]
    reason = fitting(payload, SPECIAL_REASON_LENGTH, index)
    item.texts["special_reason"] = reason
    start = today + dt.timedelta(days=10)
    fields["opening_hours"] = {
        "weekly": [{"day": day, "opens": "00:00", "closes": "24:00"} for day in range(1, 8)],
        "special": [{"from": start.isoformat(), "to": start.isoformat(), "closed": True,
                     "reason": translations(reason)}],
    }
    fields["website"] = HTTP_URLS[index % len(HTTP_URLS)].text
    fields["online_shop_url"] = HTTP_URLS[(index + 1) % len(HTTP_URLS)].text
    fields["social_links"] = [address.text for address in HTTP_URLS]
    return fields


def add_images_and_offer(client: FlaskClient, owner: Person, item: PayloadShop,
                         shop_id: int) -> None:
    alt = fitting(item.payload, ALT_TEXT_LENGTH, item.index)
    item.texts["alt_text"] = alt
    for kind in ("logo", "photo"):
        checked(client.post(
            f"/api/manage/shops/{shop_id}/images", headers=owner.headers,
            data={"kind": kind, "file": (io.BytesIO(image_bytes(kind)), f"{kind}.img"),
                  **{f"alt_{language}": alt for language in LANGUAGES}},
            content_type="multipart/form-data"), 201, f"{kind} of {item.payload.name}")
    now = dt.datetime.now(dt.UTC)
    offer = {name: fitting(item.payload, length, item.index)
             for name, length in OFFER_FIELDS.items()}
    item.texts.update({f"offer_{name}": text for name, text in offer.items()})
    checked(client.post(f"/api/manage/shops/{shop_id}/offers", headers=owner.headers, json={
        "kind": "offer", **{name: translations(text) for name, text in offer.items()},
        "valid_from": (now - dt.timedelta(hours=1)).isoformat(),
        "valid_until": (now + dt.timedelta(days=30)).isoformat(),
    }), 201, f"offer of {item.payload.name}")


def make_shops(client: FlaskClient, owner: Person, editor: Person, item: PayloadShop,
               today: dt.date) -> None:
    """The published shop (approved with the payload as comment, a new website waiting) and
    its twin waiting for review."""
    slug = f"xss-{item.index:02d}"
    fields = shop_fields(item, slug, today)
    shop = checked(client.post("/api/manage/shops", headers=owner.headers, json=fields), 201,
                   f"shop of {item.payload.name}")
    item.shop_id, item.slug, item.website = shop["id"], slug, fields["website"]
    add_images_and_offer(client, owner, item, shop["id"])
    change = checked(client.post(f"/api/manage/shops/{shop['id']}/submit",
                                 headers=owner.headers), 201, "submit")
    item.texts["comment"] = item.payload.text
    checked(client.post(f"/api/manage/changes/{change['id']}/decision", headers=editor.headers,
                        json={"approve": True, "comment": item.payload.text}), 200, "approve")
    item.waiting_website = HTTP_URLS[(item.index + 2) % len(HTTP_URLS)].text
    updated = checked(client.patch(f"/api/manage/shops/{shop['id']}", headers=owner.headers,
                                   json={"website": item.waiting_website}), 200, "new website")
    assert updated["pending_links"] is not None, updated
    pending_fields = {**fields, "slug": f"{slug}-pending"}
    pending = checked(client.post("/api/manage/shops", headers=owner.headers,
                                  json=pending_fields), 201, "pending shop")
    item.pending_id, item.pending_slug = pending["id"], pending_fields["slug"]
    checked(client.post(f"/api/manage/shops/{pending['id']}/submit", headers=owner.headers),
            201, "submit the twin")


def make_editor_content(client: FlaskClient, editor: Person, item: PayloadShop,
                        panorama: str, anchor_scene: int) -> None:
    """Scene, link, hotspots, tour and stop holding the payload."""
    text = item.payload.text
    scene = checked(client.post("/api/scenes", headers=editor.headers, json={
        "slug": f"xss-scene-{item.index:02d}", "panorama": panorama,
        "title": translations(text), "description": translations(text),
        "level": fitting(item.payload, 20, item.index)}), 201, "scene")
    item.scene_id = scene["id"]
    checked(client.post(f"/api/scenes/{scene['id']}/links", headers=editor.headers, json={
        "to_scene_id": anchor_scene, "bearing": 90, "both_directions": False,
        "label": translations(text), "closed_reason": translations(text)}), 201, "link")
    for hotspot in (
        {"kind": "info", "label": translations(text), "text": translations(text)},
        {"kind": "url", "label": translations(text),
         "url": HTTP_URLS[item.index % len(HTTP_URLS)].text},
        {"kind": "shop", "shop_id": item.shop_id, "label": translations(text)},
    ):
        created = checked(client.post(f"/api/scenes/{scene['id']}/hotspots",
                                      headers=editor.headers,
                                      json={"yaw": 10, "pitch": 0, **hotspot}), 201, "hotspot")
        item.hotspot_ids.append(created["id"])
    tour = checked(client.post("/api/tours", headers=editor.headers, json={
        "slug": f"xss-tour-{item.index:02d}", "title": translations(text),
        "intro": translations(text)}), 201, "tour")
    item.tour_id = tour["id"]
    checked(client.post(f"/api/tours/{tour['id']}/stops", headers=editor.headers, json={
        "scene_id": scene["id"], "text": translations(text)}), 201, "stop")


def people(app: Flask) -> tuple[Person, Person, Person]:
    """The owner (whose display name is a payload), an editor and an admin."""
    made = []
    for email, role, name in ((OWNER_EMAIL, Role.SHOP_OWNER, OWNER_NAME),
                              (EDITOR_EMAIL, Role.EDITOR, ""), (ADMIN_EMAIL, Role.ADMIN, "")):
        user = create_account(app, email=email, role=role, display_name=name,
                              password=DEFAULT_PASSWORD)
        made.append(Person(email, bearer_headers(app, user)))
    return made[0], made[1], made[2]


def build_world(app: Flask, client: FlaskClient, *, editor_content: bool = True,
                payloads: tuple[Payload, ...] = TEXT_PAYLOADS) -> World:
    """Every payload in every field, through the API (see the module's docstring)."""
    owner, editor, admin = people(app)
    today = dt.datetime.now(dt.UTC).date()
    items = [PayloadShop(index, payload) for index, payload in enumerate(payloads)]
    panorama = create_panorama(app).public_id if editor_content else ""
    anchor = 0
    if editor_content:
        anchor = checked(client.post("/api/scenes", headers=editor.headers, json={
            "slug": "xss-anchor", "panorama": panorama, "title": {"en": "Anchor"}}),
            201, "anchor scene")["id"]
    for item in items:
        make_shops(client, owner, editor, item, today)
        if editor_content:
            make_editor_content(client, editor, item, panorama, anchor)
    return World(owner=owner, editor=editor, admin=admin, shops=items,
                 addresses=[address.text for address in HTTP_URLS])
