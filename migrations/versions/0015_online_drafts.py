"""Answers saved on the online return page are a draft until the return is submitted: each
history row says whether an online save wrote it, and each entry whether its status was last set
by one, so that "returned" can leave drafts out cheaply now and exactly as of any moment.

Revision ID: 0015_online_drafts
Revises: 0014_shared_state
Create Date: 2026-12-07 14:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0015_online_drafts'
down_revision: Union[str, None] = '0014_shared_state'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases, as in 0007: the answers already stored were recorded
    # before drafts existed and keep counting as they did.
    op.add_column('change', sa.Column('draft', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('entry', sa.Column('status_draft', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column('entry', 'status_draft')
    op.drop_column('change', 'draft')
