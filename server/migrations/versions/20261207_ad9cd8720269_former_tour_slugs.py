"""former tour slugs

- ``former_tour_slug``: the slugs a tour had before it was renamed, so the addresses made with
  them (printed QR codes, shared links, embeds) redirect to the tour's current slug.

Revision ID: ad9cd8720269
Revises: b6db85518e83
Created: 2026-12-07 10:06:59.648797
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tours.models.base

revision = 'ad9cd8720269'
down_revision = 'b6db85518e83'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('former_tour_slug',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('tour_id', sa.Integer(), nullable=False),
    sa.Column('retired_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tour_id'], ['tour.id'], name=op.f('fk_former_tour_slug_tour_id_tour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_former_tour_slug')),
    sa.UniqueConstraint('slug', name=op.f('uq_former_tour_slug_slug'))
    )
    with op.batch_alter_table('former_tour_slug', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_former_tour_slug_tour_id'), ['tour_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('former_tour_slug', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_former_tour_slug_tour_id'))

    op.drop_table('former_tour_slug')
