"""hotspot images

An info hotspot may show a picture: ``image`` holds what was stored for the upload (its SHA-256,
the original's key, the web versions' keys and sizes; NULL without a picture) and
``image_alt`` the picture's description per language. Existing hotspots get no picture and an
empty description; the server default only fills them and is dropped again, like the model has
none.

Revision ID: 83f0f3d53b44
Revises: 14c540e0de69
Created: 2026-12-06 23:20:03.307881
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '83f0f3d53b44'
down_revision = '14c540e0de69'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hotspot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image', sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column('image_alt', sa.JSON(), nullable=False,
                                      server_default=sa.text("'{}'")))
    with op.batch_alter_table('hotspot', schema=None) as batch_op:
        batch_op.alter_column('image_alt', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('hotspot', schema=None) as batch_op:
        batch_op.drop_column('image_alt')
        batch_op.drop_column('image')
