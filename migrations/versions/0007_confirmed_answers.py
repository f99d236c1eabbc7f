"""A change of an entry's field can be a confirmation: an answer carried forward from an earlier
year and returned unchanged, recorded for the year without being a change of value.

Revision ID: 0007_confirmed_answers
Revises: 0004_entry_keys
Create Date: 2026-12-07 09:45:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0007_confirmed_answers'
down_revision: Union[str, None] = '0004_entry_keys'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_column('confirmed')
