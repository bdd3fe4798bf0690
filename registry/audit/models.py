"""The audit trail: append-only, hash-chained, guarded by database triggers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class AuditEvent(SQLModel, table=True):
    """One state change: who did what, when, under which document number."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str = Field(max_length=100)
    actor_role: str = Field(max_length=32)
    action: str = Field(max_length=32, index=True)
    zone_code: str | None = Field(default=None, max_length=16, index=True)
    list_version_id: int | None = Field(default=None, foreign_key="list_version.id", index=True)
    version: str | None = Field(default=None, max_length=32)
    document_no: str | None = Field(default=None, max_length=200)
    authority: str | None = Field(default=None, max_length=8)
    reason: str | None = None
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # sha256(previous hash + this event's canonical fields): an edit or deletion breaks the chain.
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
