"""Check the translation catalogues: complete, not fuzzy, really translated, placeholders intact,
and extracted from the current source.

Exit status 0 when all is well, 1 with one line per problem otherwise. Run by ``make test``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

LANGUAGES = ("de", "en", "es", "fr")
#: messages that are the same in English and another language on purpose (names, units, codes)
SAME_AS_ENGLISH = {
    "Flaneur", "OK", "API", "E-mail", "Email", "Token", "Tokens", "Status", "Version", "Name",
    "Online", "Info", "Login", "Admin", "Editor", "Logo", "Tour", "Tours", "Minimum",
    "API tokens", "Audio", "Menu", "Navigation", "Total", "Plan", "N", "%(n)s m", "%(n)s km",
    "%(venue)s, %(level)s", "Error", "Escalator", "%(num)s minute",
    "Hotspot", "Hotspots", "Information", "Panorama", "Position", "Suggestions", "Introduction",
    "Text (%(language)s)", "Description (%(language)s)", "Archive (zip)", "Tour: %(title)s",
    "%(from)s → %(to)s (%(bearing)s°)", "%(bearing)s°",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{(\w*)\}")


def placeholders(text: str) -> list[str]:
    """The sorted placeholders of ``text`` (``%(name)s``, ``%s``, ``{name}``)."""
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def _forms(message: Message) -> tuple[list[str], list[str]]:
    ids = list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]
    strings = (
        list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
    )
    return ids, strings


def check_catalogue(language: str, catalog: Catalog) -> list[str]:
    """Problems of one language's catalogue, one readable line each."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids, strings = _forms(message)
        label = f"{language}: {ids[0]!r}"
        if message.fuzzy:
            problems.append(f"{label} is marked fuzzy")
        if not all(strings):
            problems.append(f"{label} is not translated")
            continue
        expected = set(placeholders(ids[-1]))
        for string in strings:
            found = set(placeholders(string))
            # a plural's singular form may spell out the number ("one shop") instead of %(num)d
            allowed_missing = {"%(num)d"} if len(ids) > 1 else set()
            if not found <= expected or not expected - found <= allowed_missing:
                problems.append(f"{label} has placeholders {sorted(found)}, "
                                f"expected {sorted(expected)}")
        if language != "en" and strings[0] == ids[0] and ids[0] not in SAME_AS_ENGLISH:
            problems.append(f"{label} is identical to the English source")
    for obsolete in catalog.obsolete:
        problems.append(f"{language}: obsolete message {obsolete!r} left in the catalogue")
    return problems


def _message_ids(catalog: Catalog) -> set[tuple[str, str | None]]:
    return {(str(m.id), m.context) for m in catalog if m.id}


def check_extraction(root: Path, template: Path) -> list[str]:
    """Problems when the committed template differs from a fresh extraction of the source."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh_path = Path(tmp) / "messages.pot"
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
             "-k", "_l", "-k", "N_", "-c", "i18n:", "-o", str(fresh_path), "--no-location", "."],
            cwd=root, check=True, capture_output=True,
        )
        with fresh_path.open("rb") as handle:
            fresh = _message_ids(read_po(handle))
    with template.open("rb") as handle:
        committed = _message_ids(read_po(handle))
    problems = [f"not extracted yet: {msgid!r}" for msgid, _ in sorted(fresh - committed)]
    problems += [f"extracted but gone from the source: {msgid!r}"
                 for msgid, _ in sorted(committed - fresh)]
    if problems:
        problems.append("run `make i18n` and translate the new messages")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    translations = args.root / "server" / "translations"
    template = translations / "messages.pot"
    problems = check_extraction(args.root, template)
    with template.open("rb") as handle:
        wanted = _message_ids(read_po(handle))
    for language in LANGUAGES:
        po_path = translations / language / "LC_MESSAGES" / "messages.po"
        if not po_path.exists():
            problems.append(f"{language}: catalogue {po_path} is missing")
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        problems += check_catalogue(language, catalog)
        problems += [f"{language}: {msgid!r} missing (run `make i18n`)"
                     for msgid, _ in sorted(wanted - _message_ids(catalog))]
    for problem in problems:
        print(problem)
    count = len(problems)
    print(f"catalogue check: {count} problem(s) in {', '.join(LANGUAGES)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
