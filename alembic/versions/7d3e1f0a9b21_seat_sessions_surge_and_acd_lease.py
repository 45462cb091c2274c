"""seat sessions, surge setting and the ACD lease: what survives a restart or a takeover

Revision ID: 7d3e1f0a9b21
Revises: 45bea9fc8727
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import callcenter.kernel.db


revision: str = '7d3e1f0a9b21'
down_revision: str | None = '45bea9fc8727'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('seat_sessions',
    sa.Column('seat', sa.String(length=8), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=False),
    sa.Column('pause_reason', sa.String(length=64), nullable=True),
    sa.Column('since', callcenter.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('seat', name=op.f('pk_seat_sessions'))
    )
    op.create_table('surge_settings',
    sa.Column('hotline_id', sa.String(length=32), nullable=False),
    sa.Column('on', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('since', callcenter.kernel.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hotline_id', name=op.f('pk_surge_settings'))
    )
    op.create_table('acd_leases',
    sa.Column('hotline_id', sa.String(length=32), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('term', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('hotline_id', name=op.f('pk_acd_leases'))
    )


def downgrade() -> None:
    op.drop_table('acd_leases')
    op.drop_table('surge_settings')
    op.drop_table('seat_sessions')
