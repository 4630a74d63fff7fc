"""The S3 server stopped and started again under the production stack while panoramas are
uploaded and tiled: an upload during the outage is refused with 503 and a clear message,
tiling jobs retry and finish, and afterwards no row names a missing object and (after the
sweep) no object is left that no row names. Prints what it measured."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.production.test_graceful_stop import snippet
from tests.production.test_prod_stack import EDITOR_SNIPPET, call, multipart, stack_available
from tests.support.upload_files import panorama_file
from tools.prod_stack import Stack, running_stack

pytestmark = [pytest.mark.slow, pytest.mark.fault]

OUTAGE_SECONDS = 3.0

#: every object the rows name, every object stored, and the jobs' attempts, as JSON
INVENTORY_SNIPPET = """
import json
from sqlalchemy import select
from server import create_app
from server.extensions import db
from server.storage_setup import originals_storage, public_storage
from tours.ingest import revision_prefix
from tours.models import Job, Panorama, Scene
app = create_app()
with app.app_context():
    named_originals, named_public = set(), set()
    shares = {scene.share_image_key for scene in db.session.scalars(select(Scene))
              if scene.share_image_key}
    for panorama in db.session.scalars(select(Panorama)):
        named_originals.add(panorama.original_key)
        if panorama.current_revision and panorama.manifest:
            prefix = revision_prefix(panorama, panorama.current_revision)
            named_public.add(prefix + "/" + panorama.manifest["keys"]["sd"])
            named_public.add(prefix + "/" + panorama.manifest["keys"]["thumbnail"])
    print(json.dumps({
        "named_originals": sorted(named_originals),
        "named_public": sorted(named_public),
        "shares": sorted(shares),
        "originals": sorted(originals_storage().list_keys()),
        "public": sorted(public_storage().list_keys()),
        "panoramas": [panorama.status.value for panorama in db.session.scalars(
            select(Panorama).order_by(Panorama.id))],
        "attempts": [job.attempts for job in db.session.scalars(
            select(Job).where(Job.kind == "tile_panorama").order_by(Job.id))],
    }))
"""


@pytest.fixture
def stack(tmp_path) -> Iterator[Stack]:
    stack_available()
    with running_stack(tmp_path / "stack", web_workers=2, job_workers=2, extra_env={
            "JOB_LEASE_SECONDS": "5", "JOB_RETRY_SECONDS": "1", "JOB_POLL_SECONDS": "0.2",
            "STORAGE_CONNECT_TIMEOUT": "1", "STORAGE_READ_TIMEOUT": "3",
            # retired and abandoned objects may go at once (the sweep below)
            "PANORAMA_SWEEP_GRACE_HOURS": "0.0001",
    }) as running:
        yield running


def upload(stack: Stack, token: str, seed: int) -> tuple[int, dict]:
    # each with its scene: a panorama no scene shows is swept as unused
    body, content_type = multipart({"author": "Ana Ruiz", "create_scene": "true"},
                                   f"p{seed}.jpg", panorama_file(seed, width=2048))
    status, answer, _headers = call(f"{stack.base_url}/api/panoramas", token=token, data=body,
                                    content_type=content_type)
    return status, json.loads(answer)


def test_an_s3_outage_refuses_uploads_clearly_and_loses_nothing(stack: Stack) -> None:
    token = snippet(stack, EDITOR_SNIPPET)
    for seed in (21, 22, 23):
        status, answer = upload(stack, token, seed)
        assert status == 201, answer

    stack.stop_s3()
    started = time.monotonic()
    status, answer = upload(stack, token, 24)
    refused_in = time.monotonic() - started
    time.sleep(OUTAGE_SECONDS)
    stack.start_s3()

    print(f"\nupload during the outage: {status} in {refused_in:.2f} s: {answer.get('message')}")
    assert status == 503, answer
    assert answer["message"].startswith("The file could not be stored right now")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        inventory = json.loads(snippet(stack, INVENTORY_SNIPPET))
        if inventory["panoramas"] == ["ready"] * 3:
            break
        time.sleep(1)
    print(f"panoramas {inventory['panoramas']}, tiling attempts {inventory['attempts']}")
    assert inventory["panoramas"] == ["ready"] * 3
    # no row names a missing object
    assert set(inventory["named_originals"]) <= set(inventory["originals"])
    assert set(inventory["named_public"]) | set(inventory["shares"]) <= set(inventory["public"])

    stack.flask("media", "sweep")
    after = json.loads(snippet(stack, INVENTORY_SNIPPET))
    current = {key.rsplit("/", 1)[0] for key in after["named_public"]}
    strays = [key for key in after["public"] if key not in after["shares"]
              and not any(key.startswith(prefix + "/") for prefix in current)]
    print(f"after the sweep: {len(after['originals'])} originals, {len(after['public'])} "
          f"public objects, {len(strays)} outside the current revisions")
    # and no object is left that no row names (the panoramas themselves are all still there)
    assert after["panoramas"] == ["ready"] * 3
    assert after["originals"] == after["named_originals"]
    assert strays == []
