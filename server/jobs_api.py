"""``/api/jobs/<id>``: the state and progress of a background job (tiling, …)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from server.extensions import db
from server.security import roles_required
from tours import jobs as job_service
from tours.models import Job, JobStatus, Role

bp = Blueprint("jobs_api", __name__, url_prefix="/api/jobs",
               description="Background jobs and their progress.")


class JobSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    status = ma.fields.Enum(JobStatus, by_value=True, required=True)
    progress = ma.fields.Integer(required=True, metadata={"description": "0–100"})
    stage = ma.fields.String(required=True, metadata={"description": "what the job is doing"})
    error = ma.fields.String(required=True, metadata={"description": "the last failure"})
    attempts = ma.fields.Integer(required=True)
    max_attempts = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)
    finished_at = ma.fields.AwareDateTime(required=True, allow_none=True)


@bp.route("/<int:job_id>", methods=["GET"])
@roles_required(Role.EDITOR)
@bp.doc(security=[{"token": []}, {"session": []}])
@bp.response(200, JobSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_job(job_id: int) -> Job:
    """A job's status, progress (percent and stage) and last error. Editors only."""
    return job_service.get_job(db.session, job_id)
