import { QueryTypes, type Transaction } from 'sequelize';
import { database } from '../../db';
import { LedgerEntry, Payment } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ConflictError, InsufficientBudgetError, NotFoundError } from '../errors';
import { moduleLogger } from '../logger';
import { fenFromColumn, fenToYuanString, requirePositiveFen } from './amount';
import {
  adjustAppropriation,
  APPROPRIATION_COLUMNS,
  available,
  lockApplication,
  lockAppropriation,
  type AppropriationRow,
} from './appropriations';
import { applicationPosition, postLedgerTransaction, type ApplicationPosition } from './ledger';

/*
 * The budget of each program year: appropriations per fund source, and the commitments
 * and spending against them. Every function here runs inside the caller's transaction and
 * changes the appropriation row, the ledger and the audit trail together.
 */

const log = moduleLogger('money.budget');

/** The city's own special elderly-care fund (市级养老服务专项资金), drawn on first. */
export const CITY_SPECIAL_FUND_CODE = 'city_special';

// Funding lives with the appropriation rows; callers know it as part of the budget.
export { fundAppropriation, type AppropriationSummary } from './appropriations';

export interface Commitment {
  applicationId: string;
  appropriationId: number;
  fundSourceCode: string;
  amountFen: bigint;
  /** False when the application already held this commitment and nothing was written. */
  created: boolean;
}

/**
 * Commits an award against the program year's budget: the whole amount against the first
 * appropriation, in fund-source priority, that has enough available. Records the choice
 * on the application (appropriation_id, award_fen). Calling it again for an application
 * that still holds a commitment (or has spent it) returns that commitment unchanged.
 *
 * Priority: the city special fund first, then other local funds by code, the welfare-
 * lottery fund (福彩公益金) last. Lottery money carries its own use and publicity rules and a
 * share that must be reported, so it is kept as the reserve that tops up the budgeted
 * funds. The same fixed order is also the lock order, so concurrent commitments cannot
 * deadlock. This is a policy choice: change the ORDER BY if the bureau decides otherwise.
 *
 * @throws NotFoundError when the application does not exist.
 * @throws ConflictError `COMMITMENT_EXISTS` when a different amount is already committed,
 *   `AWARD_MISMATCH` when the application's award differs from `amountFen`.
 * @throws InsufficientBudgetError when no single appropriation has enough available;
 *   details give the requested amount and what each source has left.
 */
