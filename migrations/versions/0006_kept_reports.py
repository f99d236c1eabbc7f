"""Every report kept as published: its workbook and its PDF, byte for byte, beside its log row.

A report's file on disk can be written over or removed; the bytes kept here are what
``tracker reports get`` and ``/reports`` give back, and ``tracker check`` compares them with
their SHA-256. Reports written before this revision keep their log row and no bytes.

Revision ID: 0006_kept_reports
Revises: 0005_publication
Create Date: 2026-12-07 09:10:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0006_kept_reports'
down_revision: Union[str, None] = '0005_publication'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('kept_report_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.CheckConstraint("kind IN ('workbook', 'pdf')", name=op.f('ck_kept_report_file_kind')),
    sa.ForeignKeyConstraint(['report_id'], ['report_log.id'], name=op.f('fk_kept_report_file_report_id_report_log')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_report_file')),
    sa.UniqueConstraint('report_id', 'kind', name=op.f('uq_kept_report_file_report_id'))
    )


def downgrade() -> None:
    op.drop_table('kept_report_file')
