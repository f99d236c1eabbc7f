"""A change of an entry's field can be a confirmation: an answer carried forward from an earlier
year and returned unchanged, recorded for the year without being a change of value. An economy
has membership years: from the year it joined, up to (not including) the year it left.

Revision ID: 0007_returns_and_membership
Revises: 0006_kept_reports
Create Date: 2026-12-07 09:45:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0007_returns_and_membership'
down_revision: Union[str, None] = '0006_kept_reports'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: no table is copied, so the tables referring to these
    # (every table refers to the economy) are left alone.
    op.add_column('change', sa.Column('confirmed', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('economy', sa.Column('joined_in', sa.Integer(), nullable=True))
    op.add_column('economy', sa.Column('left_in', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column('economy', 'left_in')
    op.drop_column('economy', 'joined_in')
    op.drop_column('change', 'confirmed')
