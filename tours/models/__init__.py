"""Typed SQLAlchemy models of the Flaneur domain. Import models from here."""

from tours.models.base import Base, UTCDateTime, utcnow
from tours.models.hotspots import Hotspot, HotspotKind
from tours.models.jobs import Job, JobStatus
from tours.models.panoramas import (
    Panorama,
    PanoramaRevision,
    PanoramaStatus,
    RevisionState,
    new_public_id,
)
from tours.models.scenes import Link, LinkKind, Scene, View
from tours.models.tours import Stop, Tour, TourStatus
from tours.models.users import ApiToken, Role, User

__all__ = [
    "ApiToken",
    "Base",
    "Hotspot",
    "HotspotKind",
    "Job",
    "JobStatus",
    "Link",
    "LinkKind",
    "Panorama",
    "PanoramaRevision",
    "PanoramaStatus",
    "RevisionState",
    "Role",
    "Scene",
    "Stop",
    "Tour",
    "TourStatus",
    "UTCDateTime",
    "User",
    "View",
    "new_public_id",
    "utcnow",
]
