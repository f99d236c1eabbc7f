"""An entry keeps, beside the capacity-building needs, the capacity-building offers: what the
economy can offer others on the commitment (the CTAP template asked for both).

Revision ID: 0012_offers
Revises: 0011_mail
Create Date: 2026-12-07 11:45:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0012_offers'
down_revision: Union[str, None] = '0011_mail'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases (a blank column): the entry table is not copied.
    op.add_column('entry', sa.Column('offers', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('entry', 'offers')
