"""The audit log: who did what to accounts, shops and moderation, for admins to review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tours.models.base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """One recorded action. Rows are only ever added; the actor's email is copied so the entry
    stays readable after the account is deleted."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None)
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    #: what happened, a dotted name such as ``login.succeeded`` or ``shop.updated``
    action: Mapped[str] = mapped_column(String(60), index=True)
    #: what it happened to (``user``, ``shop``, ``change``) and its id
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    #: the facts worth keeping (changed fields, old and new role, the decision's comment)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
