"""Translatable texts: a map from language to text, stored as JSON (``{"de": "…", "en": "…"}``).

Editors write every language they can; visitors read :func:`localized`, which falls back to the
city's default language and then to any language that has a text, so no label is ever empty
while one translation exists.
"""

from __future__ import annotations

from collections.abc import Mapping

from tours.errors import N_
from tours.validation import InvalidValue, MissingValue, clean_text

#: the languages content can be written in (the interface languages)
LANGUAGES = ("de", "en", "es", "fr")


class NotTranslations(InvalidValue):
    message = N_("Give the texts as a map from language (de, en, es, fr) to text.")


class UnknownLanguage(InvalidValue):
    message = N_("Unknown language %(language)s: use de, en, es or fr.")


class TextRequired(MissingValue):
    message = N_("Enter the text in at least one language.")


def primary_language(tag: str) -> str:
    """``de`` from ``de``, ``de-CH`` or ``de_CH`` (a locale or an Accept-Language tag)."""
    return tag.replace("_", "-").split("-", 1)[0].lower()


def localized(value: Mapping[str, str] | None, language: str, default_language: str) -> str:
    """The text of ``value`` in ``language``; else in the city's ``default_language``; else in
    the first of :data:`LANGUAGES` that has one; "" when there is no text at all."""
    if not value:
        return ""
    for candidate in (primary_language(language), primary_language(default_language),
                      *LANGUAGES):
        text = value.get(candidate)
        if text:
            return text
    return ""


def clean_translations(
    value: object,
    *,
    field: str,
    max_length: int,
    multiline: bool = False,
    required: bool = False,
) -> dict[str, str]:
    """The stored form of a translatable text: known languages only, each text checked like
    :func:`tours.validation.clean_text`; empty texts are dropped (the language is missing).

    ``required`` asks for a text in at least one language. None counts as no text.
    """
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise NotTranslations(field=field)
    cleaned: dict[str, str] = {}
    for language, text in value.items():
        if language not in LANGUAGES:
            raise UnknownLanguage(field=f"{field}.{language}", language=str(language)[:20])
        cleaned_text = clean_text(text, field=f"{field}.{language}", max_length=max_length,
                                  multiline=multiline)
        if cleaned_text:
            cleaned[language] = cleaned_text
    if required and not cleaned:
        raise TextRequired(field=field)
    return {language: cleaned[language] for language in LANGUAGES if language in cleaned}
