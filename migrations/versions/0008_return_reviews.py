"""An editor reviews each return: accepted, or changes requested with a note (for the whole return
and, where needed, per item), kept with who and when. A return that comes in after a review is
"received" again.

Revision ID: 0008_return_reviews
Revises: 0007_returns_and_membership
Create Date: 2026-12-07 11:50:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0008_return_reviews'
down_revision: Union[str, None] = '0007_returns_and_membership'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('return_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('economy_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint("state IN ('accepted', 'changes_requested')", name=op.f('ck_return_review_state')),
    sa.ForeignKeyConstraint(['economy_id'], ['economy.id'], name=op.f('fk_return_review_economy_id_economy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_review'))
    )
    op.create_index(op.f('ix_return_review_year'), 'return_review', ['year'], unique=False)
    op.create_table('review_item_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_review_item_note_item_id_item')),
    sa.ForeignKeyConstraint(['review_id'], ['return_review.id'], name=op.f('fk_review_item_note_review_id_return_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_item_note')),
    sa.UniqueConstraint('review_id', 'item_id', name=op.f('uq_review_item_note_review_id'))
    )


def downgrade() -> None:
    op.drop_table('review_item_note')
    op.drop_index(op.f('ix_return_review_year'), table_name='return_review')
    op.drop_table('return_review')
