"""webhook endpoint failing_since: an endpoint that keeps failing is disabled

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:55:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_endpoints') as batch:
        batch.add_column(sa.Column('failing_since', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhook_endpoints') as batch:
        batch.drop_column('failing_since')
