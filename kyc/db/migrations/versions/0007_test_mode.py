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


# A reviewer's verdict on a hit is remembered per mode: `livemode` joins the primary key, so the
# table is rebuilt (create, copy, drop, rename: the same on SQLite and PostgreSQL).
DISPOSITION_COLUMNS = (
    'platform_id, identity_key, list, entity_id, disposition, session_id, reviewer_id, created'
)


def _dispositions_table(name: str, key: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column('platform_id', sa.String(length=40), nullable=False),
        sa.Column('livemode', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('identity_key', sa.String(length=64), nullable=False),
        sa.Column('list', sa.String(length=40), nullable=False),
        sa.Column('entity_id', sa.String(length=100), nullable=False),
        sa.Column('disposition', sa.String(length=20), nullable=False),
        sa.Column('session_id', sa.String(length=40), nullable=False),
        sa.Column('reviewer_id', sa.String(length=200), nullable=False),
        sa.Column('created', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['platform_id'], ['platforms.id']),
        sa.PrimaryKeyConstraint(*key),
    )


def _rebuild_dispositions(key: tuple[str, ...], keep: str) -> None:
    _dispositions_table('screening_dispositions_new', key)
    op.execute(
        f'INSERT INTO screening_dispositions_new ({DISPOSITION_COLUMNS}) '
        f'SELECT {DISPOSITION_COLUMNS} FROM screening_dispositions{keep}'
    )
    op.drop_table('screening_dispositions')
    op.rename_table('screening_dispositions_new', 'screening_dispositions')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column('livemode', sa.Boolean(), nullable=False, server_default=sa.false())
            )
    _rebuild_dispositions(('platform_id', 'livemode', 'identity_key', 'list', 'entity_id'), '')


def downgrade() -> None:
    # Live verdicts cannot stay: without the mode in the key they would clear test hits.
    _rebuild_dispositions(
        ('platform_id', 'identity_key', 'list', 'entity_id'), ' WHERE livemode = false'
    )
    with op.batch_alter_table('screening_dispositions') as batch:
        batch.drop_column('livemode')
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('livemode')
