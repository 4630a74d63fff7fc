"""Shops: the business profiles the walk exists for, their owners, images, offers and the
editors' moderation of changes.

Translatable texts are JSON maps from language to text, like the content model's. Opening
hours are stored structured (see :mod:`tours.opening_hours`) in the shop's own IANA time zone.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tours.models.base import Base, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from tours.models.users import User


class ShopStatus(enum.StrEnum):
    #: being written by its owner or an editor; not public
    DRAFT = "draft"
    #: submitted for publication; waits for an editor's approval
    PENDING_REVIEW = "pending_review"
    #: public in the directory and the walk
    PUBLISHED = "published"
    #: no longer in business (or taken down); kept for the record, out of every listing
    CLOSED = "closed"


class Wheelchair(enum.StrEnum):
    """Wheelchair access, with OpenStreetMap's ``wheelchair=*`` values."""

    YES = "yes"
    LIMITED = "limited"
    NO = "no"
    UNKNOWN = "unknown"


class ImageKind(enum.StrEnum):
    LOGO = "logo"
    PHOTO = "photo"


class OfferKind(enum.StrEnum):
    OFFER = "offer"
    EVENT = "event"


class ChangeKind(enum.StrEnum):
    """What a change request asks an editor to approve."""

    #: publish a shop that is not public yet
    PUBLISH = "publish"
    #: new web addresses (website, online shop) for a public shop
    LINKS = "links"


class ChangeStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    #: replaced by a newer request of the same kind, or dropped by its author
    WITHDRAWN = "withdrawn"


class Category(Base):
    """One entry of the city's controlled category list, mapped to OSM and schema.org."""

    __tablename__ = "shop_category"

    #: stable key (``bakery``), used in URLs, filters and imports
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: the OSM tag, ``shop=bakery`` as key ``shop`` and value ``bakery``
    osm_key: Mapped[str] = mapped_column(String(20))
    osm_value: Mapped[str] = mapped_column(String(60))
    #: schema.org type of the shop's JSON-LD (``Bakery``, ``ClothingStore``, ``LocalBusiness``)
    schema_type: Mapped[str] = mapped_column(String(60))
    #: order in lists
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def osm_tag(self) -> str:
        return f"{self.osm_key}={self.osm_value}"


