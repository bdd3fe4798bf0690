"""List versions say whether their scope names every sector they cover (contract v1.1).

``scope_complete`` (default true): false for a record whose ``scope`` names only some of the
sectors or scenarios the published list covers; a category outside the named scope then cannot
be ruled out (Article 6 ``undetermined``, never ``not_applicable``).

Revision ID: 0002_list_version_scope_complete
Revises: 0001_registry_foundation
Create Date: 2026-11-29 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_list_version_scope_complete"
down_revision: str | None = "0001_registry_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch copy: on SQLite a copy would break the triggers of 0001 that
    # name list_version (the frozen-content guards).
    op.add_column("list_version", sa.Column("scope_complete", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    op.execute("ALTER TABLE list_version DROP COLUMN scope_complete")  # SQLite 3.35+ and PostgreSQL
