"""Rounds and their events, item wordings per year, catalogue versions, undo records, the reports log.

An undo is kept as a file_import row of kind "undo" without file or SHA-256, pointing at what it undoes.

Revision ID: 0002_rounds
Revises: 0001
Create Date: 2026-12-01 20:03:54.975137
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002_rounds'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('catalogue_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogue.id'], name=op.f('fk_catalogue_version_catalogue_id_catalogue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_version'))
    )
    op.execute("INSERT INTO catalogue_version (catalogue_id, version, loaded_at) "
               "SELECT id, version, loaded_at FROM catalogue")
    op.create_table('report_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.DateTime(), nullable=True),
    sa.Column('written_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_log'))
    )
    op.create_table('round',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_round'))
    )
    op.create_table('round_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.CheckConstraint("action IN ('opened', 'due', 'closed', 'reopened')", name=op.f('ck_round_event_action')),
    sa.ForeignKeyConstraint(['year'], ['round.year'], name=op.f('fk_round_event_year_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_event'))
    )
    with op.batch_alter_table('round_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_event_year'), ['year'], unique=False)

    op.create_table('item_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('from_year', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_item_text_item_id_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_text')),
    sa.UniqueConstraint('item_id', 'from_year', name=op.f('uq_item_text_item_id'))
    )
    with op.batch_alter_table('file_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undoes_id', sa.Integer(), nullable=True))
        batch_op.alter_column('sha256',
               existing_type=sa.VARCHAR(length=64),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_file_import_undoes_id_file_import'), 'file_import', ['undoes_id'], ['id'])



def downgrade() -> None:
    undo_ids = "SELECT id FROM file_import WHERE kind = 'undo'"
    op.execute(f"UPDATE change SET import_id = NULL WHERE import_id IN ({undo_ids})")
    op.execute("UPDATE file_import SET undoes_id = NULL")
    op.execute("DELETE FROM file_import WHERE kind = 'undo'")
    with op.batch_alter_table('file_import', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_file_import_undoes_id_file_import'), type_='foreignkey')
        batch_op.alter_column('sha256',
               existing_type=sa.VARCHAR(length=64),
               nullable=False)
        batch_op.drop_column('undoes_id')

    op.drop_table('item_text')
    op.drop_table('catalogue_version')
    with op.batch_alter_table('round_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_event_year'))

    op.drop_table('round_event')
    op.drop_table('round')
    op.drop_table('report_log')
