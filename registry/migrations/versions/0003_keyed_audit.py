"""Key the audit chain, and freeze submitted versions and their filings in the database.

- The audit trail's hashes become HMAC-SHA256 under the audit key, which lives outside the
  database (``REGISTRY_AUDIT_KEY`` or the instance folder's ``audit_key``). An existing chain is
  first verified as it was (plain SHA-256) and refused if it no longer verifies, then re-keyed.
- A submitted version's row can no longer be edited or deleted except by the lifecycle's own steps
  (status forward, and each decision's fields set once); filings on record can be neither edited nor
  deleted. Like the triggers of 0001, these refuse a bug's or a hand-run statement's edit outright.

A later migration that adds a column to ``list_version`` must recreate ``list_version_frozen`` on
SQLite, whose trigger names the columns it freezes.

Revision ID: 0003_keyed_audit
Revises: 0002_list_version_scope_complete
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from registry.audit.services import GENESIS_HASH, canonical_event, event_digest

revision: str = "0003_keyed_audit"
down_revision: str | None = "0002_list_version_scope_complete"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Columns a submitted version changes only through a lifecycle step, and ``record`` (facts about
# the record itself: sources and notes, outside the digest, corrected as sources are found); all
# others are frozen.
LIFECYCLE_COLUMNS = ("status", "etag", "updated_at", "digest", "approval_document_no", "approved_on",
                     "effective_from", "published_at", "revoked_on", "record")  # fmt: skip
# Set once by their step, never changed after (the digest is cleared only by a rejection).
SET_ONCE_COLUMNS = ("approval_document_no", "approved_on", "effective_from", "published_at", "revoked_on")
# The lifecycle's moves (registry.lists.lifecycle): anything else on a submitted version is refused.
MOVES = ("submitted>approved", "submitted>draft", "approved>filed", "filed>published", "published>revoked")
FROZEN_MESSAGE = "a submitted list version is frozen"
FILING_MESSAGE = "a filing on record is frozen"


def _audit_key() -> bytes | None:
    key = op.get_context().config.attributes.get("audit_key")
    return key.encode() if key else None


def _events(bind) -> tuple[sa.Table, list]:
    table = sa.Table("audit_event", sa.MetaData(), autoload_with=bind)
    return table, list(bind.execute(sa.select(table).order_by(table.c.id)))


def _rechain(digest) -> None:
    """Recompute every event's prev_hash and hash with ``digest(prev, row)``, behind the guards' back."""
    bind = op.get_bind()
    table, rows = _events(bind)
    if not rows:
        return
    _set_audit_guard(bind, enabled=False)
    previous = GENESIS_HASH
    for row in rows:
        new_hash = digest(previous, row)
        bind.execute(table.update().where(table.c.id == row.id).values(prev_hash=previous, hash=new_hash))
        previous = new_hash
    _set_audit_guard(bind, enabled=True)


def _plain_digest(prev_hash: str, row) -> str:
    return hashlib.sha256((prev_hash + canonical_event(row)).encode()).hexdigest()


def _first_break(rows, digest) -> int | None:
    previous = GENESIS_HASH
    for row in rows:
        if row.prev_hash != previous or digest(previous, row) != row.hash:
            return row.id
        previous = row.hash
    return None


def _set_audit_guard(bind, *, enabled: bool) -> None:
    if bind.dialect.name == "postgresql":
        state = "ENABLE" if enabled else "DISABLE"
        op.execute(f"ALTER TABLE audit_event {state} TRIGGER audit_event_no_change")
        return
    if enabled:
        op.execute(
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
        )
    else:
        op.execute("DROP TRIGGER audit_event_no_update")


def _key_the_chain() -> None:
    bind = op.get_bind()
    _table, rows = _events(bind)
    if not rows:
        return
    key = _audit_key()
    if key is None:
        raise RuntimeError("the audit trail holds events: migrate with the app's audit key (`registry db upgrade`)")
    broken = _first_break(rows, _plain_digest)
    if broken is not None:
        raise RuntimeError(f"the audit trail was altered before it could be keyed (event {broken}); not migrating")
    _rechain(lambda previous, row: event_digest(key, previous, row))


def _unkey_the_chain() -> None:
    bind = op.get_bind()
    _table, rows = _events(bind)
    if not rows:
        return
    key = _audit_key()
    if key is None or _first_break(rows, lambda previous, row: event_digest(key, previous, row)) is not None:
        raise RuntimeError("the keyed audit trail does not verify under the given key; not downgrading")
    _rechain(_plain_digest)


def _frozen_sqlite_condition(columns: list[str]) -> str:
    frozen = [name for name in columns if name not in LIFECYCLE_COLUMNS]
    changes = [f"NEW.{name} IS NOT OLD.{name}" for name in frozen]
    changes += [f"(OLD.{name} IS NOT NULL AND NEW.{name} IS NOT OLD.{name})" for name in SET_ONCE_COLUMNS]
    changes.append(
        "(OLD.digest IS NOT NULL AND NEW.digest IS NOT OLD.digest "
        "AND NOT (OLD.status = 'submitted' AND NEW.status = 'draft'))"
    )
    moves = ", ".join(f"'{move}'" for move in MOVES)
    changes.append(f"(NEW.status IS NOT OLD.status AND OLD.status || '>' || NEW.status NOT IN ({moves}))")
    return " OR ".join(changes)


def _create_guards() -> None:
    bind = op.get_bind()
    moves = ", ".join(f"'{move}'" for move in MOVES)
    if bind.dialect.name == "postgresql":
        lifecycle = ", ".join(f"'{name}'" for name in LIFECYCLE_COLUMNS)
        set_once = "\n".join(
            f"    IF OLD.{name} IS NOT NULL AND NEW.{name} IS DISTINCT FROM OLD.{name} THEN "
            f"RAISE EXCEPTION '{FROZEN_MESSAGE}: {name} is set once'; END IF;"
            for name in SET_ONCE_COLUMNS
        )
        op.execute(
            f"""
            CREATE FUNCTION list_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    IF OLD.status <> 'draft' THEN RAISE EXCEPTION '{FROZEN_MESSAGE}'; END IF;
                    RETURN OLD;
                END IF;
                IF OLD.status = 'draft' THEN RETURN NEW; END IF;
                IF (to_jsonb(NEW) - ARRAY[{lifecycle}]) IS DISTINCT FROM (to_jsonb(OLD) - ARRAY[{lifecycle}])
                THEN RAISE EXCEPTION '{FROZEN_MESSAGE}'; END IF;
            {set_once}
                IF OLD.digest IS NOT NULL AND NEW.digest IS DISTINCT FROM OLD.digest
                   AND NOT (OLD.status = 'submitted' AND NEW.status = 'draft')
                THEN RAISE EXCEPTION '{FROZEN_MESSAGE}: digest'; END IF;
                IF NEW.status <> OLD.status AND OLD.status || '>' || NEW.status NOT IN ({moves})
                THEN RAISE EXCEPTION '{FROZEN_MESSAGE}: no such step'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER list_version_frozen BEFORE UPDATE OR DELETE ON list_version
                FOR EACH ROW EXECUTE FUNCTION list_version_frozen();
            CREATE FUNCTION list_filing_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM list_version WHERE id = OLD.list_version_id AND status <> 'draft')
                THEN RAISE EXCEPTION '{FILING_MESSAGE}'; END IF;
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER list_filing_frozen BEFORE UPDATE OR DELETE ON list_filing
                FOR EACH ROW EXECUTE FUNCTION list_filing_frozen();
            """
        )
        return
    columns = [column["name"] for column in sa.inspect(bind).get_columns("list_version")]
    op.execute(
        "CREATE TRIGGER list_version_frozen BEFORE UPDATE ON list_version "
        f"WHEN OLD.status <> 'draft' AND ({_frozen_sqlite_condition(columns)}) "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN_MESSAGE}'); END"
    )
    op.execute(
        "CREATE TRIGGER list_version_frozen_delete BEFORE DELETE ON list_version WHEN OLD.status <> 'draft' "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN_MESSAGE}'); END"
    )
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER list_filing_frozen_{event.lower()} BEFORE {event} ON list_filing "
            "WHEN (SELECT status FROM list_version WHERE id = OLD.list_version_id) <> 'draft' "
            f"BEGIN SELECT RAISE(ABORT, '{FILING_MESSAGE}'); END"
        )


def _drop_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS list_version_frozen ON list_version")
        op.execute("DROP TRIGGER IF EXISTS list_filing_frozen ON list_filing")
        op.execute("DROP FUNCTION IF EXISTS list_version_frozen()")
        op.execute("DROP FUNCTION IF EXISTS list_filing_frozen()")
        return
    for name in ("list_version_frozen", "list_version_frozen_delete", "list_filing_frozen_update",
                 "list_filing_frozen_delete"):  # fmt: skip
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    _key_the_chain()
    _create_guards()


def downgrade() -> None:
    _drop_guards()
    _unkey_the_chain()
