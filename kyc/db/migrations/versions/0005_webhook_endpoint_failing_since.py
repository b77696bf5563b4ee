"""Revision 0005 (after 0004): webhook endpoint failing_since: an endpoint that keeps failing is disabled"""

from alembic import op
import sqlalchemy as sa


revision, down_revision = '0005', '0004'


def upgrade() -> None:
    with op.batch_alter_table('webhook_endpoints') as batch:
        batch.add_column(sa.Column('failing_since', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhook_endpoints') as batch:
        batch.drop_column('failing_since')
