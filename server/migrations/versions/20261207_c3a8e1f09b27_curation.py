"""curation: owners' hotspot requests, interior scenes, published tour copies, blur regions

- ``hotspot.status`` (approved, requested, rejected; existing hotspots are approved) with the
  deciding editor and time: owners request hotspots in street scenes, editors decide.
- ``scene.shop_id``: a shop's interior scene, where its owners place hotspots themselves.
- ``tour.published`` / ``tour.published_at``: visitors see the copy taken at publication while
  editors change the rows (the draft). Tours published before this revision get their copy
  from their current rows, so visitors see no change.
- ``panorama.blur_regions``: regions blurred in every tiling.

Revision ID: c3a8e1f09b27
Revises: 750bc75e61a7
Created: 2026-12-07 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tours.models.base import UTCDateTime

revision = 'c3a8e1f09b27'
down_revision = '750bc75e61a7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hotspot', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'status', sa.Enum('approved', 'requested', 'rejected', name='hotspot_status',
                              native_enum=False, length=16),
            nullable=False, server_default='approved'))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_hotspot_decided_by_id_user'), 'user',
                                    ['decided_by_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('hotspot', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)
    with op.batch_alter_table('scene', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shop_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_scene_shop_id'), ['shop_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_scene_shop_id_shop'), 'shop', ['shop_id'],
                                    ['id'], ondelete='SET NULL')
    with op.batch_alter_table('tour', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('published_at', UTCDateTime(), nullable=True))
    _copy_published_tours()
    with op.batch_alter_table('panorama', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blur_regions', sa.JSON(), nullable=False,
                                      server_default='[]'))
    with op.batch_alter_table('panorama', schema=None) as batch_op:
        batch_op.alter_column('blur_regions', server_default=None)


def _copy_published_tours() -> None:
    """Give every tour published before this revision its copy (format 1 of
    ``tours.tour_publishing``, frozen here) from its current rows, taken at its last change,
    so visitors see no change after the upgrade."""
    tour = sa.table(
        'tour', sa.column('id', sa.Integer()), sa.column('status', sa.String()),
        sa.column('title', sa.JSON()), sa.column('intro', sa.JSON()),
        sa.column('cover_scene_id', sa.Integer()), sa.column('updated_at', UTCDateTime()),
        sa.column('published', sa.JSON(none_as_null=True)),
        sa.column('published_at', UTCDateTime()))
    stop = sa.table(
        'stop', sa.column('tour_id', sa.Integer()), sa.column('position', sa.Integer()),
        sa.column('scene_id', sa.Integer()), sa.column('text', sa.JSON()),
        sa.column('initial_yaw', sa.Float()), sa.column('initial_pitch', sa.Float()),
        sa.column('initial_zoom', sa.Float()))
    connection = op.get_bind()
    published = connection.execute(
        sa.select(tour.c.id, tour.c.title, tour.c.intro, tour.c.cover_scene_id,
                  tour.c.updated_at)
        .where(tour.c.status == 'published').order_by(tour.c.id)).all()
    for row in published:
        stops = connection.execute(
            sa.select(stop.c.position, stop.c.scene_id, stop.c.text, stop.c.initial_yaw,
                      stop.c.initial_pitch, stop.c.initial_zoom)
            .where(stop.c.tour_id == row.id).order_by(stop.c.position)).all()
        copy = {
            'format': 1, 'title': dict(row.title or {}), 'intro': dict(row.intro or {}),
            'cover_scene_id': row.cover_scene_id,
            'stops': [{
                'position': entry.position, 'scene_id': entry.scene_id,
                'text': dict(entry.text or {}),
                'initial_view': None if None in (entry.initial_yaw, entry.initial_pitch,
                                                 entry.initial_zoom)
                else {'yaw': entry.initial_yaw, 'pitch': entry.initial_pitch,
                      'zoom': entry.initial_zoom},
            } for entry in stops],
        }
        connection.execute(sa.update(tour).where(tour.c.id == row.id)
                           .values(published=copy, published_at=row.updated_at))


def downgrade() -> None:
    with op.batch_alter_table('panorama', schema=None) as batch_op:
        batch_op.drop_column('blur_regions')
    with op.batch_alter_table('tour', schema=None) as batch_op:
        batch_op.drop_column('published_at')
        batch_op.drop_column('published')
    with op.batch_alter_table('scene', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_scene_shop_id_shop'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_scene_shop_id'))
        batch_op.drop_column('shop_id')
    with op.batch_alter_table('hotspot', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_hotspot_decided_by_id_user'), type_='foreignkey')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('status')
