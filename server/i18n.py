"""Languages: locale from ``?lang=``, then the ``lang`` cookie, then ``Accept-Language``."""

from __future__ import annotations

from flask import Flask, Response, g, request
from flask_babel import get_locale

from server.city_settings import city
from server.config import LANGUAGES
from server.extensions import babel

LANG_COOKIE = "lang"
#: the language names as their speakers write them (not translated on purpose)
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English", "es": "Español", "fr": "Français"}


def select_locale() -> str:
    from flask import has_request_context

    if not has_request_context():  # CLI commands and job workers speak the city's language
        return city().default_language
    g.language_negotiated = True
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES) or city().default_language


def select_time_zone() -> str:
    """Dates and times are shown in the city's time zone (its settings, read per request)."""
    return city().time_zone


def _remember_language(response: Response) -> Response:
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(
            LANG_COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
            secure=request.is_secure,
        )
    if g.get("language_negotiated"):
        # only responses that were translated depend on the language; tiles and other
        # immutable objects must stay cacheable as one variant
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    babel.init_app(
        app, locale_selector=select_locale, timezone_selector=select_time_zone,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.after_request(_remember_language)

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {"LANGUAGES": LANGUAGES, "LANGUAGE_NAMES": LANGUAGE_NAMES,
                "current_language": str(get_locale() or city().default_language)}
