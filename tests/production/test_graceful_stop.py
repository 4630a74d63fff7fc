"""SIGTERM to the production stack's processes (``tools/prod_stack.py``) while they work: an
upload under way is still answered, a tiling job under way finishes or goes back to the queue
— nothing is lost and nothing is left running.
"""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.production.test_prod_stack import EDITOR_SNIPPET, call, multipart, stack_available
from tests.support.upload_files import panorama_file
from tools.prod_stack import REPO, Stack, running_stack

pytestmark = [pytest.mark.slow, pytest.mark.fault]

JOB_STATE_SNIPPET = """
import sys
from sqlalchemy import select
from server import create_app
from server.extensions import db
from tours.models import Job
app = create_app()
with app.app_context():
    print(",".join(f"{job.kind}:{job.status.value}" for job in db.session.scalars(
        select(Job).where(Job.kind == "tile_panorama").order_by(Job.id))))
"""


@pytest.fixture
def stack(tmp_path) -> Iterator[Stack]:
    stack_available()
    with running_stack(tmp_path / "stack", web_workers=1, job_workers=1) as running:
        yield running


def snippet(stack: Stack, code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=stack.env(),
                            capture_output=True, check=True, timeout=60)
    return result.stdout.decode().strip().splitlines()[-1] if result.stdout.strip() else ""


def test_sigterm_lets_an_upload_under_way_finish(stack: Stack) -> None:
    token = snippet(stack, EDITOR_SNIPPET)
    body, content_type = multipart({"author": "Ana Ruiz"}, "late.jpg",
                                   panorama_file(5, width=2048))
    connection = http.client.HTTPConnection("127.0.0.1", stack.ports["web"], timeout=60)
    connection.putrequest("POST", "/api/panoramas")
    connection.putheader("Authorization", f"Bearer {token}")
    connection.putheader("Content-Type", content_type)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    half = len(body) // 2
    connection.send(body[:half])
    time.sleep(0.5)  # the worker is reading the body now

    stack.processes["web"].send_signal(signal.SIGTERM)
    time.sleep(0.5)
    connection.send(body[half:])
    response = connection.getresponse()
    answer = response.read()
    connection.close()

    assert response.status == 201, answer
    assert json.loads(answer)["panorama"]["status"] == "queued"
    assert stack.processes["web"].wait(timeout=30) == 0


def test_sigterm_lets_a_running_job_finish_or_go_back_to_the_queue(stack: Stack) -> None:
    token = snippet(stack, EDITOR_SNIPPET)
    body, content_type = multipart({"author": "Ana Ruiz"}, "big.jpg",
                                   panorama_file(6, width=4096))
    status, answer, _headers = call(f"{stack.base_url}/api/panoramas", token=token, data=body,
                                    content_type=content_type)
    assert status == 201, answer
    panorama = json.loads(answer)["panorama"]["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shown = json.loads(call(f"{stack.base_url}/api/panoramas/{panorama}", token=token)[1])
        if shown["status"] == "tiling":
            break
        time.sleep(0.1)
    assert shown["status"] == "tiling", shown

    worker = stack.processes["worker-1"]
    worker.send_signal(signal.SIGTERM)

    assert worker.wait(timeout=60) == 0
    states = snippet(stack, JOB_STATE_SNIPPET)
    # done within the grace period, or returned for another worker: never left running
    assert states in ("tile_panorama:succeeded", "tile_panorama:queued"), states
