"""The registry's notion of "today": the date in Asia/Shanghai (CONTRACT.md, "Conventions")."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """Return today's date in Asia/Shanghai."""
    return datetime.now(SHANGHAI).date()
