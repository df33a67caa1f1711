import crypto from 'node:crypto';
import { QueryTypes, type Transaction } from 'sequelize';
import { database } from '../../db';
import { Appropriation, LedgerEntry, type LedgerAccount } from '../../db/models';
import { ValidationError } from '../errors';
import { moduleLogger } from '../logger';
import { fenFromColumn } from './amount';

/*
 * Double-entry bookkeeping of each appropriation. The movements are:
 *   fund:    debit available   / credit appropriated
 *   commit:  debit committed   / credit available
 *   spend:   debit spent       / credit committed
 *   release: debit available   / credit committed
 *   recover: debit available   / credit spent      (money paid out and refunded)
 * so `appropriated` is credit-normal (where money came from) and the other three are
 * debit-normal (where it is now). The appropriations row keeps the same figures in its
 * amount/committed/spent columns, where the database CHECK can guard them.
 */

const log = moduleLogger('money.ledger');

export const LEDGER_ACCOUNTS: readonly LedgerAccount[] = ['appropriated', 'available', 'committed', 'spent'];

export interface LedgerLine {
  account: LedgerAccount;
  debitFen?: bigint;
  creditFen?: bigint;
}

export interface LedgerTransactionInput {
  appropriationId: number;
  fundSourceCode: string;
  memo: string;
  applicationId?: string;
  paymentId?: string;
  lines: LedgerLine[];
}

/**
 * Writes one balanced ledger transaction inside the caller's database transaction.
 * @returns the new ledger transaction id.
 * @throws ValidationError before writing anything when a line has both or neither of debit
 *   and credit, an amount is not positive, there are fewer than two lines, or debits and
 *   credits differ.
 */
export async function postLedgerTransaction(
  tx: Transaction,
  input: LedgerTransactionInput,
): Promise<{ transactionId: string }> {
  let debits = 0n;
  let credits = 0n;
  for (const line of input.lines) {
    const debit = line.debitFen ?? 0n;
    const credit = line.creditFen ?? 0n;
    if (debit < 0n || credit < 0n || (debit === 0n) === (credit === 0n)) {
      throw new ValidationError('Each ledger line must carry either a positive debit or a positive credit.', {
        account: line.account,
      });
    }
    debits += debit;
    credits += credit;
  }
  if (input.lines.length < 2 || debits !== credits) {
    throw new ValidationError('A ledger transaction must balance: its debits must equal its credits.', {
      debitsFen: debits.toString(),
      creditsFen: credits.toString(),
    });
  }

  const transactionId = crypto.randomUUID();
  const createdAt = new Date();
  await LedgerEntry.bulkCreate(
    input.lines.map((line) => ({
      transactionId,
      appropriationId: input.appropriationId,
      fundSourceCode: input.fundSourceCode,
      account: line.account,
      debitFen: (line.debitFen ?? 0n).toString(),
      creditFen: (line.creditFen ?? 0n).toString(),
      applicationId: input.applicationId ?? null,
      paymentId: input.paymentId ?? null,
      memo: input.memo,
      createdAt,
    })),
    { transaction: tx },
  );
  return { transactionId };
}

export type LedgerBalances = Record<LedgerAccount, bigint>;

/**
 * Balance of each account of one appropriation, each on its normal side (see above), so
 * that appropriated = available + committed + spent when the books are right.
 */
export async function ledgerBalances(appropriationId: number, tx?: Transaction): Promise<LedgerBalances> {
  const rows = await database().query<{ account: LedgerAccount; debits: string; credits: string }>(
    `SELECT account, SUM(debit_fen)::text AS debits, SUM(credit_fen)::text AS credits
       FROM ledger_entries WHERE appropriation_id = :appropriationId GROUP BY account`,
    { replacements: { appropriationId }, type: QueryTypes.SELECT, transaction: tx },
  );
  const balances: LedgerBalances = { appropriated: 0n, available: 0n, committed: 0n, spent: 0n };
  for (const row of rows) {
    const net = fenFromColumn(row.debits) - fenFromColumn(row.credits);
    balances[row.account] = row.account === 'appropriated' ? -net : net;
  }
  return balances;
}

export interface LedgerProblem {
  kind: 'unbalanced-transaction' | 'unbalanced-fund' | 'appropriation-mismatch';
  detail: Record<string, string | number>;
}

