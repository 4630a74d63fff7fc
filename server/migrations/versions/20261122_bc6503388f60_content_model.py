"""content model

Panoramas and their tiled revisions, scenes, links, hotspots, tours and stops. Translatable
texts are JSON maps from language to text; scenes, hotspots and tours carry a version column
for optimistic concurrency.

Revision ID: bc6503388f60
Revises: be364c5cb7b1
Created: 2026-11-22 03:16:36.176790
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tours.models.base

revision = 'bc6503388f60'
down_revision = 'be364c5cb7b1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('panorama',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('byte_size', sa.BigInteger(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('format', sa.String(length=16), nullable=True),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('original_key', sa.String(length=512), nullable=False),
    sa.Column('captured_at', tours.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('gps_latitude', sa.Float(), nullable=True),
    sa.Column('gps_longitude', sa.Float(), nullable=True),
    sa.Column('gps_altitude', sa.Float(), nullable=True),
    sa.Column('pose_heading', sa.Float(), nullable=True),
    sa.Column('pose_pitch', sa.Float(), nullable=True),
    sa.Column('pose_roll', sa.Float(), nullable=True),
    sa.Column('crop', sa.JSON(), nullable=True),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('licence', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('queued', 'tiling', 'ready', 'failed', name='panorama_status', native_enum=False, length=16), nullable=False),
    sa.Column('current_revision', sa.String(length=32), nullable=True),
    sa.Column('error_code', sa.String(length=64), nullable=False),
    sa.Column('error_message', sa.Text(), nullable=False),
    sa.Column('manifest', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_panorama_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panorama')),
    sa.UniqueConstraint('public_id', name=op.f('uq_panorama_public_id')),
    sa.UniqueConstraint('sha256', name=op.f('uq_panorama_sha256'))
    )
    with op.batch_alter_table('panorama', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panorama_created_by_id'), ['created_by_id'], unique=False)

    op.create_table('panorama_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panorama_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.String(length=32), nullable=False),
    sa.Column('state', sa.Enum('building', 'ready', 'retired', 'deleted', name='panorama_revision_state', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', tours.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['panorama_id'], ['panorama.id'], name=op.f('fk_panorama_revision_panorama_id_panorama'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panorama_revision')),
    sa.UniqueConstraint('panorama_id', 'revision', name=op.f('uq_panorama_revision_panorama_id'))
    )
    with op.batch_alter_table('panorama_revision', schema=None) as batch_op:
        batch_op.create_index('ix_panorama_revision_sweep', ['state', 'retired_at'], unique=False)

    op.create_table('scene',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('panorama_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('north_offset', sa.Float(), nullable=False),
    sa.Column('initial_yaw', sa.Float(), nullable=False),
    sa.Column('initial_pitch', sa.Float(), nullable=False),
    sa.Column('initial_zoom', sa.Float(), nullable=False),
    sa.Column('share_image_key', sa.String(length=512), nullable=True),
    sa.Column('share_image_view', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['panorama_id'], ['panorama.id'], name=op.f('fk_scene_panorama_id_panorama'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scene')),
    sa.UniqueConstraint('slug', name=op.f('uq_scene_slug'))
    )
    with op.batch_alter_table('scene', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scene_panorama_id'), ['panorama_id'], unique=False)

    op.create_table('hotspot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scene_id', sa.Integer(), nullable=False),
    sa.Column('yaw', sa.Float(), nullable=False),
    sa.Column('pitch', sa.Float(), nullable=False),
    sa.Column('kind', sa.Enum('shop', 'info', 'url', name='hotspot_kind', native_enum=False, length=20), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('label', sa.JSON(), nullable=False),
    sa.Column('valid_from', tours.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_until', tours.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_hotspot_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scene_id'], ['scene.id'], name=op.f('fk_hotspot_scene_id_scene'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspot'))
    )
    with op.batch_alter_table('hotspot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotspot_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotspot_scene_id'), ['scene_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotspot_shop_id'), ['shop_id'], unique=False)

    op.create_table('link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_scene_id', sa.Integer(), nullable=False),
    sa.Column('to_scene_id', sa.Integer(), nullable=False),
    sa.Column('bearing', sa.Float(), nullable=False),
    sa.Column('length_m', sa.Float(), nullable=True),
    sa.Column('kind', sa.Enum('walkway', 'stairs', 'escalator', 'elevator', 'ramp', 'door', name='link_kind', native_enum=False, length=20), nullable=False),
    sa.Column('closed_until', tours.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_reason', sa.JSON(), nullable=False),
    sa.Column('label', sa.JSON(), nullable=False),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('from_scene_id <> to_scene_id', name=op.f('ck_link_not_to_itself')),
    sa.ForeignKeyConstraint(['from_scene_id'], ['scene.id'], name=op.f('fk_link_from_scene_id_scene'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_scene_id'], ['scene.id'], name=op.f('fk_link_to_scene_id_scene'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link')),
    sa.UniqueConstraint('from_scene_id', 'to_scene_id', name=op.f('uq_link_from_scene_id'))
    )
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_to_scene_id'), ['to_scene_id'], unique=False)

    op.create_table('tour',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('intro', sa.JSON(), nullable=False),
    sa.Column('cover_scene_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'published', 'archived', name='tour_status', native_enum=False, length=16), nullable=False),
    sa.Column('publish_from', tours.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('publish_until', tours.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cover_scene_id'], ['scene.id'], name=op.f('fk_tour_cover_scene_id_scene'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tour')),
    sa.UniqueConstraint('slug', name=op.f('uq_tour_slug'))
    )
    with op.batch_alter_table('tour', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tour_cover_scene_id'), ['cover_scene_id'], unique=False)

    op.create_table('stop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tour_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('scene_id', sa.Integer(), nullable=False),
    sa.Column('initial_yaw', sa.Float(), nullable=True),
    sa.Column('initial_pitch', sa.Float(), nullable=True),
    sa.Column('initial_zoom', sa.Float(), nullable=True),
    sa.Column('text', sa.JSON(), nullable=False),
    sa.Column('created_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tours.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('position > 0', name=op.f('ck_stop_position_positive')),
    sa.ForeignKeyConstraint(['scene_id'], ['scene.id'], name=op.f('fk_stop_scene_id_scene'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tour_id'], ['tour.id'], name=op.f('fk_stop_tour_id_tour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stop')),
    sa.UniqueConstraint('tour_id', 'position', name=op.f('uq_stop_tour_id'))
    )
    with op.batch_alter_table('stop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stop_scene_id'), ['scene_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('stop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stop_scene_id'))

    op.drop_table('stop')
    with op.batch_alter_table('tour', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tour_cover_scene_id'))

    op.drop_table('tour')
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_to_scene_id'))

    op.drop_table('link')
    with op.batch_alter_table('hotspot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotspot_shop_id'))
        batch_op.drop_index(batch_op.f('ix_hotspot_scene_id'))
        batch_op.drop_index(batch_op.f('ix_hotspot_created_by_id'))

    op.drop_table('hotspot')
    with op.batch_alter_table('scene', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scene_panorama_id'))

    op.drop_table('scene')
    with op.batch_alter_table('panorama_revision', schema=None) as batch_op:
        batch_op.drop_index('ix_panorama_revision_sweep')

    op.drop_table('panorama_revision')
    with op.batch_alter_table('panorama', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panorama_created_by_id'))

    op.drop_table('panorama')
