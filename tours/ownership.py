"""Who owns a shop when its owner leaves: the admins' queue of orphaned shops.

When an owner deletes their account, their shops stay (the city may still want them) and lose
that owner. A shop left with no owner at all is *orphaned*: an audit event ``shop.orphaned``
puts it in the admins' queue, and it stays there until an admin decides — keep it for the city
(editors look after it, no owner), close it, or hand it over to another owner's account. The
queue is read from the audit log: a shop is in it while it has no owner, is not closed, and its
latest ``shop.orphaned`` event has no decision after it. Services flush and never commit.
"""

from __future__ import annotations

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from tours import audit
from tours.accounts import find_user_by_email
from tours.errors import N_, Conflict, Forbidden, InvalidInput
from tours.models import (
    AuditEvent,
    ChangeRequest,
    ChangeStatus,
    Role,
    Shop,
    ShopStatus,
    User,
    shop_owner,
    utcnow,
)
from tours.validation import flush_versioned

ORPHANED = "shop.orphaned"
#: the events that take a shop out of the queue
DECISIONS = ("shop.kept_for_city", "shop.closed", "shop.transferred", "shop.owners_changed")
#: most shops the queue shows at once
QUEUE_LIMIT = 200


class AdminsOnly(Forbidden):
    message = N_("Only admins can decide about shops without an owner.")


class NotAnOwnerAccount(InvalidInput):
    message = N_("Choose the active account of a shop owner.")


class ShopAlreadyClosed(Conflict):
    message = N_("This shop is closed already.")


def orphaned_shops(session: Session, limit: int = QUEUE_LIMIT) -> list[Shop]:
    """The shops waiting for an admin's decision, oldest first."""
    target = AuditEvent.target_id
    orphaned = (select(target.label("shop_id"), func.max(AuditEvent.id).label("event_id"))
                .where(AuditEvent.target_type == "shop", AuditEvent.action == ORPHANED)
                .group_by(target).subquery())
    decided = (select(target.label("shop_id"), func.max(AuditEvent.id).label("event_id"))
               .where(AuditEvent.target_type == "shop", AuditEvent.action.in_(DECISIONS))
               .group_by(target).subquery())
    shop_key = cast(Shop.id, String)
    has_owner = select(shop_owner.c.shop_id).where(shop_owner.c.shop_id == Shop.id).exists()
    return list(session.scalars(
        select(Shop)
        .join(orphaned, orphaned.c.shop_id == shop_key)
        .outerjoin(decided, decided.c.shop_id == shop_key)
        .where(or_(decided.c.event_id.is_(None), decided.c.event_id < orphaned.c.event_id))
        .where(~has_owner, Shop.status != ShopStatus.CLOSED)
        .order_by(Shop.id)
        .limit(limit)
    ))


def release_shops(session: Session, user: User) -> list[Shop]:
    """Take ``user`` off every shop they own (their account is going away); returns the shops
    that are left with no owner, which are now in the admins' queue."""
    shops = list(session.scalars(
        select(Shop).where(Shop.owners.any(User.id == user.id)).order_by(Shop.id)))
    orphaned = []
    for shop in shops:
        before = [owner.id for owner in shop.owners]
        shop.owners = [owner for owner in shop.owners if owner.id != user.id]
        shop.updated_at = utcnow()
        flush_versioned(session)
        after = [owner.id for owner in shop.owners]
        if after:
            audit.record(session, user, "shop.owners_changed", target_type="shop",
                         target_id=str(shop.id),
                         details={"before": before, "after": after, "reason": "account_deleted"})
        else:
            audit.record(session, user, ORPHANED, target_type="shop", target_id=str(shop.id),
                         details={"former_owner": user.id, "slug": shop.slug})
            orphaned.append(shop)
    return orphaned


def keep_for_city(session: Session, actor: User, shop: Shop) -> Shop:
    """An admin decides the city keeps the shop without an owner (editors look after it)."""
    _check_admin(actor)
    audit.record(session, actor, "shop.kept_for_city", target_type="shop",
                 target_id=str(shop.id), details={"slug": shop.slug})
    return shop


def close_shop(session: Session, actor: User, shop: Shop) -> Shop:
    """An admin closes the shop: it leaves every listing; its pending requests are withdrawn."""
    _check_admin(actor)
    if shop.status is ShopStatus.CLOSED:
        raise ShopAlreadyClosed()
    before = shop.status
    now = utcnow()
    shop.status = ShopStatus.CLOSED
    shop.updated_at = now
    for request in session.scalars(select(ChangeRequest).where(
            ChangeRequest.shop_id == shop.id, ChangeRequest.status == ChangeStatus.PENDING)):
        request.status = ChangeStatus.WITHDRAWN
        request.decided_at = now
    flush_versioned(session)
    audit.record(session, actor, "shop.closed", target_type="shop", target_id=str(shop.id),
                 details={"slug": shop.slug, "status_before": before.value})
    return shop


def transfer_shop(session: Session, actor: User, shop: Shop, new_owner: User) -> Shop:
    """An admin hands the shop over: ``new_owner`` (an active shop owner) becomes its only
    owner."""
    _check_admin(actor)
    if new_owner.role is not Role.SHOP_OWNER or not new_owner.is_active:
        raise NotAnOwnerAccount()
    before = [owner.id for owner in shop.owners]
    shop.owners = [new_owner]
    shop.updated_at = utcnow()
    flush_versioned(session)
    audit.record(session, actor, "shop.transferred", target_type="shop", target_id=str(shop.id),
                 details={"slug": shop.slug, "before": before, "after": [new_owner.id]})
    return shop


def find_owner_account(session: Session, email: str) -> User:
    """The active shop-owner account with ``email`` (any spelling), for a handover."""
    user = find_user_by_email(session, email)
    if user is None or user.role is not Role.SHOP_OWNER or not user.is_active:
        raise NotAnOwnerAccount()
    return user


def _check_admin(actor: User) -> None:
    if not actor.has_role(Role.ADMIN):
        raise AdminsOnly()
