"""List versions, their categories, items and filings."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, LargeBinary, String, TypeDecorator, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from registry.lists.lifecycle import Status


class StatusType(TypeDecorator):
    """A version's :class:`Status`, stored as its text (``draft`` … ``revoked``) and read back as the enum."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else Status(value).value

    def process_result_value(self, value: Any, dialect: Any) -> Status | None:
        return None if value is None else Status(value)


class ListVersion(SQLModel, table=True):
    """One version of a zone's negative list; frozen from submission on."""

    __tablename__ = "list_version"
    __table_args__ = (UniqueConstraint("zone_code", "version", name="uq_list_version_zone_version"),)

    id: int | None = Field(default=None, primary_key=True)
    zone_code: str = Field(foreign_key="zone.code", max_length=16, index=True)
    version: str = Field(max_length=32)
    title: str
    status: Status = Field(sa_type=StatusType, index=True)
    effective_from: date | None = None
    revoked_on: date | None = None
    digest: str | None = Field(default=None, max_length=64)
    scope: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # v1.1: false when ``scope`` does not name every sector or scenario the list covers.
    scope_complete: bool = True
    excludes_ciio: bool = True
    items_complete: bool = True
    attributes: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Facts about the record itself (issuers, sources, notes), not part of the digest.
    record: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    approval_document_no: str | None = Field(default=None, max_length=200)
    approved_on: date | None = None
    published_at: datetime | None = None
    etag: str = Field(max_length=64)
    created_by: str = Field(max_length=100)
    created_at: datetime
    updated_at: datetime

    categories: list["ListCategory"] = Relationship(
        sa_relationship_kwargs={
            "order_by": "ListCategory.position",
            "cascade": "all, delete-orphan",
            "lazy": "selectin",
        }
    )
    items: list["ListItem"] = Relationship(
        sa_relationship_kwargs={
            "order_by": "ListItem.position",
            "cascade": "all, delete-orphan",
            "lazy": "selectin",
        }
    )
    filings: list["Filing"] = Relationship(
        sa_relationship_kwargs={
            "order_by": "Filing.id",
            "cascade": "all, delete-orphan",
            "lazy": "selectin",
        }
    )


class ListCategory(SQLModel, table=True):
    """A category (sector, scenario or data class) declared by a version."""

    __tablename__ = "list_category"
    __table_args__ = (UniqueConstraint("list_version_id", "code", name="uq_list_category_code"),)

    id: int | None = Field(default=None, primary_key=True)
    list_version_id: int = Field(foreign_key="list_version.id", index=True, ondelete="CASCADE")
    position: int
    code: str = Field(max_length=128)
    name_zh: str
    name_en: str | None = None


class ListItem(SQLModel, table=True):
    """An entry of the negative list: data that still needs a mechanism."""

    __tablename__ = "list_item"
    __table_args__ = (UniqueConstraint("list_version_id", "code", name="uq_list_item_code"),)

    id: int | None = Field(default=None, primary_key=True)
    list_version_id: int = Field(foreign_key="list_version.id", index=True, ondelete="CASCADE")
    position: int
    code: str = Field(max_length=64)
    category: str = Field(max_length=128)
    name_zh: str
    name_en: str | None = None
    description: str | None = None
    level: str = Field(max_length=40)
    mechanism: str = Field(max_length=40)
    conditions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Filing(SQLModel, table=True):
    """A national authority's record that it has the version on file (Art. 6: CAC and NDA)."""

    __tablename__ = "list_filing"
    __table_args__ = (UniqueConstraint("list_version_id", "authority", name="uq_filing_authority"),)

    id: int | None = Field(default=None, primary_key=True)
    list_version_id: int = Field(foreign_key="list_version.id", index=True, ondelete="CASCADE")
    authority: str = Field(max_length=8)
    # Unknown (None) only for lists of record whose sources report the filing without its number or date.
    filing_no: str | None = Field(default=None, max_length=200)
    filed_on: date | None = None
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime


class RegistryState(SQLModel, table=True):
    """One row of counters the processes share through the database.

    ``in_force_generation`` grows in the same transaction as every change of a version's status or
    dates (a database trigger bumps it), so a process that remembers which version is in force
    can tell with one tiny query whether anything that could change the answer has happened.
    """

    __tablename__ = "registry_state"

    id: int = Field(default=1, primary_key=True)
    in_force_generation: int = Field(default=0, sa_type=BigInteger)


class HeldUpload(SQLModel, table=True):
    """A spreadsheet whose import failed, kept for its uploader so the page need not ask for it again.

    Held in the database (not on one host's disk) so that the next request may reach any host;
    reachable only by its uploader with the random token the page carries (stored hashed), and
    dropped once used or an hour after it was held (:mod:`registry.lists.uploads`).
    """

    __tablename__ = "held_upload"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    filename: str = Field(max_length=255)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    held_at: datetime
