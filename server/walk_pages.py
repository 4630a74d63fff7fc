"""The visitors' walk: ``/tours/<slug>`` and ``/tours/<slug>/<scene>``, and the same walk for
other sites' iframes under ``/embed/tours/…``.

The page is a server-rendered shell: the tour's title, its stops as a plain list (the "list
view", usable without JavaScript or WebGL) and an element whose ``data-*`` attributes tell the
viewer bundle where to start and which texts to show. The viewer then reads the JSON API
(``/api/walk``). No inline script or style: the CSP forbids both. ``/text/tours/<slug>`` is the
whole walk in words (``server.walk_text``), linked from the page as its "Text version".

An embed page is the viewer without the site's chrome: no navigation, no account links and no
form, because a framing site could trick a visitor's clicks (``server.security_headers`` lets any
site frame paths under ``/embed/`` and nothing else). Its address bar keeps the embed path; its
"share" button and "open" link give the full page's address.

What is public is decided by ``tours.walk``: a tour that is not published now, or a scene
visitors may not open, is a 404 like something that does not exist. A former slug of a public
tour or scene redirects to its current one (``server.renamed_slugs``).
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import escape

from server import page_links, renamed_slugs, walk_presenter, walk_text
from server.city_settings import city
from server.extensions import db
from server.shop_exports import absolute_url
from server.shop_presenter import text
from tours import walk
from tours.models import Scene, utcnow
from tours.scenes import SceneNotFound
from tours.tour_publishing import PublishedTour
from tours.tour_service import TourNotFound

bp = Blueprint("walk_pages", __name__)

#: the range of each view parameter of a deep link (degrees; zoom is the viewer's 0..100)
VIEW_LIMITS = {"yaw": (-180.0, 180.0), "pitch": (-90.0, 90.0), "zoom": (0.0, 100.0)}


def _public_tour(slug: str) -> PublishedTour:
    try:
        return renamed_slugs.public_tour(slug, "slug")
    except TourNotFound:
        abort(404)


def _public_scene(slug: str) -> Scene:
    try:
        scene, _visible = renamed_slugs.public_scene(slug, "scene")
    except SceneNotFound:
        abort(404)
    return scene


def requested_view(default: dict[str, float]) -> dict[str, float]:
    """The view asked for by ``?yaw=&pitch=&zoom=`` over ``default``; a value that is not a
    finite number is ignored (a shared link with a typo still opens), one out of range is
    clamped."""
    view = {name: float(default.get(name, 0.0)) for name in VIEW_LIMITS}
    for name, (low, high) in VIEW_LIMITS.items():
        raw = request.args.get(name)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            continue
        if math.isfinite(value):
            view[name] = min(high, max(low, value))
    return view


def viewer_strings() -> dict[str, str]:
    """The texts the viewer's script shows, from the Babel catalogue (``%(n)s`` placeholders
    are filled in by the script)."""
    return {
        "stop": _("Stop %(n)s of %(m)s"),
        "previous": _("Previous stop"),
        "next": _("Next stop"),
        "back": _("Back to the tour"),
        "share": _("Share"),
        "copied": _("Link copied"),
        "copy_hint": _("Copy this link:"),
        "close": _("Close"),
        "website": _("Website"),
        "online_shop": _("Online shop"),
        "phone": _("Call"),
        "whatsapp": _("WhatsApp"),
        "profile": _("See profile"),
        "open_link": _("Open link"),
        "go_to": _("Go to %(place)s"),
        "load_error": _("This place could not be loaded."),
        # i18n: the button showing or hiding the plan (a small map) of the walk
        "plan": _("Plan"),
        "plan_label": _("Plan of the walk"),
        "north": _("North"),
        # i18n: the letter marking north on the plan's compass arrow
        "north_letter": _("N"),
        # i18n: a length on the plan's scale bar, in metres
        "metres": _("%(n)s m"),
        # i18n: the caption of a venue's floor plan on the plan: the venue's name and the
        # level's name ("Luisencenter, Ground floor")
        "floor_plan": _("%(venue)s, %(level)s"),
        # the layer of buttons for keyboards and screen readers (static/viewer/src/a11y.js)
        "view_of": _("360° view of %(place)s"),
        "places": _("Ways and places here"),
        "ways": _("Ways on"),
        "hotspots": _("Here"),
        "now_at": _("Now at %(place)s"),
        "keys_hint": _("Arrow keys turn the view, + and − zoom in and out. The ways on and "
                       "the places here are buttons under the view."),
        "closed": _("Closed"),
        "closed_until": _("Closed until %(date)s"),
        "kind_shop": _("shop"),
        "kind_info": _("information"),
        "kind_url": _("web link"),
        "credit": _("Photo: %(author)s (%(licence)s)"),
        "credit_author": _("Photo: %(author)s"),
        "credit_licence": _("Photo licence: %(licence)s"),
        "no_webgl": _("This browser cannot show the 360° view: it needs WebGL, which is "
                      "switched off or not supported here."),
        "text_version": _("Read the tour as text: every stop, way and shop"),
        # "Find a shop" and "Guide me" (static/viewer/src/route.js)
        "find_shop": _("Find a shop"),
        "find_shop_label": _("Shop name or what it sells"),
        "find_shop_results": _("Shops in the walk"),
        "no_shop_found": _("No shop in the walk matches."),
        "step_free": _("Step-free route (no stairs or escalators)"),
        "route_to": _("Route to %(place)s"),
        "route_loading": _("Finding the way…"),
        "route_failed": _("The route could not be loaded. Please try again."),
        # i18n: e.g. "240 m · about 4 minutes on foot"
        "route_summary": _("%(distance)s · about %(time)s on foot"),
        "route_wheelchair": _("about %(time)s by wheelchair"),
        "route_map": _("The route on a small map: from the green dot to the red one"),
        "guide_me": _("Guide me"),
        "stop_guiding": _("End the route"),
        "go": _("Go"),
        "route_left": _("You left the route. Finding the way from here…"),
        "share_route": _("Link to this route"),
        "qr_alt": _("QR code of the link to this route"),
        "qr_caption": _("Scan to continue on your phone"),
        # Photo Sphere Viewer's own buttons (its `lang` option)
        "psv_zoom": _("Zoom"),
        "psv_zoom_in": _("Zoom in"),
        "psv_zoom_out": _("Zoom out"),
        "psv_move_up": _("Look up"),
        "psv_move_down": _("Look down"),
        "psv_move_left": _("Look left"),
        "psv_move_right": _("Look right"),
        "psv_fullscreen": _("Full screen"),
        "psv_menu": _("Menu"),
        "psv_gyroscope": _("Look around by moving your device"),
    }


def _stop_entries(stops: list[walk.ShownStop]) -> list[dict[str, Any]]:
    return [{"position": position, "slug": stop.scene.slug, "title": text(stop.scene.title),
             "text": text(stop.text)}
            for position, stop in enumerate(stops, start=1)]


def embed_snippet(tour: PublishedTour, title: str) -> str:
    """The ``<iframe>`` a shop or partner site pastes to show the tour (escaped by the
    template, shown as text)."""
    src = url_for("walk_pages.embed_tour", slug=tour.slug, _external=True)
    label = f"{title} · {city().name}"
    return (f'<iframe src="{escape(src)}" title="{escape(label)}" width="800" height="450" '
            'style="border:0;max-width:100%" loading="lazy" allowfullscreen '
            'allow="fullscreen; gyroscope; accelerometer"></iframe>')


def _render(tour: PublishedTour, scene: Scene, *, embedded: bool = False,
            kiosk: bool = False) -> str:
    stops = walk.shown_stops(tour)
    stop = next((stop for stop in stops if stop.scene_id == scene.id), None)
    default = (stop.initial_view if stop is not None else None) or scene.initial_view
    view = requested_view(default.as_dict())
    image = walk_presenter.share_image(scene)
    if image:
        # a local public storage gives /media/…; Open Graph wants an absolute address
        image = {**image, "url": absolute_url(image["url"])}
    tour_title = text(tour.title)
    scene_title = text(scene.title)
    return render_template(
        "walk/embed.html" if embedded else "walk/tour.html",
        embedded=embedded, embed_code=embed_snippet(tour, tour_title),
        page_url=url_for("walk_pages.scene", slug=tour.slug, scene=scene.slug,
                         _external=True, **view),
        tour=tour, tour_title=tour_title, scene=scene, scene_title=scene_title,
        intro=text(tour.intro), stops=_stop_entries(stops),
        current_position=next((index for index, entry in enumerate(stops, start=1)
                               if entry.scene_id == scene.id), None),
        view=view, strings=viewer_strings(), share_image=image,
        description=text(scene.description) or text(tour.intro),
        # an embed page points search engines at the full page (see page_links' rule)
        canonical=url_for("walk_pages.scene", slug=tour.slug, scene=scene.slug,
                          _external=True) if embedded else page_links.canonical_url(),
        city_name=city().name, kiosk=kiosk,
    )


@bp.get("/tours/<slug>")
def tour(slug: str) -> str:
    """A public tour, opened at its first stop."""
    found = _public_tour(slug)
    return _render(found, walk.shown_stops(found)[0].scene)


@bp.get("/tours/<slug>/<scene>")
def scene(slug: str, scene: str) -> str:
    """A public scene within a tour's page, at the view the URL asks for (a deep link)."""
    found = _public_tour(slug)
    return _render(found, _public_scene(scene))


