import crypto from 'node:crypto';
import fc from 'fast-check';
import { inTransaction } from '../../db';
import { Appropriation, Payment } from '../../db/models';
import { ConflictError, InsufficientBudgetError } from '../../services/errors';
import {
  applicationPosition,
  commitAward,
  fenFromColumn,
  fundAppropriation,
  recoverSpending,
  releaseCommitment,
  spendCommitment,
  verifyLedger,
} from '../../services/money';
import { releaseTestDatabase, useTestDatabase } from '../support/database';
import { createApplication, PROGRAM, seedBasics, type Seeded } from './seed';

/*
 * Random sequences of funding, commitments, payments, releases and recoveries over a few applications:
 * whatever happens, every ledger transaction balances per fund, each appropriation row
 * agrees with its ledger, and committed + spent never exceeds what was appropriated.
 */

let seeded: Seeded;
let year = 3000;

beforeAll(async () => {
  await useTestDatabase();
  seeded = await seedBasics();
});
afterAll(releaseTestDatabase);

const amount = fc.bigInt({ min: 1n, max: 400_000n });
const applicationIndex = fc.integer({ min: 0, max: 3 });
const step = fc.oneof(
  fc.record({
    kind: fc.constant('fund' as const),
    source: fc.constantFrom('city_special', 'welfare_lottery'),
    amount,
  }),
  fc.record({ kind: fc.constant('commit' as const), application: applicationIndex, amount }),
  fc.record({ kind: fc.constant('spend' as const), application: applicationIndex }),
  fc.record({ kind: fc.constant('release' as const), application: applicationIndex }),
  fc.record({ kind: fc.constant('recover' as const), application: applicationIndex, amount }),
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

async function pay(applicationId: string): Promise<void> {
  await inTransaction(async (tx) => {
    const position = (await applicationPosition(tx, applicationId)).find((p) => p.committedFen > 0n);
    const live = await Payment.count({
      where: { applicationId, status: ['prepared', 'sent', 'paid'] },
      transaction: tx,
    });
    if (!position || live > 0) return;
    const now = new Date();
    const payment = await Payment.create(
      {
        id: crypto.randomUUID(),
        reference: `P-${crypto.randomBytes(6).toString('hex')}`,
        applicationId,
        appropriationId: position.appropriationId,
        amountFen: position.committedFen.toString(),
        payeeName: 'x',
        payeeAccount: '1',
        payeeBank: 'x',
        status: 'paid',
        preparedBy: seeded.finance1,
        approvedBy: seeded.finance2,
        batchId: null,
        bankReason: null,
        bankTransactionId: null,
        settledAt: now,
        createdAt: now,
        updatedAt: now,
      },
      { transaction: tx },
    );
    const input = {
      applicationId,
      paymentId: payment.id,
      amountFen: position.committedFen,
      actor: 'system:test',
    };
    await spendCommitment(tx, input);
    // Idempotent on the payment: a second call spends nothing more.
    expect(await spendCommitment(tx, input)).toMatchObject({ alreadySpent: true });
  });
}

/** A refund of part of what was paid: refused, with nothing changed, beyond what was spent. */
async function recover(applicationId: string, amountFen: bigint): Promise<void> {
  const spentBefore = await spentOf(applicationId);
  const recovering = inTransaction((tx) =>
    recoverSpending(tx, { applicationIds: [applicationId], amountFen, actor: 'system:test', reason: 'test' }),
  );
  if (amountFen > spentBefore) {
    await expect(recovering).rejects.toMatchObject({ code: 'NOT_SPENT' });
    expect(await spentOf(applicationId)).toBe(spentBefore);
  } else {
    await recovering;
    expect(await spentOf(applicationId)).toBe(spentBefore - amountFen);
  }
}

async function spentOf(applicationId: string): Promise<bigint> {
  const positions = await inTransaction((tx) => applicationPosition(tx, applicationId));
  return positions.reduce((sum, p) => sum + p.spentFen, 0n);
}

async function run(steps: Step[]): Promise<void> {
  year += 1;
  const applications = await Promise.all([0, 1, 2, 3].map(() => createApplication(seeded.applicantId, year)));
  for (const s of steps) {
    if (s.kind === 'fund') {
      await inTransaction((tx) =>
        fundAppropriation(tx, {
          programCode: PROGRAM,
          year,
          fundSourceCode: s.source,
          amountFen: s.amount,
          actor: 'system:test',
        }),
      );
    } else if (s.kind === 'commit') {
      const applicationId = applications[s.application]!.id;
      await inTransaction((tx) =>
        commitAward(tx, {
          applicationId,
          programCode: PROGRAM,
          year,
          amountFen: s.amount,
          actor: 'system:test',
        }),
      ).catch((error: unknown) => {
        // Refusals are expected outcomes; anything else fails the property.
        if (!(error instanceof InsufficientBudgetError) && !(error instanceof ConflictError)) throw error;
      });
    } else if (s.kind === 'spend') {
      await pay(applications[s.application]!.id);
    } else if (s.kind === 'recover') {
      await recover(applications[s.application]!.id, s.amount);
    } else {
      const applicationId = applications[s.application]!.id;
      await inTransaction((tx) =>
        releaseCommitment(tx, { applicationId, actor: 'system:test', reason: 'test' }),
      );
    }
  }

  const verification = await verifyLedger();
  expect(verification.problems).toEqual([]);
  for (const row of await Appropriation.findAll({ where: { year } })) {
    const used = fenFromColumn(row.committedFen) + fenFromColumn(row.spentFen);
    expect(used <= fenFromColumn(row.amountFen)).toBe(true);
  }
}

describe('the budget under random sequences of operations', () => {
  it('keeps the ledger balanced and never commits more than was appropriated', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), run), { numRuns: 40 });
  });
});
