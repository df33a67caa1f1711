import { database, inTransaction } from '../../db';
import { recordAuditEvent, verifyAuditChain, writeAuditAnchor } from '../../services/audit';
import { releaseTestDatabase, useTestDatabase } from '../support/database';

beforeAll(useTestDatabase);
afterAll(releaseTestDatabase);

async function record(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await inTransaction((tx) =>
      recordAuditEvent(tx, {
        actor: 'system:test',
        action: 'thing.changed',
        subjectType: 'thing',
        subjectId: String(i),
        before: { value: i },
        after: { value: i + 1, note: '审定通过' },
      }),
    );
  }
}

describe('the audit chain', () => {
  it('verifies events written concurrently, each linked to the one before', async () => {
    await Promise.all([record(5), record(5), record(5)]);

    const result = await verifyAuditChain();

    expect(result).toMatchObject({ intact: true, eventsChecked: 15 });
  });

  it('reports the first event whose content was edited in place', async () => {
    const sequelize = database();
    await sequelize.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change');
    await sequelize.query(`UPDATE audit_events SET after = '{"value": 999}' WHERE id = 7`);
    await sequelize.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change');

    const result = await verifyAuditChain();

    expect(result.intact).toBe(false);
    expect(result.brokenAt).toMatchObject({ id: '7', reason: 'hash-mismatch' });
    expect(result.eventsChecked).toBe(6);
  });

  it('refuses updates and deletes through the append-only trigger', async () => {
    await expect(database().query('DELETE FROM audit_events WHERE id = 1')).rejects.toThrow(/append-only/);
  });
});

describe('the audit anchor', () => {
  it('detects a chain rewritten from the start, hashes and all', async () => {
    const anchor = await writeAuditAnchor();
    expect(anchor).toBeDefined();
    const sequelize = database();
    await sequelize.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change');
    await sequelize.query('DELETE FROM audit_events');
    await sequelize.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change');
    await record(2);

    const result = await verifyAuditChain();

    expect(result.intact).toBe(false);
    expect(result.anchor).toMatchObject({ matches: false, anchoredEventId: anchor?.eventId });
  });
});
