"""The commitment store: catalogue, economies, entries, returns, history, forms and imports.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 23:49:16.042758
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0001'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('catalogue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue')),
    sa.UniqueConstraint('code', name=op.f('uq_catalogue_code'))
    )
    op.create_table('economy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_economy')),
    sa.UniqueConstraint('code', name=op.f('uq_economy_code'))
    )
    op.create_table('setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('economy_return',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('economy_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['economy_id'], ['economy.id'], name=op.f('fk_economy_return_economy_id_economy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_economy_return')),
    sa.UniqueConstraint('economy_id', 'year', name=op.f('uq_economy_return_economy_id'))
    )
    op.create_table('form',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('economy_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('catalogue_version', sa.Text(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['economy_id'], ['economy.id'], name=op.f('fk_form_economy_id_economy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form'))
    )
    op.create_table('file_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('economy_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('form_id', sa.String(length=36), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['economy_id'], ['economy.id'], name=op.f('fk_file_import_economy_id_economy')),
    sa.ForeignKeyConstraint(['form_id'], ['form.id'], name=op.f('fk_file_import_form_id_form')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_file_import')),
    sa.UniqueConstraint('sha256', name=op.f('uq_file_import_sha256'))
    )
    op.create_table('instrument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('place', sa.Text(), nullable=True),
    sa.Column('adopted', sa.String(length=10), nullable=True),
    sa.Column('reference', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogue.id'], name=op.f('fk_instrument_catalogue_id_catalogue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument')),
    sa.UniqueConstraint('code', name=op.f('uq_instrument_code'))
    )
    op.create_table('item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_kind', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=128), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('retired_year', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("text_kind IN ('verbatim', 'summary')", name=op.f('ck_item_text_kind')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_item_instrument_id_instrument')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item')),
    sa.UniqueConstraint('ref', name=op.f('uq_item_ref'))
    )
    op.create_table('change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('economy_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['economy_id'], ['economy.id'], name=op.f('fk_change_economy_id_economy')),
    sa.ForeignKeyConstraint(['import_id'], ['file_import.id'], name=op.f('fk_change_import_id_file_import')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_change_item_id_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change'))
    )
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_economy_id'), ['economy_id'], unique=False)

    op.create_table('entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('economy_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('planned', sa.Text(), nullable=True),
    sa.Column('timeframe', sa.Text(), nullable=True),
    sa.Column('needs', sa.Text(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Text(), nullable=False),
    sa.CheckConstraint("status IS NULL OR status IN ('not_started', 'planned', 'in_progress', 'partial', 'implemented', 'not_applicable')", name=op.f('ck_entry_status')),
    sa.ForeignKeyConstraint(['economy_id'], ['economy.id'], name=op.f('fk_entry_economy_id_economy')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_entry_item_id_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry')),
    sa.UniqueConstraint('economy_id', 'item_id', 'year', name=op.f('uq_entry_economy_id'))
    )
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_year'), ['year'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_year'))

    op.drop_table('entry')
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_economy_id'))

    op.drop_table('change')
    op.drop_table('item')
    op.drop_table('instrument')
    op.drop_table('file_import')
    op.drop_table('form')
    op.drop_table('economy_return')
    op.drop_table('setting')
    op.drop_table('economy')
    op.drop_table('catalogue')
