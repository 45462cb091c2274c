"""a flagged number says whether its flag is a crisis flag; a call when it was queued

Revision ID: 5e1f0a2b7c14
Revises: 7a3d18e2c4b1
Create Date: 2026-11-29 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from callcenter.kernel.db import UTCDateTime

revision: str = "5e1f0a2b7c14"
down_revision: str | None = "7a3d18e2c4b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Flags so far were all treated as crisis flags: they stay so.
    with op.batch_alter_table("crisis_flagged_numbers") as batch:
        batch.add_column(sa.Column("crisis", sa.Boolean(), server_default=sa.true(), nullable=False))
    # When the caller left the IVR menu (older calls: unknown, waits count from arrival).
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("queued_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("queued_at")
    with op.batch_alter_table("crisis_flagged_numbers") as batch:
        batch.drop_column("crisis")
