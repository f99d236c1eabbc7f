"""Every message sent is kept (the mail log), and personal links sign a focal point into its
economy's online return for one year.

Revision ID: 0011_mail
Revises: 0010_sign_in_attempts
Create Date: 2026-12-07 11:50:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0011_mail'
down_revision: Union[str, None] = '0010_sign_in_attempts'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'mail_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('economy_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('step', sa.String(length=24), nullable=True),
        sa.Column('to_address', sa.Text(), nullable=False),
        sa.Column('cc', sa.Text(), nullable=True),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('accepted', sa.Boolean(), nullable=False),
        sa.Column('server_reply', sa.Text(), nullable=False),
        sa.Column('message_id', sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('invitation', 'reminder', 'chaser', 'changes requested', 'test')",
                           name=op.f('ck_mail_message_kind')),
        sa.ForeignKeyConstraint(['economy_id'], ['economy.id'], name=op.f('fk_mail_message_economy_id_economy')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message')),
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_message_economy_id'), ['economy_id'], unique=False)
    op.create_table(
        'personal_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('economy_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('source', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['economy_id'], ['economy.id'], name=op.f('fk_personal_link_economy_id_economy')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_link')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_personal_link_token_hash')),
    )


def downgrade() -> None:
    op.drop_table('personal_link')
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_message_economy_id'))
    op.drop_table('mail_message')
