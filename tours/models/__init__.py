"""Typed SQLAlchemy models of the Flaneur domain. Import models from here."""

from tours.models.audit import AuditEvent
from tours.models.base import Base, UTCDateTime, utcnow
from tours.models.city import CITY_SETTINGS_ID, CitySettings
from tours.models.hotspots import Hotspot, HotspotKind, HotspotStatus
from tours.models.jobs import Job, JobStatus
from tours.models.legal import LegalPage, LegalPageKey
from tours.models.panoramas import (
    Panorama,
    PanoramaRevision,
    PanoramaStatus,
    RevisionState,
    new_public_id,
)
from tours.models.reports import ImageReport, ReportReason, ReportStatus
from tours.models.scenes import FormerSceneSlug, Link, LinkKind, Scene, View
from tours.models.shops import (
    Category,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    ImageKind,
    LinkCheck,
    LinkCheckOutcome,
    Offer,
    OfferKind,
    Shop,
    ShopImage,
    ShopStatus,
    Wheelchair,
    shop_owner,
)
from tours.models.stats import DailyCount, StatEvent
from tours.models.tours import FormerTourSlug, Stop, Tour, TourStatus
from tours.models.users import AccountLink, ApiToken, LinkPurpose, Role, User
from tours.models.venues import FloorPlan

__all__ = [
    "CITY_SETTINGS_ID",
    "AccountLink",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Category",
    "ChangeKind",
    "ChangeRequest",
    "ChangeStatus",
    "CitySettings",
    "DailyCount",
    "FloorPlan",
    "FormerSceneSlug",
    "FormerTourSlug",
    "Hotspot",
    "HotspotKind",
    "HotspotStatus",
    "ImageKind",
    "ImageReport",
    "Job",
    "JobStatus",
    "LegalPage",
    "LegalPageKey",
    "Link",
    "LinkCheck",
    "LinkCheckOutcome",
    "LinkKind",
    "LinkPurpose",
    "Offer",
    "OfferKind",
    "Panorama",
    "PanoramaRevision",
    "PanoramaStatus",
    "ReportReason",
    "ReportStatus",
    "RevisionState",
    "Role",
    "Scene",
    "Shop",
    "ShopImage",
    "ShopStatus",
    "StatEvent",
    "Stop",
    "Tour",
    "TourStatus",
    "UTCDateTime",
    "User",
    "View",
    "Wheelchair",
    "new_public_id",
    "shop_owner",
    "utcnow",
]
