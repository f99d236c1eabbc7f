"""What a later request needs, kept in the database so that any server process answers it: the
uploads previewed and waiting for "Apply", and the reports being written from the browser.

Revision ID: 0014_shared_state
Revises: 0013_password_resets
Create Date: 2026-12-07 12:35:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0014_shared_state'
down_revision: Union[str, None] = '0013_password_resets'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'upload_preview',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_sha256', sa.String(length=64), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('folder', sa.Text(), nullable=False),
        sa.Column('files', sa.Text(), nullable=False),
        sa.Column('fingerprint', sa.Text(), nullable=False),
        sa.Column('made_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_upload_preview')),
        sa.UniqueConstraint('token_sha256', name=op.f('uq_upload_preview_token_sha256')),
    )
    op.create_table(
        'report_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=8), nullable=False),
        sa.Column('step', sa.Text(), nullable=False),
        sa.Column('problem', sa.Text(), nullable=True),
        sa.Column('report_id', sa.Integer(), nullable=True),
        sa.Column('writing_to', sa.Text(), nullable=True),
        sa.Column('workbook', sa.Text(), nullable=True),
        sa.Column('pdf', sa.Text(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('beat_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("state IN ('running', 'done', 'failed')", name=op.f('ck_report_job_state')),
        sa.ForeignKeyConstraint(['report_id'], ['report_log.id'], name=op.f('fk_report_job_report_id_report_log')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_job')),
        sa.UniqueConstraint('writing_to', name=op.f('uq_report_job_writing_to')),
    )


def downgrade() -> None:
    op.drop_table('report_job')
    op.drop_table('upload_preview')
