"""Typed SQLAlchemy models of the Flaneur domain. Import models from here."""

from tours.models.base import Base, UTCDateTime, utcnow
from tours.models.jobs import Job, JobStatus
from tours.models.users import ApiToken, Role, User

__all__ = ["ApiToken", "Base", "Job", "JobStatus", "Role", "UTCDateTime", "User", "utcnow"]
