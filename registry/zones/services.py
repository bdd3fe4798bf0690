"""Read zones."""

from __future__ import annotations

from sqlmodel import Session, select

from registry.errors import NotFound
from registry.zones.models import Zone


def list_zones(session: Session) -> list[Zone]:
    """Return every zone, pilot zones by code, then the free trade port."""
    return list(session.exec(select(Zone).order_by(Zone.kind, Zone.code)))


def get_zone(session: Session, code: str) -> Zone:
    """Return the zone with ``code``.

    :raise NotFound: no such zone.
    """
    # Codes are short and plain: anything else (NUL bytes included) cannot name a zone.
    zone = session.get(Zone, code) if len(code) <= 16 and code.isascii() and code.isprintable() else None
    if zone is None:
        raise NotFound(f"No zone {code!r}. Zone codes look like CN-TJ-FTZ or CN-HI-FTP.")
    return zone
