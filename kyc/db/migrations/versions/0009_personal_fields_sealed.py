"""Revision 0009 (after 0008): everything kept about a session's person (personal fields, verified identity, reports, events, review notes, face template, alert hits) sealed under the session's own key

Existing rows are sealed here, so this revision needs the key ring (`kyc migrate`, `kyc api`
and `kyc dev` pass it); on a database with no such rows it needs none. PostgreSQL keeps the clear values of
the old rows in dead tuples until VACUUM (FULL, to give the space back) has run.
"""

import json
import os
import time

import sqlalchemy as sa
from alembic import context, op

revision, down_revision = '0009', '0008'

CLEAR = ('metadata', 'client_reference_id', 'return_url', 'related_customer',
         'related_customer_account', 'last_error_reason')
LOOKUPS = {'client_reference_id': 'client_reference_key', 'related_customer': 'related_customer_key',
           'related_customer_account': 'related_customer_account_key'}


def upgrade() -> None:
    op.add_column('verification_sessions', sa.Column('personal_sealed', sa.LargeBinary(), nullable=True))
    for column in LOOKUPS.values():
        op.add_column('verification_sessions', sa.Column(column, sa.String(64), nullable=True))
        op.create_index(f'ix_verification_sessions_{column}', 'verification_sessions', [column])
    op.add_column('events', sa.Column('data_sealed', sa.LargeBinary(), nullable=True))
    op.add_column('review_audit', sa.Column('note_sealed', sa.LargeBinary(), nullable=True))
    _seal_existing_rows(op.get_bind())
    with op.batch_alter_table('review_audit') as batch:
        batch.drop_column('note')
    with op.batch_alter_table('verification_sessions') as batch:
        for column in ('client_reference_id', 'related_customer', 'related_customer_account'):
            batch.drop_index(f'ix_verification_sessions_{column}')
        for column in CLEAR:
            batch.drop_column(column)


