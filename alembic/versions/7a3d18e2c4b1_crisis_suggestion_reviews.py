"""crisis suggestion reviews: the agent's answer to a suggested risk level

Revision ID: 7a3d18e2c4b1
Revises: 7d3e1f0a9b21
Create Date: 2026-11-29 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import callcenter.kernel.db

revision: str = "7a3d18e2c4b1"
down_revision: str | None = "7d3e1f0a9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crisis_suggestion_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("dimensions", sa.String(length=200), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("patterns_version", sa.String(length=100), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("at", callcenter.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_suggestion_reviews")),
    )
    with op.batch_alter_table("crisis_suggestion_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_crisis_suggestion_reviews_call_id"), ["call_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_crisis_suggestion_reviews_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("crisis_suggestion_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crisis_suggestion_reviews_at"))
        batch_op.drop_index(batch_op.f("ix_crisis_suggestion_reviews_call_id"))
    op.drop_table("crisis_suggestion_reviews")
