"""sealed numbers and notes: encrypted columns (Text) and keyed-digest look-up columns

Existing rows keep their plaintext until ``callcenter keys rotate`` seals them and
fills the digest columns; run it once after this upgrade, before serving.

Revision ID: ec82880d1769
Revises: 25d379e5c2a4
Create Date: 2026-11-29 22:02:00.090134
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ec82880d1769'
down_revision: str | None = '25d379e5c2a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status IN ('pending', 'dialing')")
DIGEST = sa.String(length=80)


def _sealed(batch_op: object, column: str, was: sa.types.TypeEngine[str], nullable: bool) -> None:
    batch_op.alter_column(  # type: ignore[attr-defined]
        column, existing_type=was, type_=sa.Text(), existing_nullable=nullable
    )


def upgrade() -> None:
    with op.batch_alter_table('callback_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_key', DIGEST, nullable=True))
        _sealed(batch_op, 'number', sa.VARCHAR(length=32), False)
        _sealed(batch_op, 'dial_number', sa.VARCHAR(length=32), False)
        batch_op.drop_index('uq_callback_tasks_open_number', postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index(
            'uq_callback_tasks_open_number', ['number_key'], unique=True,
            postgresql_where=OPEN, sqlite_where=OPEN,
        )

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_caller_number')
        _sealed(batch_op, 'caller_number', sa.VARCHAR(length=32), False)
        _sealed(batch_op, 'caller_name', sa.VARCHAR(length=128), False)

    with op.batch_alter_table('crisis_caller_contacts', schema=None) as batch_op:
        batch_op.alter_column(
            'number', existing_type=sa.VARCHAR(length=32), type_=DIGEST, existing_nullable=False
        )

    with op.batch_alter_table('crisis_escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caller_key', DIGEST, nullable=True))
        batch_op.drop_index('ix_crisis_escalations_caller_number')
        _sealed(batch_op, 'caller_number', sa.VARCHAR(length=32), False)
        _sealed(batch_op, 'location', sa.VARCHAR(length=500), True)
        batch_op.create_index('ix_crisis_escalations_caller_key', ['caller_key'], unique=False)

    with op.batch_alter_table('crisis_flagged_numbers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('number_sealed', sa.Text(), nullable=False, server_default='')
        )
        batch_op.alter_column(
            'number', existing_type=sa.VARCHAR(length=32), type_=DIGEST, existing_nullable=False
        )

    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caller_key', DIGEST, nullable=True))
        batch_op.drop_index('ix_work_orders_caller_created')
        batch_op.drop_index(
            'ix_work_orders_stats', postgresql_include=['escalated_at', 'caller_number', 'city']
        )
        _sealed(batch_op, 'caller_number', sa.VARCHAR(length=32), False)
        batch_op.create_index('ix_work_orders_caller_created', ['caller_key', 'created_at'])
        batch_op.create_index(
            'ix_work_orders_stats', ['created_at', 'category', 'risk_level', 'status'],
            postgresql_include=['escalated_at', 'caller_key', 'city'],
        )


def downgrade() -> None:
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_work_orders_stats', postgresql_include=['escalated_at', 'caller_key', 'city'])
        batch_op.drop_index('ix_work_orders_caller_created')
        batch_op.alter_column('caller_number', existing_type=sa.Text(), type_=sa.VARCHAR(length=32))
        batch_op.create_index('ix_work_orders_caller_created', ['caller_number', 'created_at'])
        batch_op.create_index(
            'ix_work_orders_stats', ['created_at', 'category', 'risk_level', 'status'],
            postgresql_include=['escalated_at', 'caller_number', 'city'],
        )
        batch_op.drop_column('caller_key')

    with op.batch_alter_table('crisis_flagged_numbers', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=DIGEST, type_=sa.VARCHAR(length=32))
        batch_op.drop_column('number_sealed')

    with op.batch_alter_table('crisis_escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_crisis_escalations_caller_key')
        batch_op.alter_column('location', existing_type=sa.Text(), type_=sa.VARCHAR(length=500))
        batch_op.alter_column('caller_number', existing_type=sa.Text(), type_=sa.VARCHAR(length=32))
        batch_op.create_index('ix_crisis_escalations_caller_number', ['caller_number'])
        batch_op.drop_column('caller_key')

    with op.batch_alter_table('crisis_caller_contacts', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=DIGEST, type_=sa.VARCHAR(length=32))

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.alter_column('caller_name', existing_type=sa.Text(), type_=sa.VARCHAR(length=128))
        batch_op.alter_column('caller_number', existing_type=sa.Text(), type_=sa.VARCHAR(length=32))
        batch_op.create_index('ix_calls_caller_number', ['caller_number'])

    with op.batch_alter_table('callback_tasks', schema=None) as batch_op:
        batch_op.drop_index('uq_callback_tasks_open_number', postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index(
            'uq_callback_tasks_open_number', ['number'], unique=True,
            postgresql_where=OPEN, sqlite_where=OPEN,
        )
        batch_op.alter_column('dial_number', existing_type=sa.Text(), type_=sa.VARCHAR(length=32))
        batch_op.alter_column('number', existing_type=sa.Text(), type_=sa.VARCHAR(length=32))
        batch_op.drop_column('number_key')
