"""A change of an entry's field can be a confirmation: an answer carried forward from an earlier
year and returned unchanged, recorded for the year without being a change of value. An economy
has membership years: from the year it joined, up to (not including) the year it left.

Revision ID: 0007_returns_and_membership
Revises: 0004_entry_keys
Create Date: 2026-12-07 09:45:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0007_returns_and_membership'
down_revision: Union[str, None] = '0004_entry_keys'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('economy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joined_in', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('left_in', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('economy', schema=None) as batch_op:
        batch_op.drop_column('left_in')
        batch_op.drop_column('joined_in')
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_column('confirmed')
