"""Revision 0006 (after 0005): sealed client secret, readable by the platform while the session requires input"""

from alembic import op
import sqlalchemy as sa


revision, down_revision = '0006', '0005'


def upgrade() -> None:
    # A nullable column: a plain ADD COLUMN on SQLite and PostgreSQL alike.
    op.add_column(
        'verification_sessions', sa.Column('client_secret_sealed', sa.LargeBinary(), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table('verification_sessions') as batch:
        batch.drop_column('client_secret_sealed')
