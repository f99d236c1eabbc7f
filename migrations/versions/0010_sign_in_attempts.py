"""Failed sign-ins are counted per user name and client address together, not per account: a
guesser at one address no longer holds back the owner at another, and a name nobody has is
counted like a known one. The account's own counters go; the wait they held is forgotten.

Revision ID: 0010_sign_in_attempts
Revises: 0009_mail_imports
Create Date: 2026-12-07 11:50:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0010_sign_in_attempts'
down_revision: Union[str, None] = '0009_mail_imports'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('sign_in_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_sha256', sa.String(length=64), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempt')),
    sa.UniqueConstraint('name_sha256', 'client', name=op.f('uq_sign_in_attempt_name_sha256'))
    )
    op.create_index(op.f('ix_sign_in_attempt_last_failed_at'), 'sign_in_attempt', ['last_failed_at'], unique=False)
    # Plain DROP COLUMN on both databases: no table is copied.
    op.drop_column('account', 'last_failed_at')
    op.drop_column('account', 'failed_sign_ins')


def downgrade() -> None:
    op.add_column('account', sa.Column('failed_sign_ins', sa.Integer(), server_default='0', nullable=False))
    op.add_column('account', sa.Column('last_failed_at', sa.DateTime(), nullable=True))
    op.drop_index(op.f('ix_sign_in_attempt_last_failed_at'), table_name='sign_in_attempt')
    op.drop_table('sign_in_attempt')
