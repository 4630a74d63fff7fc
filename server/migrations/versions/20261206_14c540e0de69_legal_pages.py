"""legal pages

The city's imprint, privacy statement and accessibility statement: one row per page (key),
its sanitised HTML per language, a version for optimistic saves and who saved it last.
No row means the page has not been written yet.

Revision ID: 14c540e0de69
Revises: d4e4a95d4f16
Created: 2026-12-06 22:49:02.578494
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tours.models.base

revision = '14c540e0de69'
down_revision = 'd4e4a95d4f16'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('legal_page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.Enum('imprint', 'privacy', 'accessibility', name='legal_page_key', native_enum=False, length=20), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_legal_page_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_page')),
    sa.UniqueConstraint('key', name=op.f('uq_legal_page_key'))
    )
    with op.batch_alter_table('legal_page', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_page_updated_by_id'), ['updated_by_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('legal_page', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_page_updated_by_id'))

    op.drop_table('legal_page')
