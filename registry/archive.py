"""The whole registry as one archive, and back into an empty database on either engine.

An archive is gzip-compressed JSON: the schema revision and every row of the tables of record
(zones, accounts without their secrets, list versions with their categories, items and filings, the
audit trail), with their ids, so that digests, the audit chain and every reference come back as
they were. API tokens, sessions, passwords and keys are never exported: after an import, accounts
get new tokens (``registry users token``) and passwords; the audit chain verifies only with the
audit key it was written with (``REGISTRY_AUDIT_KEY``).
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Engine, TypeDecorator, func, select, text, update

from registry.migrate import current_revision
from registry.models import metadata

ARCHIVE_FORMAT = "registry-archive/1"
# Parents before children, so that foreign keys hold at every insert.
TABLES = ("zone", "account", "list_version", "list_category", "list_item", "list_filing", "audit_event")
SECRET_COLUMNS = {"account": {"password_hash": None}}


class ArchiveError(ValueError):
    """The archive cannot be imported here (not an archive, another schema, a database not empty)."""


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def export_registry(engine: Engine, path: Path) -> dict[str, int]:
    """Write every table of record to ``path``; return the number of rows per table."""
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for name in TABLES:
            table = metadata.tables[name]
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            blanked = SECRET_COLUMNS.get(name, {})
            tables[name] = [{key: _plain(blanked.get(key, value)) for key, value in row.items()} for row in rows]
    document = {"format": ARCHIVE_FORMAT, "revision": current_revision(engine), "tables": tables}
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False)
    return {name: len(rows) for name, rows in tables.items()}


def _python_type(column_type: Any) -> type | None:
    """``datetime`` or ``date`` for columns of those types (through a TypeDecorator), else None."""
    base = column_type.impl if isinstance(column_type, TypeDecorator) else column_type
    if isinstance(base, DateTime):
        return datetime
    return date if isinstance(base, Date) else None


def _typed(name: str, row: dict[str, Any]) -> dict[str, Any]:
    """Turn the archive's ISO strings back into dates and times, column by column."""
    columns = metadata.tables[name].columns
    typed = {}
    for key, value in row.items():
        if key not in columns:
            raise ArchiveError(f"table {name} has no column {key!r}")
        if isinstance(value, str):
            python_type = _python_type(columns[key].type)
            if python_type is datetime:
                value = datetime.fromisoformat(value)
            elif python_type is date:
                value = date.fromisoformat(value)
        typed[key] = value
    return typed


def read_archive(path: Path) -> dict[str, Any]:
    """Read and check an archive's envelope.

    :raise ArchiveError: not an archive of this format.
    """
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArchiveError(f"{path} is not a registry archive ({error})") from error
    if not isinstance(document, dict) or document.get("format") != ARCHIVE_FORMAT:
        raise ArchiveError(f"{path} is not a {ARCHIVE_FORMAT} file")
    if not isinstance(document.get("tables"), dict):
        raise ArchiveError(f"{path} holds no tables")
    return document


def import_registry(engine: Engine, path: Path) -> dict[str, int]:
    """Load an archive into ``engine``'s database, migrated to the archive's revision and empty.

    Versions are inserted as drafts and moved to their recorded state once their content is in, so
    the triggers that freeze submitted content let the import through without being switched off.

    :raise ArchiveError: unreadable archive, another schema revision, or a database holding records.
    """
    document = read_archive(path)
    revision = current_revision(engine)
    if document.get("revision") != revision:
        raise ArchiveError(f"the archive is of schema {document.get('revision')}, the database of {revision}")
    tables = document["tables"]
    with engine.begin() as connection:
        for name in TABLES:
            if connection.execute(select(func.count()).select_from(metadata.tables[name])).scalar():
                raise ArchiveError(f"the database already holds records ({name}); import into an empty one")
        recorded_statuses: dict[int, str] = {}
        for name in TABLES:
            rows = [_typed(name, row) for row in tables.get(name, [])]
            if name == "list_version":
                recorded_statuses = {row["id"]: row["status"] for row in rows}
                rows = [{**row, "status": "draft"} for row in rows]
            if rows:
                connection.execute(metadata.tables[name].insert(), rows)
            if name == "list_filing":  # every version's content is in: give it its recorded state
                versions = metadata.tables["list_version"]
                for version_id, status in recorded_statuses.items():
                    connection.execute(update(versions).where(versions.c.id == version_id).values(status=status))
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection)
    return {name: len(tables.get(name, [])) for name in TABLES}


def _advance_sequences(connection: Connection) -> None:
    """Move PostgreSQL's id sequences past the imported ids."""
    for name in TABLES:
        if "id" not in metadata.tables[name].columns:
            continue  # zones are keyed by their code
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {name}), 1), "
                f"(SELECT COUNT(*) > 0 FROM {name}))"
            )
        )
