"""Pilot free-trade zones and the Hainan Free Trade Port."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class Zone(SQLModel, table=True):
    """A zone that may publish an Article 6 negative list."""

    __tablename__ = "zone"

    code: str = Field(primary_key=True, max_length=16)  # CN-TJ-FTZ, CN-HI-FTP
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    province: str = Field(max_length=8, index=True)  # ISO 3166-2:CN, e.g. CN-TJ
    province_name_zh: str = Field(default="", max_length=50)
    province_name_en: str = Field(default="", max_length=50)
    kind: str = Field(max_length=20)  # pilot_ftz | free_trade_port
    established: str | None = Field(default=None, max_length=10)  # YYYY-MM-DD or YYYY-MM
    established_year: int | None = None
    note: str | None = None
    sources: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
