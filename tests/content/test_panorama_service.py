"""Panoramas: opaque public ids, listing and credits."""

from __future__ import annotations

import re

import pytest

from tours import panoramas
from tours.models import PanoramaStatus, new_public_id
from tours.validation import TextTooLong


def test_public_ids_are_random_lower_case_base32():
    ids = {new_public_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[0-9a-hjkmnp-tv-z]{12}", public_id) for public_id in ids)


def test_panoramas_are_found_by_public_id_only(session, make_panorama):
    panorama = make_panorama()
    assert panoramas.get_panorama(session, panorama.public_id).id == panorama.id
    with pytest.raises(panoramas.PanoramaNotFound):
        panoramas.get_panorama(session, str(panorama.id))


def test_panoramas_are_listed_newest_first_and_by_status(session, make_panorama):
    first = make_panorama()
    second = make_panorama(status=PanoramaStatus.QUEUED, current_revision=None)
    page, total = panoramas.list_panoramas(session)
    assert (total, [p.public_id for p in page]) == (2, [second.public_id, first.public_id])
    page, total = panoramas.list_panoramas(session, status=PanoramaStatus.QUEUED)
    assert (total, [p.public_id for p in page]) == (1, [second.public_id])


def test_credits_are_trimmed_and_bounded(session, make_panorama):
    panorama = make_panorama()
    updated = panoramas.update_panorama(session, panorama.public_id,
                                        {"author": "  Ana Ruiz ", "licence": "CC-BY-SA-4.0"})
    assert (updated.author, updated.licence) == ("Ana Ruiz", "CC-BY-SA-4.0")
    with pytest.raises(TextTooLong) as refused:
        panoramas.update_panorama(session, panorama.public_id, {"licence": "x" * 101})
    assert refused.value.field == "licence"
    with pytest.raises(TypeError):
        panoramas.update_panorama(session, panorama.public_id, {"sha256": "0" * 64})
