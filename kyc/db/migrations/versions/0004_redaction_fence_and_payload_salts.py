"""Revision 0004 (after 0003): events.session_id (to scrub a session's events on redaction), payload_keys (per-session salts)"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision, down_revision = '0004', '0003'


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_events_session_id'), ['session_id'], unique=False)
    op.create_table('payload_keys',
    sa.Column('session_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('salt', sa.LargeBinary(), nullable=True),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('session_id')
    )
    # Every event so far embeds its session as `data.object`: backfill from there.
    bind = op.get_bind()
    events = sa.table('events', sa.column('id', sa.String), sa.column('data', sa.JSON), sa.column('session_id', sa.String))
    for event_id, data in bind.execute(sa.select(events.c.id, events.c.data)).all():
        session_id = ((data or {}).get('object') or {}).get('id')
        if session_id:
            bind.execute(events.update().where(events.c.id == event_id).values(session_id=session_id))


def downgrade() -> None:
    op.drop_table('payload_keys')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_session_id'))
        batch_op.drop_column('session_id')
