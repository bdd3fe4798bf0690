"""Spreadsheets whose import failed, held for their uploader so the import page keeps the file.

Revision ID: 0007_held_upload
Revises: 0006_account_totp
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007_held_upload"
down_revision: str | None = "0006_account_totp"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("held_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("held_upload", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_held_upload_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("held_upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_upload_account_id"))
    op.drop_table("held_upload")
