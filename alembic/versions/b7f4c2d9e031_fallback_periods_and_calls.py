"""fallback periods and imported fallback calls

Revision ID: b7f4c2d9e031
Revises: ec82880d1769
Create Date: 2026-11-30 01:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from callcenter.kernel.db import UTCDateTime

revision: str = "b7f4c2d9e031"
down_revision: str | None = "ec82880d1769"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fallback_periods",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fallback_periods")),
    )
    op.create_table(
        "fallback_calls",
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["fallback_periods.id"],
            name=op.f("fk_fallback_calls_period_id_fallback_periods"),
        ),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_fallback_calls")),
    )


def downgrade() -> None:
    op.drop_table("fallback_calls")
    op.drop_table("fallback_periods")
