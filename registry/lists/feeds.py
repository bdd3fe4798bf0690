"""Atom feeds of publications and revocations (contract v1.1, "Feeds").

The entries come from the audit trail, the registry's own record of what happened when: one per
publication (by a zone, or of a list of record when the seeds were loaded) and one per revocation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from feedgen.feed import FeedGenerator
from sqlmodel import Session, select

from registry.audit.models import AuditEvent
from registry.lists.models import ListVersion
from registry.zones.models import Zone
from registry.zones.services import get_zone

# Audit actions that make a feed entry, and how an entry's title names them.
FEED_ACTIONS = {"published": "公布", "published_of_record": "公布（登记在案的清单）", "revoked": "撤销"}
FEED_LIMIT = 200  # entries per feed, newest first


@dataclass(frozen=True)
class FeedEntry:
    """One publication or revocation of a list version."""

    event_id: int
    action: str
    at: datetime
    zone_code: str
    zone_name_zh: str
    version: str
    title: str
    effective_from: date | None
    revoked_on: date | None
    reason: str | None


def feed_entries(session: Session, zone_code: str | None = None, *, limit: int = FEED_LIMIT) -> list[FeedEntry]:
    """Return the publications and revocations of every zone (or of one), newest first.

    :raise NotFound: unknown zone.
    """
    statement = (
        select(AuditEvent, ListVersion, Zone)
        .join(ListVersion, AuditEvent.list_version_id == ListVersion.id)
        .join(Zone, ListVersion.zone_code == Zone.code)
        .where(AuditEvent.action.in_(sorted(FEED_ACTIONS)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    if zone_code is not None:
        zone = get_zone(session, zone_code)
        statement = statement.where(ListVersion.zone_code == zone.code)
    return [
        FeedEntry(
            event_id=event.id,
            action=event.action,
            at=event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC),
            zone_code=zone.code,
            zone_name_zh=zone.name_zh,
            version=version.version,
            title=version.title,
            effective_from=version.effective_from,
            revoked_on=version.revoked_on,
            reason=event.reason,
        )
        for event, version, zone in session.exec(statement)
    ]


def entry_title(entry: FeedEntry) -> str:
    """Return an entry's title: the version's title, then what happened to which zone's version."""
    return f"{entry.title} — {FEED_ACTIONS[entry.action]}（{entry.zone_name_zh}，{entry.version}）"


def _entry_text(entry: FeedEntry) -> str:
    if entry.action == "revoked":
        text = f"{entry.zone_name_zh} 撤销了清单版本 {entry.version}"
        if entry.revoked_on:
            text += f"，自 {entry.revoked_on.isoformat()} 起不再施行"
        return text + (f"。理由：{entry.reason}" if entry.reason else "。")
    text = f"{entry.zone_name_zh} 清单版本 {entry.version} 已公布"
    if entry.effective_from:
        text += f"，自 {entry.effective_from.isoformat()} 起施行"
    return text + "。"


def atom_feed(
    entries: list[FeedEntry],
    *,
    title: str,
    feed_url: str,
    alternate_url: str,
    version_url: Callable[[str, str], str],
) -> bytes:
    """Return an Atom 1.0 document of ``entries`` (kept in their order, newest first).

    ``version_url(zone, version)`` is the absolute address of a version's page.
    """
    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(title)
    feed.author({"name": "自由贸易试验区数据出境负面清单登记系统"})
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=alternate_url, rel="alternate", type="text/html")
    feed.language("zh-CN")
    # An empty feed has changed at most when the earliest list could exist (Order No. 16).
    feed.updated(entries[0].at if entries else datetime(2024, 3, 21, 16, tzinfo=UTC))
    for entry in entries:
        link = version_url(entry.zone_code, entry.version)
        item = feed.add_entry(order="append")
        item.id(f"{link}#event-{entry.event_id}")
        item.title(entry_title(entry))
        item.link(href=link, rel="alternate", type="text/html")
        item.updated(entry.at)
        item.published(entry.at)
        item.category(term=entry.zone_code, label=entry.zone_name_zh)
        item.summary(_entry_text(entry))
    return feed.atom_str(pretty=True)
