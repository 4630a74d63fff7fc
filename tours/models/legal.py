"""Legal pages a city must publish (imprint, privacy statement, accessibility statement)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from tours.models.base import Base, UTCDateTime, str_enum, utcnow


class LegalPageKey(enum.StrEnum):
    """Which legal page a row holds; the value is also the page's public path (``/imprint``)."""

    IMPRINT = "imprint"
    PRIVACY = "privacy"
    ACCESSIBILITY = "accessibility"


class LegalPage(Base):
    """The text of one legal page in every language an admin wrote it in.

    A page without a row (or with an empty ``body``) is not published yet; visitors then see
    its title and a note saying so.
    """

    __tablename__ = "legal_page"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[LegalPageKey] = mapped_column(str_enum(LegalPageKey, "legal_page_key"),
                                              unique=True)
    #: sanitised HTML per language (``{"de": "<p>…</p>", …}``), see :mod:`tours.legal`
    body: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: bumped by every save (optimistic concurrency: a stale form is refused)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    onupdate=utcnow)
    #: the admin who saved it last (None once that account is deleted; the audit log keeps
    #: the email)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own protocol
