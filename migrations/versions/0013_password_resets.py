"""One-time links to set a password: an account added from the browser, or a password reset, gets
a link whose token is kept only as its SHA-256, expires and works once.

Revision ID: 0013_password_resets
Revises: 0012_offers
Create Date: 2026-12-07 12:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0013_password_resets'
down_revision: Union[str, None] = '0012_offers'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('password_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('issued_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_password_reset_account_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_password_reset_token_sha256'))
    )


def downgrade() -> None:
    op.drop_table('password_reset')
