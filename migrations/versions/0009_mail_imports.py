"""An import of a workbook that came attached to an e-mail message keeps the message's sender and
date.

Revision ID: 0009_mail_imports
Revises: 0008_return_reviews
Create Date: 2026-12-07 12:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0009_mail_imports'
down_revision: Union[str, None] = '0008_return_reviews'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ADD COLUMN of nullable columns on both databases: no table is copied.
    op.add_column('file_import', sa.Column('mail_from', sa.Text(), nullable=True))
    op.add_column('file_import', sa.Column('mail_sent_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column('file_import', 'mail_sent_at')
    op.drop_column('file_import', 'mail_from')
