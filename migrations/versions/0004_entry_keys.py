"""An entry's key starts with the year, and a change of an entry's field refers to the entry.

The entry's key (year, economy, item) holds the same rows unique as before; with the year first,
one economy's entries of a year are one range of it whatever the planner's figures say, and the
separate index on the year goes. A change row's economy and item, each checked on its own
before, are now checked together as the entry they changed (a contact point's change, with no
item, is written with its return, which checks the economy).

Revision ID: 0004_entry_keys
Revises: 0003_accounts
Create Date: 2026-12-02 23:50:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0004_entry_keys'
down_revision: Union[str, None] = '0003_accounts'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_year'))
        batch_op.drop_constraint(batch_op.f('uq_entry_economy_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_entry_year'), ['year', 'economy_id', 'item_id'])
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_change_economy_id_economy'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_change_item_id_item'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_change_year_entry'), 'entry',
                                    ['year', 'economy_id', 'item_id'], ['year', 'economy_id', 'item_id'])


def downgrade() -> None:
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_change_year_entry'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_change_item_id_item'), 'item', ['item_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_change_economy_id_economy'), 'economy', ['economy_id'], ['id'])
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_entry_year'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_entry_economy_id'), ['economy_id', 'item_id', 'year'])
        batch_op.create_index(batch_op.f('ix_entry_year'), ['year'], unique=False)
