"""``GET /api/jobs/<id>``: job state and progress for editors."""

from __future__ import annotations

from server.extensions import db
from tours import jobs as job_service
from tours.models import Role


def _queue_job(app, **payload):
    with app.app_context():
        job = job_service.enqueue(db.session, "tile_panorama", payload)
        db.session.commit()
        return job.id


def test_editor_sees_state_and_progress(app, client, auth_headers):
    job_id = _queue_job(app, panorama="abc")
    response = client.get(f"/api/jobs/{job_id}", headers=auth_headers(Role.EDITOR))
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == job_id
    assert body["kind"] == "tile_panorama"
    assert body["status"] == "queued"
    assert body["progress"] == 0
    assert body["error"] == ""
    assert "payload" not in body


def test_admin_may_read_jobs_too(app, client, auth_headers):
    job_id = _queue_job(app)
    assert client.get(f"/api/jobs/{job_id}", headers=auth_headers(Role.ADMIN)).status_code == 200


def test_others_may_not(app, client, auth_headers):
    job_id = _queue_job(app)
    assert client.get(f"/api/jobs/{job_id}").status_code == 401
    owner = client.get(f"/api/jobs/{job_id}", headers=auth_headers(Role.SHOP_OWNER))
    assert owner.status_code == 403
    assert owner.get_json()["code"] == 403


def test_unknown_job_is_404_in_the_api_shape(client, auth_headers):
    response = client.get("/api/jobs/424242?lang=de", headers=auth_headers())
    assert response.status_code == 404
    assert response.get_json()["message"] == "Auftrag 424242 existiert nicht."
