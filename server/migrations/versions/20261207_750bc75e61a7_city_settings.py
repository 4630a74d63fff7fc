"""city settings

The city's own settings (name, colours, logo, default language, time zone, map centre) in
one row with a version for optimistic saves; while there is no row the environment's
configuration applies.

Revision ID: 750bc75e61a7
Revises: 5e7a2c91d0b4
Created: 2026-12-07 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tours.models.base

revision = '750bc75e61a7'
down_revision = '5e7a2c91d0b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('city_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('header_colour', sa.String(length=7), nullable=False),
    sa.Column('header_text', sa.String(length=5), nullable=False),
    sa.Column('accent_colour', sa.String(length=7), nullable=False),
    sa.Column('default_language', sa.String(length=2), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('map_latitude', sa.Float(), nullable=True),
    sa.Column('map_longitude', sa.Float(), nullable=True),
    sa.Column('logo', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_city_settings_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_settings'))
    )
    with op.batch_alter_table('city_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_settings_updated_by_id'), ['updated_by_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('city_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_city_settings_updated_by_id'))

    op.drop_table('city_settings')
