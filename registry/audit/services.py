"""Write and read the audit trail; verify its keyed hash chain.

Each event's ``hash`` is an HMAC-SHA256, under the audit key (``REGISTRY_AUDIT_KEY`` or the
instance folder's ``audit_key``, never the database), of the previous event's hash and this event's
canonical fields. Someone who can write to the database but does not hold the key cannot recompute
the chain after an edit, so ``registry audit verify`` catches it; an anchor (the count of events and
the head's hash, kept elsewhere) catches the tail being cut off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, text
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


def chain_key() -> bytes:
    """The app's audit key (``AUDIT_KEY``), as bytes."""
    return current_app.config["AUDIT_KEY"].encode()


def canonical_event(event: Any) -> str:
    """The fields an event's hash covers, as canonical JSON (``event`` is a model or a row)."""
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
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_digest(key: bytes, prev_hash: str, event: Any) -> str:
    """HMAC-SHA256 under ``key`` of the previous hash and the event's canonical fields."""
    return hmac.new(key, (prev_hash + canonical_event(event)).encode(), hashlib.sha256).hexdigest()


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
    event.hash = event_digest(chain_key(), event.prev_hash, event)
    session.add(event)
    return event


def version_history(session: Session, list_version_id: int) -> list[AuditEvent]:
    """Return a version's events, oldest first."""
    statement = select(AuditEvent).where(AuditEvent.list_version_id == list_version_id).order_by(AuditEvent.id)
    return list(session.exec(statement))


def verify_chain(session: Session, key: bytes | None = None) -> tuple[bool, int | None]:
    """Recompute the chain under the audit key; return (intact, id of the first broken event or None)."""
    key = key or chain_key()
    expected_prev = GENESIS_HASH
    for event in session.exec(select(AuditEvent).order_by(AuditEvent.id)):
        if event.prev_hash != expected_prev or not hmac.compare_digest(
            event_digest(key, event.prev_hash, event), event.hash
        ):
            return False, event.id
        expected_prev = event.hash
    return True, None


@dataclass(frozen=True)
class Anchor:
    """A checkpoint of the chain to keep outside the database: how many events, and the last one."""

    events: int
    head_id: int | None
    head_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"events": self.events, "head_id": self.head_id, "head_hash": self.head_hash}


def chain_anchor(session: Session) -> Anchor:
    """Return the chain's current checkpoint (count and head)."""
    count = session.exec(select(func.count()).select_from(AuditEvent)).one()
    head = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    return Anchor(events=count, head_id=head.id if head else None, head_hash=head.hash if head else GENESIS_HASH)


def anchor_problem(session: Session, anchor: Anchor) -> str | None:
    """Say how the chain fails to contain a checkpoint taken earlier, or None if it does.

    The chain only grows, so the event the anchor names must still be there with the same hash,
    and there must be at least as many events as then: otherwise its tail was cut off (or rewritten).
    """
    if anchor.head_id is None:
        return None
    event = session.get(AuditEvent, anchor.head_id)
    if event is None or event.hash != anchor.head_hash:
        return f"event {anchor.head_id} of the anchor is missing or changed: the chain was cut or rewritten"
    count = session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.id <= anchor.head_id)).one()
    if count != anchor.events:
        return f"the anchor counted {anchor.events} events up to {anchor.head_id}, the chain now holds {count}"
    return None
