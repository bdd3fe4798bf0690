"""The registry's clock: "today" in Asia/Shanghai (docs/api.md, "Conventions") and moments in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """Return today's date in Asia/Shanghai."""
    return datetime.now(SHANGHAI).date()


def utcnow() -> datetime:
    """Return the current time in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def iso_utc(moment: datetime) -> str:
    """Return ``moment`` as ISO 8601 in UTC with a ``Z`` (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
