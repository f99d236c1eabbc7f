"""Accounts of the browser view: name, role, the economy of a focal point, a memory-hard password hash,
and the count of failed sign-ins that slows down guessing.

Revision ID: 0003_accounts
Revises: 0002_rounds
Create Date: 2026-12-01 20:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003_accounts'
down_revision: Union[str, None] = '0002_rounds'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('economy_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('failed_sign_ins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_failed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("role IN ('admin', 'editor', 'viewer', 'focal-point')", name=op.f('ck_account_role')),
    sa.ForeignKeyConstraint(['economy_id'], ['economy.id'], name=op.f('fk_account_economy_id_economy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('name', name=op.f('uq_account_name'))
    )


def downgrade() -> None:
    op.drop_table('account')
