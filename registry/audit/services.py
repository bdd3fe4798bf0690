"""Write and read the audit trail; verify its hash chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from registry.audit.models import AuditEvent
from registry.clock import iso_utc, utcnow

GENESIS_HASH = "0" * 64
AUDIT_CHAIN_LOCK = 160_322  # any fixed key; it only has to be the same for every writer


@dataclass(frozen=True)
class Actor:
    """Who acts: an account's name and role (``system`` for seeds and migrations)."""

    name: str
    role: str


SYSTEM = Actor(name="system", role="system")


def _event_digest(prev_hash: str, event: AuditEvent) -> str:
    fields = {
        "at": iso_utc(event.at),
        "actor": event.actor,
        "actor_role": event.actor_role,
        "action": event.action,
        "zone_code": event.zone_code,
        "list_version_id": event.list_version_id,
        "version": event.version,
        "document_no": event.document_no,
        "authority": event.authority,
        "reason": event.reason,
        "details": event.details,
    }
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def record_event(
    session: Session,
    actor: Actor,
    action: str,
    *,
    zone_code: str | None = None,
    list_version_id: int | None = None,
    version: str | None = None,
    document_no: str | None = None,
    authority: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain; the caller commits it with the change it records."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise writers for the rest of the transaction so that two events never share a
        # predecessor (SQLite writers are already serialised by BEGIN IMMEDIATE).
        session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=AUDIT_CHAIN_LOCK))
    previous = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    event = AuditEvent(
        at=at or utcnow(),
        actor=actor.name,
        actor_role=actor.role,
        action=action,
        zone_code=zone_code,
        list_version_id=list_version_id,
        version=version,
        document_no=document_no,
        authority=authority,
        reason=reason,
        details=details or {},
        prev_hash=previous.hash if previous else GENESIS_HASH,
        hash="",
    )
    event.hash = _event_digest(event.prev_hash, event)
    session.add(event)
    return event


def version_history(session: Session, list_version_id: int) -> list[AuditEvent]:
    """Return a version's events, oldest first."""
    statement = select(AuditEvent).where(AuditEvent.list_version_id == list_version_id).order_by(AuditEvent.id)
    return list(session.exec(statement))


def verify_chain(session: Session) -> tuple[bool, int | None]:
    """Recompute the chain; return (intact, id of the first broken event or None)."""
    expected_prev = GENESIS_HASH
    for event in session.exec(select(AuditEvent).order_by(AuditEvent.id)):
        if event.prev_hash != expected_prev or _event_digest(event.prev_hash, event) != event.hash:
            return False, event.id
        expected_prev = event.hash
    return True, None
