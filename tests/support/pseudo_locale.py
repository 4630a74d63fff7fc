"""A pseudo-locale that marks every translated message, to find text that skips translation.

``pseudo_translations(monkeypatch)`` makes every gettext call (Python and Jinja) return
``⟦message⟧``; ``untranslated_texts(html, allowed)`` lists the visible texts of a page (and its
``aria-label``/``title``/``placeholder`` attributes) that are neither marked nor allowed (data
such as names and addresses). Works before any catalogue holds the new messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

import flask_babel
import pytest
from babel.support import NullTranslations

OPEN, CLOSE = "⟦", "⟧"
MARKED = re.compile(f"{OPEN}[^{CLOSE}]*{CLOSE}")
#: the language names are written as their speakers write them, on purpose never translated
LANGUAGE_NAMES = ("Deutsch", "English", "Español", "Français")


class PseudoTranslations(NullTranslations):
    def ugettext(self, message: str) -> str:
        return f"{OPEN}{message}{CLOSE}"

    gettext = ugettext

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return self.ugettext(singular if n == 1 else plural)

    ngettext = ungettext

    def upgettext(self, context: str, message: str) -> str:
        return self.ugettext(message)

    pgettext = upgettext

    def unpgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.ungettext(singular, plural, n)

    npgettext = unpgettext


def pseudo_translations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route every translation of the running test through :class:`PseudoTranslations`."""
    monkeypatch.setattr(flask_babel.Domain, "get_translations",
                        lambda self: PseudoTranslations())


class _TextCollector(HTMLParser):
    ATTRIBUTES = ("aria-label", "title", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.texts.append(data.strip())


def untranslated_texts(html: str, allowed: Iterable[str] = ()) -> list[str]:
    """Visible texts of ``html`` left over once marked messages and ``allowed`` are removed."""
    collector = _TextCollector()
    collector.feed(html)
    leftovers = []
    for text in collector.texts:
        rest = MARKED.sub("", text)
        for value in (*allowed, *LANGUAGE_NAMES):
            rest = rest.replace(value, "")
        rest = re.sub(r"[\s·…:,.()\d/-]+", "", rest)
        if rest:
            leftovers.append(text)
    return leftovers
