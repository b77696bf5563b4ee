"""Revision 0007 (after 0006): test mode: `livemode` on keys and on every object of a mode"""

from alembic import op
import sqlalchemy as sa


revision, down_revision = '0007', '0006'

# Every key issued before this revision was an `sk_test_`/`rk_test_` key, so every existing row
# is test-mode data: the new column defaults to false.
TABLES = (
    'api_keys',
    'verification_sessions',
    'verification_reports',
    'files',
    'events',
    'webhook_endpoints',
    'face_templates',
)


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column('livemode', sa.Boolean(), nullable=False, server_default=sa.false())
            )


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('livemode')