@bp.get("/kiosk/tours/<slug>/<scene>")
def kiosk(slug: str, scene: str) -> str:
    """A public scene on a kiosk screen: "Find a shop" first, the route's QR code to continue
    on a phone, and back to this scene after two idle minutes."""
    found = _public_tour(slug)
    return _render(found, _public_scene(scene), kiosk=True)


@bp.get("/embed/tours/<slug>")
def embed_tour(slug: str) -> str:
    """A public tour for another site's iframe, opened at its first stop."""
    found = _public_tour(slug)
    return _render(found, walk.shown_stops(found)[0].scene, embedded=True)


@bp.get("/embed/tours/<slug>/<scene>")
def embed_scene(slug: str, scene: str) -> str:
    """A public scene for another site's iframe, at the view the URL asks for."""
    found = _public_tour(slug)
    return _render(found, _public_scene(scene), embedded=True)


@bp.get("/text/tours/<slug>")
def text_version(slug: str) -> str:
    """The tour as text: its stops, every place visitors can walk to from them, and the shops
    and information there (``server.walk_text``). No script, no WebGL."""
    found = _public_tour(slug)
    return render_template(
        "walk/text.html", tour=found, tour_title=text(found.title), intro=text(found.intro),
        places=walk_text.tour_places(db.session, found, utcnow()),
        city_name=city().name,
    )
