"""former scene slugs

- ``former_scene_slug``: the slugs a scene had before it was renamed, so deep links made with
  them (``/tours/<tour>/<scene>``, kiosk screens, shared routes) redirect to its current slug.

Revision ID: 75cbea3ed277
Revises: ad9cd8720269
Created: 2026-12-07 10:24:55.232231
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tours.models.base

revision = '75cbea3ed277'
down_revision = 'ad9cd8720269'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('former_scene_slug',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('scene_id', sa.Integer(), nullable=False),
    sa.Column('retired_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['scene_id'], ['scene.id'], name=op.f('fk_former_scene_slug_scene_id_scene'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_former_scene_slug')),
    sa.UniqueConstraint('slug', name=op.f('uq_former_scene_slug_slug'))
    )
    with op.batch_alter_table('former_scene_slug', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_former_scene_slug_scene_id'), ['scene_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('former_scene_slug', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_former_scene_slug_scene_id'))

    op.drop_table('former_scene_slug')
