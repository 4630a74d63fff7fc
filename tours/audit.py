"""The audit log: recording who did what, and reading it back for admins.

Services call :func:`record` in the same unit of work as the change they record, so an entry
exists exactly when the change was committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tours.models import AuditEvent, User


def record(
    session: Session,
    actor: User | None,
    action: str,
    *,
    target_type: str = "",
    target_id: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add an entry; ``actor`` None means the system (a job, the command line)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else "",
        action=action, target_type=target_type, target_id=target_id,
        details=dict(details or {}),
    )
    session.add(event)
    session.flush()
    return event


def list_events(
    session: Session,
    *,
    offset: int = 0,
    limit: int = 50,
    action_prefix: str | None = None,
    actor_id: int | None = None,
) -> tuple[list[AuditEvent], int]:
    """Entries, newest first, optionally only actions starting with ``action_prefix`` or of
    one actor; and how many match."""
    query = select(AuditEvent)
    if action_prefix:
        escaped = action_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AuditEvent.action.like(f"{escaped}%", escape="\\"))
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = list(session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(offset).limit(limit)))
    return events, total
