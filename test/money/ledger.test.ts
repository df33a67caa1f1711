import { QueryTypes } from 'sequelize';
import { database, inTransaction } from '../../db';
import { ValidationError } from '../../services/errors';
import { fundAppropriation, ledgerBalances, postLedgerTransaction, verifyLedger } from '../../services/money';
import { releaseTestDatabase, useTestDatabase } from '../support/database';
import { fund, seedBasics, type Seeded } from './seed';

let seeded: Seeded;

beforeAll(async () => {
  await useTestDatabase();
  seeded = await seedBasics();
});
afterAll(releaseTestDatabase);

async function countEntries(): Promise<number> {
  const rows = await database().query<{ count: number }>(
    'SELECT count(*)::int AS count FROM ledger_entries',
    { type: QueryTypes.SELECT },
  );
  return rows[0]?.count ?? 0;
}

describe('the budget ledger', () => {
  it('books an appropriation as available against appropriated, and raises it', async () => {
    const first = await fund(2025, 'city_special', 1_000_000n, seeded.adminId);
    const second = await fund(2025, 'city_special', 500_000n, seeded.adminId);

    expect(second.appropriationId).toBe(first.appropriationId);
    expect(second.amountFen).toBe(1_500_000n);
    expect(await ledgerBalances(first.appropriationId)).toEqual({
      appropriated: 1_500_000n,
      available: 1_500_000n,
      committed: 0n,
      spent: 0n,
    });
    expect(await verifyLedger()).toMatchObject({ ok: true, problems: [] });
  });

  it('leaves an existing appropriation alone when asked only to create it', async () => {
    const existing = await fund(2025, 'city_special', 1n, seeded.adminId);

    const again = await inTransaction((tx) =>
      fundAppropriation(tx, {
        programCode: 'home_bed_test',
        year: 2025,
        fundSourceCode: 'city_special',
        amountFen: 999n,
        actor: seeded.adminId,
        onlyIfAbsent: true,
      }),
    );

    expect(again).toMatchObject({ changed: false, amountFen: existing.amountFen });
  });

  it('refuses an unbalanced or malformed transaction before writing anything', async () => {
    const { appropriationId } = await fund(2025, 'city_special', 1n, seeded.adminId);
    const attempts = [
      [
        { account: 'available', debitFen: 10n },
        { account: 'appropriated', creditFen: 9n },
      ],
      [{ account: 'available', debitFen: 10n }],
      [
        { account: 'available', debitFen: 10n, creditFen: 10n },
        { account: 'spent', creditFen: 0n },
      ],
      [
        { account: 'available', debitFen: -5n },
        { account: 'appropriated', creditFen: -5n },
      ],
    ] as const;
    const before = await countEntries();

    for (const lines of attempts) {
      await expect(
        inTransaction((tx) =>
          postLedgerTransaction(tx, {
            appropriationId,
            fundSourceCode: 'city_special',
            memo: 'test',
            lines: [...lines],
          }),
        ),
      ).rejects.toThrow(ValidationError);
    }

    expect(await countEntries()).toBe(before);
  });

  it('reports a ledger line or an appropriation row changed behind its back', async () => {
    const { appropriationId } = await fund(2026, 'welfare_lottery', 700n, seeded.adminId);
    await database().query(
      `UPDATE appropriations SET amount_fen = amount_fen + 1 WHERE id = ${appropriationId}`,
    );
    await database().query(`UPDATE ledger_entries SET debit_fen = debit_fen + 5
      WHERE id = (SELECT max(id) FROM ledger_entries WHERE debit_fen > 0)`);

    const result = await verifyLedger();

    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.kind)).toEqual(
      expect.arrayContaining(['unbalanced-transaction', 'unbalanced-fund', 'appropriation-mismatch']),
    );
  });
});
