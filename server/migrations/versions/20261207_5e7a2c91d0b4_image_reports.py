"""image reports

Visitors report a panorama ("report this image"): ``image_report`` holds the scene, the
panorama and revision shown, the reason, comment and view, and the editors' decision. A
panorama taken down after a report keeps its row (status ``taken_down``, a plain string: no
type to alter) and records in ``purged_at`` when its objects were deleted.

Revision ID: 5e7a2c91d0b4
Revises: 83f0f3d53b44
Created: 2026-12-07 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tours.models.base import UTCDateTime

revision = '5e7a2c91d0b4'
down_revision = '83f0f3d53b44'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('panorama', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', UTCDateTime(), nullable=True))
    op.create_table(
        'image_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scene_id', sa.Integer(), nullable=True),
        sa.Column('panorama_id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.String(length=32), nullable=True),
        sa.Column('reason', sa.Enum('person', 'licence_plate', 'private_property', 'offensive',
                                    'copyright', 'other', name='report_reason',
                                    native_enum=False, length=20), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('view', sa.JSON(), nullable=True),
        sa.Column('status', sa.Enum('open', 'dismissed', 'taken_down', name='report_status',
                                    native_enum=False, length=16), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'],
                                name=op.f('fk_image_report_decided_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['panorama_id'], ['panorama.id'],
                                name=op.f('fk_image_report_panorama_id_panorama'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['scene_id'], ['scene.id'],
                                name=op.f('fk_image_report_scene_id_scene'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_image_report')),
    )
    with op.batch_alter_table('image_report', schema=None) as batch_op:
        batch_op.create_index('ix_image_report_queue', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_image_report_decided_by_id'), ['decided_by_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_image_report_panorama_id'), ['panorama_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_image_report_scene_id'), ['scene_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('image_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_image_report_scene_id'))
        batch_op.drop_index(batch_op.f('ix_image_report_panorama_id'))
        batch_op.drop_index(batch_op.f('ix_image_report_decided_by_id'))
        batch_op.drop_index('ix_image_report_queue')
    op.drop_table('image_report')
    with op.batch_alter_table('panorama', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