export async function commitAward(
  tx: Transaction,
  input: { applicationId: string; programCode: string; year: number; amountFen: bigint; actor: string },
): Promise<Commitment> {
  requirePositiveFen(input.amountFen, 'An award');
  const application = await lockApplication(tx, input.applicationId);

  const existing = (await applicationPosition(tx, input.applicationId)).find(
    (p) => p.committedFen + p.spentFen > 0n,
  );
  if (existing) {
    const held = existing.committedFen + existing.spentFen;
    if (held !== input.amountFen) {
      throw new ConflictError(
        `The application already holds ${fenToYuanString(held)} yuan; ` +
          'release it before committing another amount.',
        'COMMITMENT_EXISTS',
        { heldFen: held.toString(), requestedFen: input.amountFen.toString() },
      );
    }
    return { ...existing, applicationId: input.applicationId, amountFen: held, created: false };
  }
  if (application.award_fen !== null && fenFromColumn(application.award_fen) !== input.amountFen) {
    throw new ConflictError(
      'The amount to commit differs from the award recorded on the application.',
      'AWARD_MISMATCH',
      { awardFen: application.award_fen, requestedFen: input.amountFen.toString() },
    );
  }

  const candidates = await database().query<AppropriationRow>(
    `SELECT ${APPROPRIATION_COLUMNS} FROM appropriations a JOIN fund_sources f ON f.code = a.fund_source_code
      WHERE a.program_code = :programCode AND a.year = :year
      ORDER BY f.is_welfare_lottery, (a.fund_source_code = :cityFund) DESC, a.fund_source_code
      FOR UPDATE OF a`,
    {
      replacements: { programCode: input.programCode, year: input.year, cityFund: CITY_SPECIAL_FUND_CODE },
      type: QueryTypes.SELECT,
      transaction: tx,
    },
  );
  const chosen = candidates.find((row) => available(row) >= input.amountFen);
  if (!chosen) {
    // TODO(money): split an award across fund sources when none alone can carry it — once
    // the bureau says how a split award is reported and paid (one payment or several).
    throw new InsufficientBudgetError(
      `No fund source has ${fenToYuanString(input.amountFen)} yuan left ` +
        `for ${input.programCode} ${input.year}.`,
      {
        requestedFen: input.amountFen.toString(),
        sources: candidates.map((row) => ({
          fundSourceCode: row.fund_source_code,
          appropriationId: row.id,
          availableFen: available(row).toString(),
        })),
      },
    );
  }

  await adjustAppropriation(tx, chosen.id, { committedFen: input.amountFen });
  await postLedgerTransaction(tx, {
    appropriationId: chosen.id,
    fundSourceCode: chosen.fund_source_code,
    applicationId: input.applicationId,
    memo: 'award committed',
    lines: [
      { account: 'committed', debitFen: input.amountFen },
      { account: 'available', creditFen: input.amountFen },
    ],
  });
  await database().query(
    `UPDATE applications SET appropriation_id = :appropriationId, award_fen = :amountFen::bigint
      WHERE id = :applicationId`,
    {
      replacements: {
        appropriationId: chosen.id,
        amountFen: input.amountFen.toString(),
        applicationId: input.applicationId,
      },
      transaction: tx,
    },
  );
  await recordAuditEvent(tx, {
    actor: input.actor,
    action: 'budget.committed',
    subjectType: 'application',
    subjectId: input.applicationId,
    before: { appropriationId: application.appropriation_id, awardFen: application.award_fen },
    after: {
      appropriationId: chosen.id,
      fundSourceCode: chosen.fund_source_code,
      amountFen: input.amountFen.toString(),
    },
  });
  log.info({ applicationId: input.applicationId, appropriationId: chosen.id }, 'award committed');
  return {
    applicationId: input.applicationId,
    appropriationId: chosen.id,
    fundSourceCode: chosen.fund_source_code,
    amountFen: input.amountFen,
    created: true,
  };
}

/**
 * Returns an application's open commitment to the available budget, after a refusal or a
 * withdrawal. Money already spent stays spent (getting it back is a recovery). Releasing
 * an application with nothing open changes nothing and returns 0n.
 * @throws NotFoundError when the application does not exist.
 * @throws ConflictError `PAYMENT_IN_FLIGHT` while a payment is prepared or sent: cancel it
 *   or wait for the bank's answer first, or the bank could pay money no longer committed.
 */
export async function releaseCommitment(
  tx: Transaction,
  input: { applicationId: string; actor: string; reason: string },
): Promise<{ releasedFen: bigint }> {
  await lockApplication(tx, input.applicationId);
  const inFlight = await Payment.count({
    where: { applicationId: input.applicationId, status: ['prepared', 'sent'] },
    transaction: tx,
  });
  if (inFlight > 0) {
    throw new ConflictError(
      'A payment for this application is prepared or with the bank; settle it first.',
      'PAYMENT_IN_FLIGHT',
    );
  }

  let releasedFen = 0n;
  for (const position of await applicationPosition(tx, input.applicationId)) {
    if (position.committedFen <= 0n) continue;
    await lockAppropriation(tx, position.appropriationId);
    await adjustAppropriation(tx, position.appropriationId, { committedFen: -position.committedFen });
    await postLedgerTransaction(tx, {
      appropriationId: position.appropriationId,
      fundSourceCode: position.fundSourceCode,
      applicationId: input.applicationId,
      memo: `commitment released: ${input.reason}`,
      lines: [
        { account: 'available', debitFen: position.committedFen },
        { account: 'committed', creditFen: position.committedFen },
      ],
    });
    await recordAuditEvent(tx, {
      actor: input.actor,
      action: 'budget.released',
      subjectType: 'application',
      subjectId: input.applicationId,
      before: { appropriationId: position.appropriationId, committedFen: position.committedFen.toString() },
      after: { committedFen: '0', reason: input.reason },
    });
    releasedFen += position.committedFen;
  }
  return { releasedFen };
}

/**
 * Moves a paid amount from committed to spent when the bank confirms a payment. Calling it
 * again for the same payment changes nothing.
 * @throws NotFoundError when the payment does not exist.
 * @throws ConflictError `NOT_COMMITTED` when the application's open commitment on the
 *   payment's appropriation is smaller than `amountFen`, or the payment belongs elsewhere.
 */
