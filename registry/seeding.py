"""Load the seed data (zones, and the lists the zones have really published) idempotently.

Seeds are upserted: running the loader twice changes nothing, and a changed seed file updates the
rows it describes. Zones are reference data and may be updated in place; list versions, once
frozen, never are.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from registry.audit.services import SYSTEM, record_event
from registry.clock import utcnow
from registry.lists.canonical import content_digest
from registry.lists.lifecycle import Status
from registry.lists.models import Filing, ListVersion
from registry.lists.schemas import ListVersionCreateSchema
from registry.lists.services import create_draft
from registry.seedfiles import read_seed_json, seeds_dir
from registry.zones.models import Zone

ZONE_FIELDS = (
    "name_zh", "name_en", "province", "province_name_zh", "province_name_en", "kind",
    "established", "established_year", "note",
)  # fmt: skip


def _zone_sources(labels: list[str], addresses: dict[str, str]) -> list[dict[str, Any]]:
    return [{"label": label, "url": addresses[label]} for label in labels]


def load_zones(session: Session) -> int:
    """Create or update every zone from ``seeds/zones.json``; return how many changed."""
    seed = read_seed_json("zones.json")
    changed = 0
    for record in seed["zones"]:
        wanted = {field: record.get(field) for field in ZONE_FIELDS}
        wanted["sources"] = _zone_sources(record.get("sources", []), seed["sources"])
        zone = session.get(Zone, record["code"])
        if zone is None:
            session.add(Zone(code=record["code"], **wanted))
            action = "zone_created"
        elif any(getattr(zone, field) != value for field, value in wanted.items()):
            for field, value in wanted.items():
                setattr(zone, field, value)
            action = "zone_updated"
        else:
            continue
        changed += 1
        record_event(
            session,
            SYSTEM,
            action,
            zone_code=record["code"],
            details={"source": "seeds/zones.json"},
        )
    return changed


def list_record_files() -> list[Path]:
    """The seed files of published lists, ``seeds/lists/ZONE--VERSION.json``."""
    folder = seeds_dir() / "lists"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def _free_label(session: Session, zone: str, version: str) -> str:
    """The seed's label, or ``2024-r2``, ``2024-r3``… when a version already holds it."""
    taken = set(session.exec(select(ListVersion.version).where(ListVersion.zone_code == zone)))
    label, n = version, 1
    while label in taken:
        n += 1
        label = f"{version}-r{n}"
    return label


def load_list_record(session: Session, path: Path) -> str | None:
    """Record one published list from its seed file; return what was done, or None if nothing.

    A list of record enters as ``published`` with the approval and filings its sources report
    (unknown numbers and dates stay empty). If the seed's content later changes, the frozen version
    is not edited: the corrected content becomes a new version (``2024-r2``) in force from the same
    date. Facts about the record (``record``: issuers, sources, notes) are not content and are
    updated in place.
    """
    seed = json.loads(path.read_text(encoding="utf-8"))
    schema = ListVersionCreateSchema()
    # A seed may carry content fields this app does not store yet (v1.1's scope_complete); the
    # seed schema vets them, the app takes the fields it knows.
    known = {key: value for key, value in seed["content"].items() if key in schema.fields}
    content = schema.load({"version": seed["version"], **known})
    digest = content_digest(content)
    record = {**seed["record"], "seed_file": f"seeds/lists/{path.name}"}
    versions = session.exec(
        select(ListVersion)
        .where(
            ListVersion.zone_code == seed["zone"], ListVersion.record["seed_file"].as_string() == record["seed_file"]
        )
        .order_by(ListVersion.id)
    ).all()
    if versions and versions[-1].digest == digest:
        latest = versions[-1]
        if latest.record != record:
            latest.record = record
            record_event(
                session, SYSTEM, "record_updated", zone_code=latest.zone_code, list_version_id=latest.id,
                version=latest.version, details={"seed_file": record["seed_file"]},
            )  # fmt: skip
            return "record updated"
        return None
    label = _free_label(session, seed["zone"], seed["version"])
    version = create_draft(
        session, None, seed["zone"], {**content, "version": label}, record=record, actor=SYSTEM, commit=False
    )
    effective_from = date.fromisoformat(seed["effective_from"])
    approval = record.get("approval") or {}
    version.digest = digest
    version.status = Status.PUBLISHED
    version.effective_from = effective_from
    version.published_at = utcnow()
    if approval.get("status") == "reported":
        version.approval_document_no = approval.get("document_no")
        version.approved_on = date.fromisoformat(approval["decided_on"]) if approval.get("decided_on") else None
    for filing in record.get("filings", []):
        if filing.get("status") == "reported":
            version.filings.append(
                Filing(
                    authority=filing["authority"],
                    filing_no=filing.get("filing_no"),
                    filed_on=date.fromisoformat(filing["filed_on"]) if filing.get("filed_on") else None,
                    recorded_by=SYSTEM.name,
                    recorded_at=utcnow(),
                )
            )
    session.flush()
    details = {"seed_file": record["seed_file"], "on": effective_from.isoformat()}
    if versions:
        details["supersedes_record"] = versions[-1].version
    record_event(session, SYSTEM, "published_of_record", zone_code=version.zone_code, list_version_id=version.id,
                 version=version.version, document_no=record.get("document_no"), details=details)  # fmt: skip
    return f"recorded {seed['zone']} {label}"


def load_lists(session: Session) -> int:
    """Record every published list of ``seeds/lists``; return how many changed."""
    return sum(load_list_record(session, path) is not None for path in list_record_files())


SEED_LOCK = 160_324  # PostgreSQL advisory lock key: one seeding process at a time


def load_seeds(session: Session, *, lists: bool = True) -> dict[str, int]:
    """Load every seed file and commit; return counts of what changed.

    Run it under :func:`registry.db.writing` so that SQLite serialises concurrent loaders; on
    PostgreSQL an advisory lock does the same.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=SEED_LOCK))
    counts = {"zones": load_zones(session)}
    if lists:
        counts["lists"] = load_lists(session)
    session.commit()
    return counts
