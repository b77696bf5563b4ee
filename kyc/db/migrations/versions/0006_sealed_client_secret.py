"""sealed client secret, readable by the platform while the session requires input

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('verification_sessions') as batch:
        batch.add_column(sa.Column('client_secret_sealed', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('verification_sessions') as batch:
        batch.drop_column('client_secret_sealed')
