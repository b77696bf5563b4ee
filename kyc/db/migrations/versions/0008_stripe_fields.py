"""Revision 0008 (after 0006; to follow 0007 once test mode lands): Stripe's related_customer and related_customer_account on sessions, the submission attempt of files"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision, down_revision = '0008', '0007'


def upgrade() -> None:
    # Nullable columns: plain ADD COLUMNs on SQLite and PostgreSQL alike.
    for column in ('related_customer', 'related_customer_account'):
        op.add_column(
            'verification_sessions',
            sa.Column(column, sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        )
        op.create_index(
            f'ix_verification_sessions_{column}', 'verification_sessions', [column], unique=False
        )
    op.add_column('files', sa.Column('attempt', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('files') as batch:
        batch.drop_column('attempt')
    with op.batch_alter_table('verification_sessions') as batch:
        for column in ('related_customer', 'related_customer_account'):
            batch.drop_index(f'ix_verification_sessions_{column}')
            batch.drop_column(column)
