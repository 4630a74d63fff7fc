"""link versions

Links get a ``version`` like scenes, hotspots and tours, so two editors setting the same
link's direction at once cannot overwrite each other silently: the later save names the
version it started from and is refused with 409 when the link changed meanwhile. Existing
links start at version 1.

Revision ID: 9d41b6e2c8a5
Revises: c3a8e1f09b27
Created: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '9d41b6e2c8a5'
down_revision = 'c3a8e1f09b27'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.alter_column('version', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.drop_column('version')
