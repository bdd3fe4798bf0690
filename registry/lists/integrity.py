"""Check that frozen versions still say what they said when they were submitted."""

from __future__ import annotations

from sqlmodel import Session, select

from registry.lists.canonical import content_digest
from registry.lists.models import ListVersion
from registry.lists.services import content_of


def altered_versions(session: Session) -> list[str]:
    """Return ``ZONE/VERSION`` of every frozen version whose content no longer has its digest.

    The digest is recorded at submission (and in the audit trail's ``submitted`` event); content
    changed behind the database triggers' back no longer hashes to it.
    """
    altered = []
    for version in session.exec(select(ListVersion).where(ListVersion.digest.is_not(None)).order_by(ListVersion.id)):
        if content_digest(content_of(version)) != version.digest:
            altered.append(f"{version.zone_code}/{version.version}")
    return altered
