"""Who publishes the report: what a catalogue proposes for it, and a short title per item.

A catalogue file may propose the report's title, subject and publisher; the database keeps its
own choice in ``setting`` (``tracker publication``), falling back on these. An item's short
title labels it where its text does not fit, as on a chart's axis.

Revision ID: 0005_publication
Revises: 0004_entry_keys
Create Date: 2026-12-07 09:10:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0005_publication'
down_revision: Union[str, None] = '0004_entry_keys'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    for column in ('report_title', 'subject', 'publisher'):
        op.add_column('catalogue', sa.Column(column, sa.Text(), nullable=True))
    op.add_column('item', sa.Column('short_title', sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Plain ALTER TABLE (SQLite 3.35 and later drops a column in place): a batch "move and copy"
    of the item and catalogue tables would fail on the rows that refer to them."""
    op.drop_column('item', 'short_title')
    for column in ('publisher', 'subject', 'report_title'):
        op.drop_column('catalogue', column)