shop_owner = Table(
    "shop_owner",
    Base.metadata,
    Column("shop_id", ForeignKey("shop.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Shop(Base):
    """A business profile. Public once an editor approved it (``published``)."""

    __tablename__ = "shop"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the public address ``/shops/<slug>`` (``[a-z0-9-]{3,80}``)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    category_key: Mapped[str] = mapped_column(
        ForeignKey("shop_category.key", onupdate="CASCADE"), index=True)
    #: plain text, at most 280 characters per language
    short_description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: limited HTML, sanitised with an allow-list before it is stored
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    street: Mapped[str] = mapped_column(String(200), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    locality: Mapped[str] = mapped_column(String(120), default="")
    #: ISO 3166-1 alpha-2, upper case
    country: Mapped[str] = mapped_column(String(2), default="")
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    #: the market hall or mall the shop is in, its level and unit (stall) there
    venue: Mapped[str] = mapped_column(String(120), default="")
    level: Mapped[str] = mapped_column(String(20), default="")
    unit: Mapped[str] = mapped_column(String(40), default="")
    #: E.164 (``+4961511234567``)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    #: the WhatsApp number, E.164
    whatsapp: Mapped[str | None] = mapped_column(String(20), default=None)
    website: Mapped[str | None] = mapped_column(String(2048), default=None)
    online_shop_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    social_links: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: keys of :data:`tours.shops.PAYMENT_METHODS`
    payment_methods: Mapped[list[str]] = mapped_column(JSON, default=list)
    wheelchair: Mapped[Wheelchair] = mapped_column(
        str_enum(Wheelchair, "wheelchair", 10), default=Wheelchair.UNKNOWN)
    #: None = not known
    step_free_entrance: Mapped[bool | None] = mapped_column(Boolean, default=None)
    #: IANA time zone of the opening hours (``Europe/Berlin``)
    time_zone: Mapped[str] = mapped_column(String(64))
    #: structured weekly and special hours (:mod:`tours.opening_hours`); {} = not known
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[ShopStatus] = mapped_column(
        str_enum(ShopStatus, "shop_status"), default=ShopStatus.DRAFT, index=True)
    #: when an owner or editor last confirmed that the profile is current
    last_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: names and descriptions in every language, lower-cased without accents, for search
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own protocol

    category: Mapped[Category] = relationship(lazy="joined")
    owners: Mapped[list[User]] = relationship(secondary=shop_owner, order_by="User.id")
    images: Mapped[list[ShopImage]] = relationship(
        back_populates="shop", cascade="all, delete-orphan",
        order_by="(ShopImage.kind, ShopImage.position, ShopImage.id)")
    offers: Mapped[list[Offer]] = relationship(
        back_populates="shop", cascade="all, delete-orphan", order_by="Offer.valid_from")

    @property
    def logo(self) -> ShopImage | None:
        return next((image for image in self.images if image.kind is ImageKind.LOGO), None)

    @property
    def photos(self) -> list[ShopImage]:
        return [image for image in self.images if image.kind is ImageKind.PHOTO]

    def is_owned_by(self, user: User) -> bool:
        return any(owner.id == user.id for owner in self.owners)


class ShopImage(Base):
    """A logo or photo: the upload in the originals storage, web versions in the public one."""

    __tablename__ = "shop_image"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ImageKind] = mapped_column(str_enum(ImageKind, "shop_image_kind", 10))
    #: order among the shop's photos
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: SHA-256 of the uploaded bytes; the originals storage keeps them under it
    sha256: Mapped[str] = mapped_column(String(64))
    original_key: Mapped[str] = mapped_column(String(200))
    #: MIME type sniffed from the content
    source_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    #: web versions by name: ``{"large": {"key", "content_type", "width", "height"}, "thumb": …}``
    variants: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)
    #: describes the picture for screen readers
    alt_text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    shop: Mapped[Shop] = relationship(back_populates="images")


class Offer(Base):
    """A short offer or event of a shop, shown while it is valid."""

    __tablename__ = "shop_offer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OfferKind] = mapped_column(str_enum(OfferKind, "offer_kind", 10))
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    image_id: Mapped[int | None] = mapped_column(
        ForeignKey("shop_image.id", ondelete="SET NULL"), index=True, default=None)
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own protocol

    shop: Mapped[Shop] = relationship(back_populates="offers")
    image: Mapped[ShopImage | None] = relationship()

    def is_valid_at(self, now: dt.datetime) -> bool:
        return self.valid_from <= now < self.valid_until


class ChangeRequest(Base):
    """A change an owner made that waits for an editor: publishing a shop, or new web links.

    ``changes`` holds the diff as ``{field: {"old": value, "new": value}}``; a links request's
    new values are applied to the shop only when an editor approves it.
    """

    __tablename__ = "shop_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ChangeKind] = mapped_column(str_enum(ChangeKind, "shop_change_kind", 10))
    status: Mapped[ChangeStatus] = mapped_column(
        str_enum(ChangeStatus, "shop_change_status", 10), default=ChangeStatus.PENDING,
        index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the editor's comment on the decision (shown to the owner)
    comment: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)

    shop: Mapped[Shop] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class LinkCheckOutcome(enum.StrEnum):
    """What the link checker found at a shop's web address."""

    OK = "ok"
    #: the server answered with an error (4xx/5xx) or too many redirects
    BROKEN = "broken"
    #: no answer: DNS failure, connection refused, timeout, TLS error
    UNREACHABLE = "unreachable"
    #: the address (or a redirect) leads into a private, loopback or link-local network
    REFUSED = "refused"


class LinkCheck(Base):
    """The latest check of one of a shop's web addresses (``field`` is ``website`` or
    ``online_shop_url``). A check of another address than the shop's current one is stale."""

    __tablename__ = "link_check"
    __table_args__ = (UniqueConstraint("shop_id", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(2048))
    outcome: Mapped[LinkCheckOutcome] = mapped_column(
        str_enum(LinkCheckOutcome, "link_check_outcome", 12), index=True)
    #: the final HTTP status, when there was an answer
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    #: a short technical reason for editors ("404", "timed out", "10.0.0.1 is private")
    detail: Mapped[str] = mapped_column(String(300), default="")
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    shop: Mapped[Shop] = relationship()
