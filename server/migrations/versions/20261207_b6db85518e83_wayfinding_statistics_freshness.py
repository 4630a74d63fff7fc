"""wayfinding, statistics and freshness

- ``floor_plan``: a venue level's drawing; scenes are placed on it (``scene.floor_plan_id``,
  ``floor_x``/``floor_y`` as fractions of the drawing) for indoor routes.
- ``daily_count``: visitor statistics as counts per day and subject, nothing per visitor.
- ``link_check``: the latest check of each shop web address by the link checker.

Revision ID: b6db85518e83
Revises: 9d41b6e2c8a5
Created: 2026-12-07 05:17:11.044250
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tours.models.base

revision = 'b6db85518e83'
down_revision = '9d41b6e2c8a5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('daily_count',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'event', 'subject_id', name=op.f('pk_daily_count'))
    )
    op.create_table('floor_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('venue', sa.String(length=120), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('image_key', sa.String(length=512), nullable=True),
    sa.Column('image_width', sa.Integer(), nullable=True),
    sa.Column('image_height', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_floor_plan'))
    )
    op.create_table('link_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('outcome', sa.Enum('ok', 'broken', 'unreachable', 'refused', name='link_check_outcome', native_enum=False, length=12), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('checked_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_link_check_shop_id_shop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_check')),
    sa.UniqueConstraint('shop_id', 'field', name=op.f('uq_link_check_shop_id'))
    )
    with op.batch_alter_table('link_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_check_outcome'), ['outcome'], unique=False)

    with op.batch_alter_table('scene', schema=None) as batch_op:
        batch_op.add_column(sa.Column('floor_plan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('floor_x', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('floor_y', sa.Float(), nullable=True))
        batch_op.create_index(batch_op.f('ix_scene_floor_plan_id'), ['floor_plan_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_scene_floor_plan_id_floor_plan'), 'floor_plan', ['floor_plan_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('scene', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_scene_floor_plan_id_floor_plan'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_scene_floor_plan_id'))
        batch_op.drop_column('floor_y')
        batch_op.drop_column('floor_x')
        batch_op.drop_column('floor_plan_id')

    with op.batch_alter_table('link_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_check_outcome'))

    op.drop_table('link_check')
    op.drop_table('floor_plan')
    op.drop_table('daily_count')
