"""The city's legal pages: imprint, privacy statement and accessibility statement.

Admins write each page per language in a plain text box. What they type is stored as
sanitised HTML:

- a block (text between blank lines) that contains ``<p``, ``<h2``, ``<h3``, ``<ul`` or
  ``<ol`` is taken as HTML; any other block becomes a paragraph (keeping only inline markup:
  emphasis, links, line breaks), its line breaks ``<br>`` — so plain text with empty lines
  between paragraphs needs no markup at all;
- the result is cleaned with ``nh3`` like a shop's description (:mod:`tours.shops`), with
  headings ``h2``/``h3`` allowed too (a privacy statement has sections) and ``tel:`` links;
  everything else (scripts, styles, attributes, other schemes) is dropped, links get
  ``rel="nofollow noopener noreferrer"``.

Saving is admin-only, checks the version the form was based on (a stale form is a
:class:`~tours.validation.VersionConflict`, nothing is overwritten) and is recorded in the
audit log in the same unit of work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import nh3
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tours import audit
from tours.errors import Forbidden
from tours.i18n import LANGUAGES, clean_translations, primary_language
from tours.models import LegalPage, LegalPageKey, Role, User
from tours.shops import DESCRIPTION_ATTRIBUTES, DESCRIPTION_TAGS
from tours.validation import TextTooLong, VersionConflict, check_version, flush_versioned

#: the pages in the order the footer and the admins' list show them
LEGAL_PAGE_KEYS = (LegalPageKey.IMPRINT, LegalPageKey.PRIVACY, LegalPageKey.ACCESSIBILITY)
#: characters a page may hold per language in its stored (HTML) form; a long privacy
#: statement fits a few times
MAX_BODY_LENGTH = 120_000
#: characters a form may send per language: the stored HTML comes back into the form, and
#: typed text grows when it becomes HTML (paragraph tags, ``&amp;``), so the input limit is
#: looser and the stored form is what is held to :data:`MAX_BODY_LENGTH`
MAX_INPUT_LENGTH = 2 * MAX_BODY_LENGTH
#: what a legal page may contain: a shop description's tags plus section headings
LEGAL_TAGS = DESCRIPTION_TAGS | {"h2", "h3"}
#: what a plain paragraph may contain
INLINE_TAGS = frozenset({"br", "strong", "em", "b", "i", "a"})
LEGAL_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: a block an admin wrote as HTML, kept as it is (before sanitising)
HTML_BLOCK = re.compile(r"<(?:p|h2|h3|ul|ol)\b", re.IGNORECASE)
BLANK_LINES = re.compile(r"\n[ \t]*\n+")
#: what an audit entry calls a save
UPDATED = "legal_page.updated"


def sanitise_legal_html(html: str, tags: frozenset[str] = LEGAL_TAGS) -> str:
    """``html`` with only the allow-listed ``tags``, attributes and link schemes left."""
    return nh3.clean(html, tags=set(tags),
                     attributes={tag: set(names) for tag, names in DESCRIPTION_ATTRIBUTES.items()
                                 if tag in tags},
                     url_schemes=set(LEGAL_URL_SCHEMES),
                     link_rel="nofollow noopener noreferrer").strip()


def _block_html(block: str) -> str:
    if HTML_BLOCK.search(block):
        return sanitise_legal_html(block)
    # a plain block: only inline markup inside, so the paragraph around it stays one
    inline = sanitise_legal_html(block, INLINE_TAGS)
    return "<p>" + inline.replace("\n", "<br>\n") + "</p>" if inline else ""


def body_html(text: str) -> str:
    """The stored form of what an admin typed: paragraphs for plain blocks, HTML blocks as
    they are, all sanitised (see the module's rules). Stored HTML comes back unchanged, so
    saving again is stable."""
    blocks = (block.strip() for block in BLANK_LINES.split(text.replace("\r\n", "\n")))
    return sanitise_legal_html("\n".join(html for html in map(_block_html, blocks) if html))


def clean_bodies(value: object) -> dict[str, str]:
    """The stored form of a page's texts: known languages only, each checked as multi-line
    text (:func:`tours.i18n.clean_translations`) and turned into sanitised HTML; a language
    whose text is empty (or nothing after sanitising) is dropped."""
    if isinstance(value, Mapping):
        # browsers send a text box's line breaks as CRLF
        value = {language: text.replace("\r\n", "\n").replace("\r", "\n")
                 if isinstance(text, str) else text for language, text in value.items()}
    texts = clean_translations(value, field="body", max_length=MAX_INPUT_LENGTH, multiline=True)
    cleaned = {language: body_html(text) for language, text in texts.items()}
    for language, html in cleaned.items():
        if len(html) > MAX_BODY_LENGTH:
            raise TextTooLong(field=f"body.{language}", maximum=MAX_BODY_LENGTH)
    return {language: html for language, html in cleaned.items() if html}


def get_page(session: Session, key: LegalPageKey) -> LegalPage | None:
    """The stored page ``key``; None while nobody wrote it."""
    return session.scalar(select(LegalPage).where(LegalPage.key == key))


def pages_by_key(session: Session) -> dict[LegalPageKey, LegalPage]:
    """Every stored page by its key (missing keys have not been written)."""
    return {page.key: page for page in session.scalars(select(LegalPage))}


def version_of(page: LegalPage | None) -> int:
    """The version a form is based on: 0 for a page nobody wrote yet."""
    return page.version if page is not None else 0


@dataclass(frozen=True)
class ShownText:
    """The text visitors see, and the language it is written in (after the fallback)."""

    html: str
    language: str


def shown_text(page: LegalPage | None, language: str, default_language: str
               ) -> ShownText | None:
    """The page in ``language``, else the city's ``default_language``, else any language with
    a text (like :func:`tours.i18n.localized`); None when the page has no text at all."""
    body = page.body if page is not None else {}
    for candidate in (primary_language(language), primary_language(default_language),
                      *LANGUAGES):
        if body.get(candidate):
            return ShownText(body[candidate], candidate)
    return None


def save_page(session: Session, actor: User, key: LegalPageKey, texts: Mapping[str, object],
              *, expected_version: int) -> tuple[LegalPage, bool]:
    """Store the texts of page ``key`` (admins only) and record it in the audit log.

    ``expected_version`` is the version the admin's form showed (0 for a page not written
    yet); another save in between raises :class:`~tours.validation.VersionConflict` and
    changes nothing. Returns the page and whether anything changed (saving the same texts
    again records nothing).
    """
    if not actor.has_role(Role.ADMIN):
        raise Forbidden()
    bodies = clean_bodies(dict(texts))
    page = get_page(session, key)
    check_version(version_of(page), expected_version)
    before = dict(page.body) if page is not None else {}
    if page is not None and before == bodies:
        return page, False
    if page is None:
        page = LegalPage(key=key, body=bodies, updated_by_id=actor.id)
        try:
            # two admins writing a new page at once: the second one meets a conflict
            with session.begin_nested():
                session.add(page)
                session.flush()
        except IntegrityError:
            raise VersionConflict() from None
    else:
        page.body = bodies
        page.updated_by_id = actor.id
        flush_versioned(session)
    changed = sorted(language for language in LANGUAGES
                     if before.get(language) != bodies.get(language))
    audit.record(session, actor, UPDATED, target_type="legal_page", target_id=key.value,
                 details={"languages": changed, "version": page.version})
    return page, True
