"""Translatable texts: checked on the way in, read with a fallback to the city's language."""

from __future__ import annotations

import pytest

from tours.i18n import (
    NotTranslations,
    TextRequired,
    UnknownLanguage,
    clean_translations,
    localized,
)
from tours.validation import ControlCharacters, NotText, TextTooLong

TITLE = {"de": "Marktplatz", "fr": "Place du marché"}


@pytest.mark.parametrize(("language", "default", "expected"), [
    ("fr", "de", "Place du marché"),       # the visitor's language
    ("en", "de", "Marktplatz"),            # missing: the city's language
    ("en", "fr", "Place du marché"),
    ("es", "en", "Marktplatz"),            # neither: the first language that has a text
    ("fr-CA", "de", "Place du marché"),    # a regional tag reads as its language
    ("de_AT", "en", "Marktplatz"),
])
def test_localized_falls_back_to_the_city_language_then_any(language, default, expected):
    assert localized(TITLE, language, default) == expected


def test_localized_skips_empty_texts_and_handles_no_text():
    assert localized({"en": "", "es": "Plaza"}, "en", "en") == "Plaza"
    assert localized({}, "en", "de") == ""
    assert localized(None, "en", "de") == ""


def test_clean_translations_trims_drops_empty_and_orders_languages():
    cleaned = clean_translations({"fr": "  Place  ", "de": "Platz", "en": "   "},
                                 field="title", max_length=20)
    assert cleaned == {"de": "Platz", "fr": "Place"}
    assert list(cleaned) == ["de", "fr"]
    assert clean_translations(None, field="title", max_length=20) == {}


def test_multiline_texts_keep_line_breaks_single_lines_refuse_them():
    assert clean_translations({"en": "one\ntwo"}, field="text", max_length=20,
                              multiline=True) == {"en": "one\ntwo"}
    with pytest.raises(ControlCharacters) as refused:
        clean_translations({"en": "one\ntwo"}, field="title", max_length=20)
    assert refused.value.field == "title.en"
    with pytest.raises(ControlCharacters):
        clean_translations({"en": "bell\x07"}, field="text", max_length=20, multiline=True)


def test_markup_is_kept_as_typed_for_escaping_on_output():
    payload = '<script>alert(1)</script>'
    assert clean_translations({"en": payload}, field="text", max_length=100) == {"en": payload}


@pytest.mark.parametrize(("value", "error", "field"), [
    ({"xx": "?"}, UnknownLanguage, "title.xx"),
    ({"EN": "Upper-case tag"}, UnknownLanguage, "title.EN"),
    ({"en": "x" * 21}, TextTooLong, "title.en"),
    ({"en": 3}, NotText, "title.en"),
    (["en", "Market"], NotTranslations, "title"),
    ("Market", NotTranslations, "title"),
])
def test_clean_translations_refuses_bad_maps_naming_the_field(value, error, field):
    with pytest.raises(error) as refused:
        clean_translations(value, field="title", max_length=20)
    assert refused.value.field == field


def test_a_required_text_needs_one_language():
    with pytest.raises(TextRequired) as refused:
        clean_translations({"en": "  "}, field="title", max_length=20, required=True)
    assert refused.value.field == "title"
    assert clean_translations({"es": "Plaza"}, field="title", max_length=20,
                              required=True) == {"es": "Plaza"}


def test_content_languages_are_the_interface_languages():
    from server.config import LANGUAGES as INTERFACE_LANGUAGES
    from tours.i18n import LANGUAGES

    assert LANGUAGES == INTERFACE_LANGUAGES
