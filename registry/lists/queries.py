"""Read-only queries over list versions for the staff's work: the queues and the audit history.

Kept apart from :mod:`registry.lists.services` (the state changes); like it, they answer only what
the account may see (:mod:`registry.accounts.permissions`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy.orm import lazyload
from sqlmodel import Session, select

from registry.accounts.models import Account
from registry.accounts.permissions import Action, may, readable_events, visible_statuses
from registry.audit.models import AuditEvent
from registry.lists.lifecycle import EVER_PUBLISHED, TRANSITIONS, Status
from registry.lists.models import ListVersion
from registry.lists.services import item_counts
from registry.zones.models import Zone
from registry.zones.services import list_zones


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


@dataclass
class ZoneOverview:
    """A zone at a glance: its version in force on a date (if any), its item count, what comes next."""

    zone: Zone
    in_force: ListVersion | None
    item_count: int = 0
    upcoming: ListVersion | None = None


def in_force_among(versions: Iterable[ListVersion], on: date) -> ListVersion | None:
    """The version in force on ``on`` among one zone's ``versions``, already read (no query).

    The rule of :func:`registry.lists.services.in_force_ref`, for pages that show many dates or
    zones at once: among the versions ever published, the latest ``effective_from`` on or before
    ``on`` (the later publication, then the larger id, wins a tie), unless it was revoked on or
    before ``on``. ``tests/lists/test_queries.py`` holds the two to the same answer.
    """
    started = [v for v in versions if v.status in EVER_PUBLISHED and v.effective_from and v.effective_from <= on]
    latest = max(started, key=_publication_order, default=None)
    if latest is None or (latest.revoked_on is not None and latest.revoked_on <= on):
        return None
    return latest


def _publication_order(version: ListVersion) -> tuple:
    published = version.published_at
    return (version.effective_from, published is not None, published.timestamp() if published else 0.0, version.id)


def zone_overviews(session: Session, on: date) -> list[ZoneOverview]:
    """Every zone's version in force on ``on`` (:func:`in_force_among`) and the next one to take effect.

    Three queries for all the zones together: the zones, their published versions, the item counts.
    """
    zones = list_zones(session)
    statement = (
        select(ListVersion)
        .options(lazyload(ListVersion.items), lazyload(ListVersion.categories), lazyload(ListVersion.filings))
        .where(ListVersion.status.in_([s.value for s in EVER_PUBLISHED]), ListVersion.effective_from.is_not(None))
    )
    by_zone: dict[str, list[ListVersion]] = {}
    for version in session.exec(statement):
        by_zone.setdefault(version.zone_code, []).append(version)
    overviews = []
    for zone in zones:
        versions = by_zone.get(zone.code, [])
        in_force = in_force_among(versions, on)
        later = [v for v in versions if v.status == Status.PUBLISHED and v.effective_from > on]
        upcoming = min(later, key=lambda v: v.effective_from, default=None)
        overviews.append(ZoneOverview(zone, in_force, upcoming=upcoming))
    counts = item_counts(session, [o.in_force for o in overviews if o.in_force is not None])
    for overview in overviews:
        if overview.in_force is not None:
            overview.item_count = counts[overview.in_force.id]
    return overviews


def standing_rejections(session: Session, versions: Iterable[ListVersion]) -> dict[int, AuditEvent]:
    """The approver's rejection of each draft sent back and not submitted again since, by version id.

    The zone administrator reads its reason beside the draft (its page and the staff home).
    """
    drafts = [v.id for v in versions if v.status == Status.DRAFT and v.id is not None]
    if not drafts:
        return {}
    statement = (
        select(AuditEvent)
        .where(AuditEvent.list_version_id.in_(drafts), AuditEvent.action.in_(("submitted", "rejected")))
        .order_by(AuditEvent.id)
    )
    latest: dict[int, AuditEvent] = {}
    for event in session.exec(statement):
        latest[event.list_version_id] = event
    return {version_id: event for version_id, event in latest.items() if event.action == "rejected"}


def withdrawn_among(session: Session, events: Iterable[AuditEvent]) -> set[int]:
    """The ids of the withdrawn versions ``events`` are about (their labels name no page any more)."""
    ids = {e.list_version_id for e in events if e.list_version_id is not None}
    if not ids:
        return set()
    statement = select(ListVersion.id).where(ListVersion.id.in_(ids), ListVersion.status == Status.WITHDRAWN)
    return set(session.exec(statement))