export async function spendCommitment(
  tx: Transaction,
  input: { applicationId: string; paymentId: string; amountFen: bigint; actor: string },
): Promise<{ spentFen: bigint; alreadySpent: boolean }> {
  requirePositiveFen(input.amountFen, 'A payment');
  await lockApplication(tx, input.applicationId);
  const earlier = await LedgerEntry.findOne({
    where: { paymentId: input.paymentId, account: 'spent' },
    transaction: tx,
  });
  if (earlier) return { spentFen: fenFromColumn(earlier.debitFen), alreadySpent: true };

  const payment = await Payment.findByPk(input.paymentId, { transaction: tx });
  if (!payment) throw new NotFoundError('Payment', input.paymentId);
  const position = (await applicationPosition(tx, input.applicationId)).find(
    (p) => p.appropriationId === payment.appropriationId,
  );
  if (payment.applicationId !== input.applicationId || !position || position.committedFen < input.amountFen) {
    throw new ConflictError(
      'The payment is not covered by an open commitment of its application.',
      'NOT_COMMITTED',
      { paymentId: input.paymentId, committedFen: (position?.committedFen ?? 0n).toString() },
    );
  }

  await lockAppropriation(tx, payment.appropriationId);
  await adjustAppropriation(tx, payment.appropriationId, {
    committedFen: -input.amountFen,
    spentFen: input.amountFen,
  });
  await postLedgerTransaction(tx, {
    appropriationId: payment.appropriationId,
    fundSourceCode: position.fundSourceCode,
    applicationId: input.applicationId,
    paymentId: input.paymentId,
    memo: `payment ${payment.reference} settled`,
    lines: [
      { account: 'spent', debitFen: input.amountFen },
      { account: 'committed', creditFen: input.amountFen },
    ],
  });
  await recordAuditEvent(tx, {
    actor: input.actor,
    action: 'budget.spent',
    subjectType: 'payment',
    subjectId: input.paymentId,
    before: { committedFen: position.committedFen.toString() },
    after: { applicationId: input.applicationId, spentFen: input.amountFen.toString() },
  });
  return { spentFen: input.amountFen, alreadySpent: false };
}

/**
 * Takes money back into the available budget when a recipient refunds what was paid (追回):
 * spent money of the application, most recent appropriation first, becomes available again.
 * @throws ConflictError `NOT_SPENT` when the application has spent less than `amountFen`.
 */
export async function recoverSpending(
  tx: Transaction,
  input: { applicationIds: string[]; amountFen: bigint; actor: string; reason: string },
): Promise<void> {
  requirePositiveFen(input.amountFen, 'A recovery');
  const positions: Array<ApplicationPosition & { applicationId: string }> = [];
  for (const applicationId of input.applicationIds) {
    await lockApplication(tx, applicationId);
    for (const position of await applicationPosition(tx, applicationId)) {
      if (position.spentFen > 0n) positions.push({ ...position, applicationId });
    }
  }
  const spent = positions.reduce((sum, p) => sum + p.spentFen, 0n);
  if (spent < input.amountFen) {
    throw new ConflictError(
      `Only ${fenToYuanString(spent)} yuan has been paid; a recovery cannot exceed what was paid.`,
      'NOT_SPENT',
      { spentFen: spent.toString() },
    );
  }
  let left = input.amountFen;
  for (const position of positions.reverse()) {
    const take = left < position.spentFen ? left : position.spentFen;
    if (take === 0n) break;
    left -= take;
    await lockAppropriation(tx, position.appropriationId);
    await adjustAppropriation(tx, position.appropriationId, { spentFen: -take });
    await postLedgerTransaction(tx, {
      appropriationId: position.appropriationId,
      fundSourceCode: position.fundSourceCode,
      applicationId: position.applicationId,
      memo: `recovered: ${input.reason}`,
      lines: [
        { account: 'available', debitFen: take },
        { account: 'spent', creditFen: take },
      ],
    });
    await recordAuditEvent(tx, {
      actor: input.actor,
      action: 'budget.recovered',
      subjectType: 'application',
      subjectId: position.applicationId,
      before: { appropriationId: position.appropriationId, spentFen: position.spentFen.toString() },
      after: { recoveredFen: take.toString(), reason: input.reason },
    });
  }
}
