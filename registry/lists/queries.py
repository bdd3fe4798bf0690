"""Read-only queries over list versions for the staff's work: the queues and the audit history.

Kept apart from :mod:`registry.lists.services` (the state changes); like it, they answer only what
the account may see (:mod:`registry.accounts.permissions`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.orm import lazyload
from sqlmodel import Session, select

from registry.accounts.models import Account
from registry.accounts.permissions import Action, may, readable_events, visible_statuses
from registry.audit.models import AuditEvent
from registry.lists.lifecycle import TRANSITIONS
from registry.lists.models import ListVersion
from registry.zones.models import Zone


@dataclass
class QueueEntry:
    """A version waiting for the account, with its zone."""

    zone: Zone
    version: ListVersion


def _waiting(session: Session, account: Account, action: Action, step: str) -> list[QueueEntry]:
    """Versions in a state ``step`` may start from, of the zones where ``account`` may take ``action``."""
    zones = {
        zone.code: zone
        for zone in session.exec(select(Zone))
        if may(account, action, zone, account.authority if action == Action.FILE else None)
    }
    if not zones:
        return []
    statement = (
        select(ListVersion)
        .options(lazyload(ListVersion.items), lazyload(ListVersion.categories))
        .where(ListVersion.zone_code.in_(sorted(zones)), ListVersion.status.in_(sorted(TRANSITIONS[step][0])))
        .order_by(ListVersion.updated_at, ListVersion.id)
    )
    return [
        QueueEntry(zones[version.zone_code], version)
        for version in session.exec(statement)
        if version.status in visible_statuses(account, zones[version.zone_code])
    ]


def approval_queue(session: Session, account: Account) -> list[QueueEntry]:
    """Submitted versions of the zones this account may decide on, longest waiting first."""
    return _waiting(session, account, Action.DECIDE_APPROVAL, "approve")


def filing_queue(session: Session, account: Account) -> list[QueueEntry]:
    """Approved versions that this account's authority has not filed yet, longest waiting first."""
    if not account.authority:
        return []
    entries = _waiting(session, account, Action.FILE, "file")
    return [e for e in entries if account.authority not in {f.authority for f in e.version.filings}]


@dataclass
class AuditPage:
    """One page of the audit history an account may read, newest first."""

    events: list[AuditEvent]
    total: int
    page: int
    pages: int


def audit_events(
    session: Session, account: Account, *, zone_code: str | None = None, page: int = 1, size: int = 50
) -> AuditPage:
    """The ``page``-th page (from 1) of the audit events ``account`` may read, optionally of one zone."""
    conditions = []
    readable = readable_events(session, account)
    if readable is not None:
        conditions.append(readable)
    if zone_code:
        conditions.append(AuditEvent.zone_code == zone_code)
    total = session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()
    statement = select(AuditEvent).where(*conditions).order_by(AuditEvent.id.desc())
    events = list(session.exec(statement.offset((page - 1) * size).limit(size)))
    return AuditPage(events, total, page, max((total + size - 1) // size, 1))
