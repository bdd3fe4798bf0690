"""Load the seed data (zones now; lists of record later) idempotently.

Seeds are upserted: running the loader twice changes nothing, and a changed seed file updates the
rows it describes. Zones are reference data and may be updated in place; list versions, once
frozen, never are.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from registry.audit.services import SYSTEM, record_event
from registry.seedfiles import read_seed_json
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


def load_seeds(session: Session) -> dict[str, int]:
    """Load every seed file and commit; return counts of what changed."""
    counts = {"zones": load_zones(session)}
    session.commit()
    return counts
