"""A generation counter of what is in force, bumped by the database with every version change.

Each process keeps the answer "which version is in force in zone Z on day D" and reuses it while
``registry_state.in_force_generation`` is unchanged: one primary-key read a check instead of the
in-force query. A trigger bumps the counter in the same transaction as any insert, deletion or
change of a version's status or dates, however it is made (the lifecycle, seeding, an import), so
the first check after the change commits, on any host, sees a new generation.

Revision ID: 0005_in_force_generation
Revises: 0004_web_sessions
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_in_force_generation"
down_revision: str | None = "0004_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE registry_state SET in_force_generation = in_force_generation + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "registry_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("in_force_generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO registry_state (id, in_force_generation) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION bump_in_force_generation() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN {BUMP}; RETURN NULL; END $$;
            CREATE TRIGGER list_version_in_force_changed
                AFTER INSERT OR DELETE OR UPDATE OF status, effective_from, revoked_on ON list_version
                FOR EACH STATEMENT EXECUTE FUNCTION bump_in_force_generation();
            """
        )
        return
    for event in ("INSERT", "DELETE", "UPDATE OF status, effective_from, revoked_on"):
        name = event.split()[0].lower()
        op.execute(
            f"CREATE TRIGGER list_version_in_force_changed_{name} AFTER {event} ON list_version BEGIN {BUMP}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS list_version_in_force_changed ON list_version")
        op.execute("DROP FUNCTION IF EXISTS bump_in_force_generation()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS list_version_in_force_changed_{name}")
    op.drop_table("registry_state")