def _seal_existing_rows(bind: sa.engine.Connection) -> None:
    sessions = sa.table(
        'verification_sessions', sa.column('id'), sa.column('platform_id'),
        sa.column('metadata', sa.JSON), *[sa.column(c) for c in CLEAR[1:]],
        sa.column('personal_sealed'), *[sa.column(c) for c in LOOKUPS.values()],
        sa.column('verified_outputs_sealed'),
    )
    reports = sa.table('verification_reports', sa.column('id'), sa.column('session_id'),
                       sa.column('body_sealed'))
    events = sa.table('events', sa.column('id'), sa.column('session_id'),
                      sa.column('data', sa.JSON), sa.column('data_sealed'))
    faces = sa.table('face_templates', sa.column('session_id'), sa.column('embedding_sealed'))
    alerts = sa.table('screening_alerts', sa.column('platform_id'), sa.column('session_id'),
                      sa.column('list'), sa.column('entity_id'), sa.column('hit_sealed'))
    audits = sa.table('review_audit', sa.column('id'), sa.column('session_id'),
                      sa.column('note'), sa.column('note_sealed'))
    salts = sa.table('payload_keys', sa.column('session_id'), sa.column('salt'),
                     sa.column('created'))
    rows = bind.execute(sa.select(sessions)).mappings().all()
    session_events = bind.execute(
        sa.select(events).where(events.c.session_id.is_not(None))
    ).mappings().all()
    notes = bind.execute(sa.select(audits).where(audits.c.note.is_not(None))).mappings().all()
    bodies = bind.execute(
        sa.select(reports).where(reports.c.body_sealed.is_not(None))
    ).mappings().all()
    templates = bind.execute(sa.select(faces)).mappings().all()
    hits = bind.execute(sa.select(alerts).where(alerts.c.hit_sealed.is_not(None))).mappings().all()
    if not (rows or session_events or notes or bodies or templates or hits):
        return
    master_keys = [k for k in context.config.attributes.get('master_keys') or [] if k]
    if not master_keys:
        raise RuntimeError(
            'revision 0009 seals the personal fields of the existing sessions: run it through '
            '`kyc migrate` (or `kyc dev`) with the master key configured'
        )
    from kyc.db.personal import PERSONAL, VERIFIED_OUTPUTS, event_context, split_event_data
    from kyc.db.face_templates import FACE
    from kyc.db.monitoring import alert_context
    from kyc.db.reports import body_context
    from kyc.db.reviews import NOTE
    from kyc.db.sealing import ColumnSealer, session_sealer

    columns = ColumnSealer(master_keys)  # opens what 0008 sealed under the column subkey
    lookups = columns
    known = dict(bind.execute(sa.select(salts.c.session_id, salts.c.salt)).all())

    def sealer(session_id):  # None once redacted (the salt is gone: nothing to seal)
        if session_id not in known:
            known[session_id] = os.urandom(32)
            bind.execute(salts.insert().values(
                session_id=session_id, salt=known[session_id], created=int(time.time())))
        salt = known[session_id]
        return session_sealer(master_keys, session_id, salt) if salt is not None else None

    for row in rows:
        personal = {c: row[c] for c in CLEAR}
        personal['metadata'] = personal['metadata'] or {}
        opened = sealer(row['id'])
        values = {}
        if opened is not None:
            values['personal_sealed'] = opened.seal(json.dumps(personal).encode(), PERSONAL.encode())
            if row['verified_outputs_sealed'] is not None:
                fields = columns.unseal(f"{row['id']}:verified_outputs", row['verified_outputs_sealed'])
                values['verified_outputs_sealed'] = opened.seal(
                    json.dumps(fields).encode(), VERIFIED_OUTPUTS.encode())
            for field, column in LOOKUPS.items():
                if personal[field] is not None:
                    values[column] = lookups.lookup(row['platform_id'], field, personal[field])
        bind.execute(sessions.update().where(sessions.c.id == row['id']).values(
            **values, **{c: None for c in CLEAR if c != 'metadata'}, metadata={}))
    for event in session_events:
        clear, rest = split_event_data(event['data'] or {})
        opened = sealer(event['session_id'])
        sealed = None
        if rest and opened is not None:
            sealed = opened.seal(json.dumps(rest).encode(), event_context(event['id']).encode())
        bind.execute(events.update().where(events.c.id == event['id']).values(
            data=clear, data_sealed=sealed))
    for report in bodies:
        opened = sealer(report['session_id'])
        sealed = None
        if opened is not None:
            body = columns.unseal(f"{report['id']}:body", report['body_sealed'])
            sealed = opened.seal(json.dumps(body).encode(), body_context(report['id']).encode())
        bind.execute(reports.update().where(reports.c.id == report['id']).values(
            body_sealed=sealed))
    for face in templates:  # a template of a redacted session was deleted with it
        opened = sealer(face['session_id'])
        same = faces.c.session_id == face['session_id']
        if opened is None:
            bind.execute(faces.delete().where(same))
            continue
        embedding = columns.unseal(f"{face['session_id']}:face", face['embedding_sealed'])
        bind.execute(faces.update().where(same).values(
            embedding_sealed=opened.seal(json.dumps(embedding).encode(), FACE.encode())))
    for alert in hits:
        hit = f"{alert['list']}:{alert['entity_id']}"
        opened = sealer(alert['session_id'])
        value = columns.unseal(f"{alert['session_id']}:alert:{hit}", alert['hit_sealed'])
        key = [alerts.c[c] == alert[c] for c in ('platform_id', 'session_id', 'list', 'entity_id')]
        bind.execute(alerts.update().where(*key).values(
            hit_sealed=None if opened is None else opened.seal(
                json.dumps(value).encode(), alert_context(hit).encode())))
    for audit in notes:
        opened = sealer(audit['session_id'])
        sealed = None if opened is None else opened.seal(
            json.dumps(audit['note']).encode(), NOTE.encode())
        bind.execute(audits.update().where(audits.c.id == audit['id']).values(
            note=None, note_sealed=sealed))


def downgrade() -> None:
    # The sealed values are not put back in clear: a downgrade keeps the sessions' ids and
    # statuses and loses their metadata and reference ids; what moved to the session's key
    # (verified identity, reports, templates, alert hits) no longer opens with 0008's code.
    with op.batch_alter_table('verification_sessions') as batch:
        batch.add_column(sa.Column('metadata', sa.JSON(), nullable=False, server_default='{}'))
        for column in CLEAR[1:]:
            length = {'return_url': 2000, 'last_error_reason': 1000}.get(column, 255)
            batch.add_column(sa.Column(column, sa.String(length), nullable=True))
        for column in LOOKUPS.values():
            batch.drop_index(f'ix_verification_sessions_{column}')
            batch.drop_column(column)
        batch.drop_column('personal_sealed')
    for column in ('client_reference_id', 'related_customer', 'related_customer_account'):
        op.create_index(f'ix_verification_sessions_{column}', 'verification_sessions', [column])
    with op.batch_alter_table('events') as batch:
        batch.drop_column('data_sealed')
    with op.batch_alter_table('review_audit') as batch:
        batch.add_column(sa.Column('note', sa.String(2000), nullable=True))
        batch.drop_column('note_sealed')
