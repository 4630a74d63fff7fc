"""A ``flask worker`` killed in the middle of tiling: another finishes the job, same result.

Needs PostgreSQL (several processes claim from one queue), like tests/jobs/test_worker_processes;
skipped with that reason in the SQLite run, run by the PostgreSQL run that CI always makes.
"""

from __future__ import annotations

import io
import os
import signal
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from media_tools.tiling import tile_panorama
from server.extensions import db
from server.storage_setup import public_storage
from tests.jobs.helpers import read_job, wait_for
from tests.jobs.test_worker_processes import ROOT, WorkerProcess
from tests.panoramas.test_ingest import panorama_file, upload
from tests.support.panoramas import psnr
from tours.models import JobStatus, Panorama, PanoramaStatus, Role

LEASE_SECONDS = 1.0


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    # folders, not memory: the worker processes must see what the test stored
    return {**app_config, "ORIGINALS_STORAGE_URL": (tmp_path / "originals").as_uri(),
            "PUBLIC_STORAGE_URL": (tmp_path / "public").as_uri()}


@pytest.mark.slow
def test_a_worker_killed_mid_tiling_is_replaced_and_the_result_is_the_same(
    app, app_config, client, auth_headers, database_url, tmp_path,
):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: several worker processes share one queue; "
                    "run with --postgres (CI does)")
    data = panorama_file(seed=51, width=8192)
    body = upload(client, auth_headers(Role.EDITOR), data).get_json()
    job_id, public_id = body["job_id"], body["panorama"]["id"]
    env = {**os.environ, "FLASK_APP": "server", "DATABASE_URL": database_url,
           "SECRET_KEY": app_config["SECRET_KEY"], "JOB_WORKERS": "0",
           "ORIGINALS_STORAGE_URL": app_config["ORIGINALS_STORAGE_URL"],
           "PUBLIC_STORAGE_URL": app_config["PUBLIC_STORAGE_URL"],
           "JOB_LEASE_SECONDS": str(LEASE_SECONDS), "JOB_POLL_SECONDS": "0.1",
           "JOB_RETRY_SECONDS": "0.1", "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    first = WorkerProcess([], env, tmp_path / "worker-1.log")
    try:
        wait_for(lambda: read_job(app, job_id).progress >= 20, 60)
        assert read_job(app, job_id).status is JobStatus.RUNNING
        first.signal(signal.SIGKILL)
        first.wait_exit()
        killed_at = time.monotonic()
        second = WorkerProcess([], env, tmp_path / "worker-2.log")
        try:
            wait_for(lambda: read_job(app, job_id).status is JobStatus.SUCCEEDED, 120)
            print(f"tiling job finished {time.monotonic() - killed_at:.1f} s after the kill "
                  f"(lease {LEASE_SECONDS} s)")
        finally:
            second.signal(signal.SIGTERM)
            second.wait_exit()
    finally:
        if first.popen.poll() is None:
            first.signal(signal.SIGKILL)
    job = read_job(app, job_id)
    assert job.attempts == 2
    assert second.ran(job)

    reference: dict[str, bytes] = {}
    expected = tile_panorama(io.BytesIO(data),
                             sink=lambda key, blob, _type: reference.__setitem__(key, blob))
    with app.app_context():
        panorama = db.session.scalars(
            db.select(Panorama).where(Panorama.public_id == public_id)).one()
        assert panorama.status is PanoramaStatus.READY
        assert panorama.manifest == expected.manifest
        prefix = f"panoramas/{public_id}/{panorama.current_revision}"
        storage = public_storage()
        assert storage.get(f"{prefix}/manifest.json") == reference["manifest.json"]
        for key in ("sd.jpg", "0/u/0/0.jpg", "1/f/0/0.jpg", "3/d/2/1.jpg"):
            stored = np.asarray(Image.open(io.BytesIO(storage.get(f"{prefix}/{key}"))), float)
            wanted = np.asarray(Image.open(io.BytesIO(reference[key])), float)
            assert stored.shape == wanted.shape
            assert psnr(wanted, stored) > 40, key
