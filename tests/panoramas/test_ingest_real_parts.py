"""Ingest against real parts: S3 over HTTP (moto), a poisoned original, a server process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask import Flask

from server.extensions import db
from server.storage_setup import originals_storage
from tests.panoramas.test_ingest import panorama_file, run_jobs, upload
from tests.support.accounts import bearer_headers, create_account
from tests.support.hostile_images import png_bomb
from tests.support.live_server import free_port
from tours.models import Job, JobStatus, Panorama, PanoramaStatus, Role

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def s3_app(make_app, moto_s3) -> Flask:
    originals = moto_s3.storage_url(moto_s3.create_bucket(), "originals")
    public = moto_s3.storage_url(moto_s3.create_bucket(), "public")
    return make_app(ORIGINALS_STORAGE_URL=originals, PUBLIC_STORAGE_URL=public)


def test_tiles_land_in_the_s3_bucket_with_cache_headers(s3_app, moto_s3):
    editor = create_account(s3_app, email="ed@example.org", role=Role.EDITOR)
    response = upload(s3_app.test_client(), bearer_headers(s3_app, editor), panorama_file(seed=31))
    assert response.status_code == 201, response.get_json()
    run_jobs(s3_app)
    with s3_app.app_context():
        panorama = db.session.scalars(db.select(Panorama)).one()
        assert panorama.status is PanoramaStatus.READY
        public_bucket = s3_app.config["PUBLIC_STORAGE_URL"].split("/")[2]
        prefix = f"public/panoramas/{panorama.public_id}/{panorama.current_revision}/"
        listed = moto_s3.client.list_objects_v2(Bucket=public_bucket, Prefix=prefix)
        keys = [item["Key"] for item in listed.get("Contents", [])]
        assert prefix + "manifest.json" in keys
        tile = moto_s3.client.head_object(Bucket=public_bucket, Key=prefix + "1/f/0/0.jpg")
        assert tile["ContentType"] == "image/jpeg"
        assert tile["CacheControl"] == "public, max-age=31536000, immutable"
        manifest = json.loads(moto_s3.client.get_object(
            Bucket=public_bucket, Key=prefix + "manifest.json")["Body"].read())
        assert manifest == panorama.manifest


def test_a_poisoned_original_fails_with_its_reason_and_spares_the_others(app, client,
                                                                        auth_headers):
    editor = auth_headers(Role.EDITOR)
    ids = [upload(client, editor, panorama_file(seed=40 + n)).get_json()["panorama"]["id"]
           for n in range(4)]
    poisoned = ids[1]
    with app.app_context():
        panorama = db.session.scalars(
            db.select(Panorama).where(Panorama.public_id == poisoned)).one()
        good = originals_storage().get(panorama.original_key)
        # bit rot after the upload: the header still looks right, the image data is garbage
        originals_storage().put(panorama.original_key,
                                good[:600] + bytes(len(good) - 600), content_type="image/jpeg")
    app.config["JOB_RETRY_SECONDS"] = 0.001
    started = time.monotonic()
    for _ in range(20):  # each drain runs what is ready; retries come due a moment later
        run_jobs(app)
        with app.app_context():
            if not db.session.scalar(db.select(db.func.count()).select_from(Job).where(
                    Job.kind == "tile_panorama", Job.status == JobStatus.QUEUED)):
                break
        time.sleep(0.05)
    print(f"4 tiling jobs, one poisoned: settled in {time.monotonic() - started:.2f} s")
    with app.app_context():
        rows = {p.public_id: p for p in db.session.scalars(db.select(Panorama))}
        assert rows[poisoned].status is PanoramaStatus.FAILED
        assert rows[poisoned].error_code in ("corrupt", "truncated")
        assert rows[poisoned].error_message
        assert {rows[i].status for i in ids if i != poisoned} == {PanoramaStatus.READY}
        jobs = {job.payload["panorama_id"]: job for job in db.session.scalars(
            db.select(Job).where(Job.kind == "tile_panorama"))}
        poison_job = jobs[rows[poisoned].id]
        assert poison_job.status is JobStatus.FAILED
        assert poison_job.attempts == poison_job.max_attempts
        assert poison_job.error
        assert {jobs[rows[i].id].attempts for i in ids if i != poisoned} == {1}



def _memory_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def _post(url: str, headers: dict[str, str], body: bytes, content_type: str) -> int:
    request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 - loopback
                                     headers={**headers, "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.read()
        error.close()
        return int(error.code)


@pytest.mark.slow
def test_rejecting_a_bomb_keeps_the_server_process_memory_flat(app, app_config, tmp_path):
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    editor = create_account(app, email="ed@example.org", role=Role.EDITOR)
    headers = bearer_headers(app, editor)
    port = free_port()
    env = {**os.environ, "FLASK_APP": "server", "SECRET_KEY": app_config["SECRET_KEY"],
           "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"], "JOB_WORKERS": "0",
           "ORIGINALS_STORAGE_URL": (tmp_path / "originals").as_uri(),
           "PUBLIC_STORAGE_URL": (tmp_path / "public").as_uri()}
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", str(port),
         "--no-reload"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/api/panoramas"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

        def send(data: bytes) -> int:
            boundary, body = encode_multipart(MultiDict(
                [("file", FileStorage(io.BytesIO(data), filename="x.png"))]))
            return _post(url, headers, body, f"multipart/form-data; boundary={boundary}")

        # warm up every code path once with a small refused file, then measure
        assert send(b"not an image") == 415
        idle = _memory_kb(server.pid)["VmRSS"]
        bomb = png_bomb()
        started = time.monotonic()
        status = send(bomb)
        elapsed = time.monotonic() - started
        peak = _memory_kb(server.pid)["VmHWM"]
        print(f"bomb ({len(bomb)} bytes, header 50000x50000): {status} in "
              f"{elapsed * 1000:.0f} ms; idle RSS {idle / 1024:.1f} MB, peak RSS "
              f"{peak / 1024:.1f} MB (+{(peak - idle) / 1024:.1f} MB)")
        assert status == 413
        assert peak - idle < 100 * 1024
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()


@pytest.mark.slow
def test_a_16k_panorama_goes_from_upload_to_ready(make_app, tmp_path):
    """The largest accepted size, through the API, tiled onto a local folder."""
    import numpy as np

    from tests.support.panoramas import jpeg_bytes, textured_panorama

    big = make_app(ORIGINALS_STORAGE_URL=(tmp_path / "originals").as_uri(),
                   PUBLIC_STORAGE_URL=(tmp_path / "public").as_uri())
    pixels = np.tile(textured_panorama(4096, seed=61), (4, 4, 1))  # 16384 × 8192
    data = jpeg_bytes(pixels, quality=80)
    del pixels
    editor = create_account(big, email="ed@example.org", role=Role.EDITOR)
    started = time.monotonic()
    response = upload(big.test_client(), bearer_headers(big, editor), data, name="big.jpg")
    uploaded = time.monotonic() - started
    assert response.status_code == 201, response.get_json()
    started = time.monotonic()
    run_jobs(big)
    tiled = time.monotonic() - started
    with big.app_context():
        panorama = db.session.scalars(db.select(Panorama)).one()
        assert panorama.status is PanoramaStatus.READY
        manifest = panorama.manifest
    top = manifest["levels"][-1]
    files = list((tmp_path / "public" / "panoramas" / panorama.public_id).rglob("*.jpg"))
    print(f"16384x8192 ({len(data) / 1e6:.1f} MB): upload {uploaded:.1f} s, tiling "
          f"{tiled:.1f} s, top level face {top['face_size']} px in {top['nb_tiles']}x"
          f"{top['nb_tiles']} tiles, {len(files)} JPEG files")
    assert 16384 / np.pi * 0.9 <= top["face_size"] <= 16384 / np.pi * 1.05
    assert top["nb_tiles"] <= 16
    assert len(files) == 6 * sum(level["nb_tiles"] ** 2 for level in manifest["levels"]) + 8