export interface LedgerVerification {
  ok: boolean;
  transactionsChecked: number;
  appropriationsChecked: number;
  problems: LedgerProblem[];
}

/**
 * Checks the whole ledger: every transaction balances within each fund source, every
 * fund source balances overall, and each appropriation's ledger balances equal its row's
 * amount, committed and spent columns. Reports every problem found; changes nothing.
 */
export async function verifyLedger(): Promise<LedgerVerification> {
  const sequelize = database();
  const problems: LedgerProblem[] = [];

  const transactions = await sequelize.query<{
    transaction_id: string;
    fund: string;
    debits: string;
    credits: string;
  }>(
    `SELECT transaction_id, fund_source_code AS fund, SUM(debit_fen)::text AS debits,
            SUM(credit_fen)::text AS credits
       FROM ledger_entries GROUP BY transaction_id, fund_source_code`,
    { type: QueryTypes.SELECT },
  );
  const fundTotals = new Map<string, bigint>();
  for (const row of transactions) {
    const difference = fenFromColumn(row.debits) - fenFromColumn(row.credits);
    fundTotals.set(row.fund, (fundTotals.get(row.fund) ?? 0n) + difference);
    if (difference !== 0n) {
      problems.push({
        kind: 'unbalanced-transaction',
        detail: {
          transactionId: row.transaction_id,
          fundSourceCode: row.fund,
          differenceFen: difference.toString(),
        },
      });
    }
  }
  for (const [fund, difference] of fundTotals) {
    if (difference !== 0n) {
      problems.push({
        kind: 'unbalanced-fund',
        detail: { fundSourceCode: fund, differenceFen: difference.toString() },
      });
    }
  }

  const appropriations = await Appropriation.findAll({ order: [['id', 'ASC']] });
  for (const row of appropriations) {
    const balances = await ledgerBalances(row.id);
    const amount = fenFromColumn(row.amountFen);
    const committed = fenFromColumn(row.committedFen);
    const spent = fenFromColumn(row.spentFen);
    const expected: LedgerBalances = {
      appropriated: amount,
      available: amount - committed - spent,
      committed,
      spent,
    };
    for (const account of LEDGER_ACCOUNTS) {
      if (balances[account] === expected[account]) continue;
      problems.push({
        kind: 'appropriation-mismatch',
        detail: {
          appropriationId: row.id,
          account,
          ledgerFen: balances[account].toString(),
          appropriationRowFen: expected[account].toString(),
        },
      });
    }
  }

  if (problems.length > 0) log.error({ problemCount: problems.length }, 'ledger verification found problems');
  return {
    ok: problems.length === 0,
    transactionsChecked: new Set(transactions.map((t) => t.transaction_id)).size,
    appropriationsChecked: appropriations.length,
    problems,
  };
}

export interface ApplicationPosition {
  appropriationId: number;
  fundSourceCode: string;
  committedFen: bigint;
  spentFen: bigint;
}

/**
 * What the ledger holds for one application, per appropriation: the commitment still open
 * and what has been spent. Read inside the caller's transaction after it has locked the
 * application, so that the answer cannot change underneath it.
 */
export async function applicationPosition(
  tx: Transaction,
  applicationId: string,
): Promise<ApplicationPosition[]> {
  const rows = await database().query<{
    appropriation_id: number;
    fund: string;
    committed: string;
    spent: string;
  }>(
    `SELECT appropriation_id, fund_source_code AS fund,
            SUM(CASE WHEN account = 'committed' THEN debit_fen - credit_fen ELSE 0 END)::text AS committed,
            SUM(CASE WHEN account = 'spent' THEN debit_fen - credit_fen ELSE 0 END)::text AS spent
       FROM ledger_entries WHERE application_id = :applicationId
      GROUP BY appropriation_id, fund_source_code ORDER BY appropriation_id`,
    { replacements: { applicationId }, type: QueryTypes.SELECT, transaction: tx },
  );
  return rows.map((row) => ({
    appropriationId: Number(row.appropriation_id),
    fundSourceCode: row.fund,
    committedFen: fenFromColumn(row.committed),
    spentFen: fenFromColumn(row.spent),
  }));
}
