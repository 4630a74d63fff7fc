"""Durable background jobs, queued in the database in the same transaction as their cause."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tours.models.base import Base, UTCDateTime, str_enum, utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_claim", "status", "run_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: name of the handler that runs it, e.g. ``tile_panorama``
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        str_enum(JobStatus, "job_status", 16),
        default=JobStatus.QUEUED,
    )
    #: how many times a worker has claimed it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    #: 0–100, with the name of the current stage, for progress bars
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(64), default="")
    #: last failure, kept visible when the job has given up
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    #: not claimed before this time (retry backoff)
    run_after: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: a running job whose lease has expired is considered abandoned and claimed again
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: fencing token of the current claim; a result is recorded only with the matching token
    claim_token: Mapped[str | None] = mapped_column(String(64), default=None)
    #: who holds the claim (host:pid:thread), for operators
    worker_id: Mapped[str] = mapped_column(String(128), default="")
