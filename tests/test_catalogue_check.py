"""The catalogue check catches every kind of translation defect it promises to."""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.catalog import Catalog

from tools.check_catalogue import check_catalogue, check_extraction, main, placeholders

REPO = Path(__file__).resolve().parents[1]


def _catalog(language: str, *messages: tuple[object, object, bool]) -> Catalog:
    catalog = Catalog(locale=language)
    for msgid, msgstr, fuzzy in messages:
        catalog.add(msgid, msgstr, flags=("fuzzy",) if fuzzy else ())
    return catalog


def test_placeholders_are_found_in_every_style():
    assert placeholders("%(name)s has %(count)d shops, %s and {city}") == [
        "%(count)d", "%(name)s", "%s", "{city}"]


def test_a_good_catalogue_passes():
    catalog = _catalog("de", ("Open now", "Jetzt geöffnet", False),
                       ("%(name)s closes at %(time)s", "%(name)s schließt um %(time)s", False),
                       ("Flaneur", "Flaneur", False))
    assert check_catalogue("de", catalog) == []


def test_each_defect_is_reported():
    catalog = _catalog(
        "fr",
        ("Open now", "", False),
        ("Closed", "Fermé", True),
        ("City walks", "City walks", False),
        ("%(name)s closes at %(time)s", "%(nom)s ferme à %(time)s", False),
    )
    problems = check_catalogue("fr", catalog)
    assert problems == [
        "fr: 'Open now' is not translated",
        "fr: 'Closed' is marked fuzzy",
        "fr: 'City walks' is identical to the English source",
        "fr: '%(name)s closes at %(time)s' has placeholders ['%(nom)s', '%(time)s'], "
        "expected ['%(name)s', '%(time)s']",
    ]


def test_english_may_equal_its_source():
    assert check_catalogue("en", _catalog("en", ("City walks", "City walks", False))) == []


def test_plural_singular_may_spell_out_the_number():
    catalog = _catalog("de", (("%(num)d shop", "%(num)d shops"), ("ein Geschäft",
                                                                   "%(num)d Geschäfte"), False))
    assert check_catalogue("de", catalog) == []


def test_a_stale_extraction_is_reported(tmp_path):
    shutil.copytree(REPO / "server", tmp_path / "server",
                    ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copytree(REPO / "tours", tmp_path / "tours",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "babel.cfg", tmp_path / "babel.cfg")
    template = tmp_path / "server" / "translations" / "messages.pot"
    assert check_extraction(tmp_path, template) == []
    page = tmp_path / "server" / "templates" / "home.html"
    page.write_text(page.read_text() + "{{ _('A brand new sentence') }}\n")
    assert check_extraction(tmp_path, template)[0] == "not extracted yet: 'A brand new sentence'"


def test_the_repository_catalogues_pass(capsys):
    assert main([]) == 0, capsys.readouterr().out
