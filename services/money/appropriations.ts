import { QueryTypes, type Transaction } from 'sequelize';
import { database } from '../../db';
import { FundSource } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { InsufficientBudgetError, NotFoundError } from '../errors';
import { moduleLogger } from '../logger';
import { fenFromColumn, fenToYuanString, requirePositiveFen } from './amount';
import { postLedgerTransaction } from './ledger';

/*
 * Appropriations: funding them, and the row-level access and application lock that the
 * budget functions share. Amounts cross SQL as text and become bigint here.
 */

const log = moduleLogger('money.appropriations');
const CHECK_VIOLATION = '23514';

export interface AppropriationRow {
  id: number;
  fund_source_code: string;
  amount_fen: string;
  committed_fen: string;
  spent_fen: string;
}

export const APPROPRIATION_COLUMNS =
  'a.id, a.fund_source_code, a.amount_fen::text AS amount_fen, ' +
  'a.committed_fen::text AS committed_fen, a.spent_fen::text AS spent_fen';

export interface AppropriationSummary {
  appropriationId: number;
  programCode: string;
  year: number;
  fundSourceCode: string;
  amountFen: bigint;
  committedFen: bigint;
  spentFen: bigint;
}

/**
 * Creates the year's appropriation from a fund source, or raises it by `amountFen`.
 * With `onlyIfAbsent`, an appropriation that already exists is returned unchanged, which
 * makes seeding safe to repeat. Ledger: debit available / credit appropriated.
 * @throws NotFoundError for an unknown fund source.
 * @throws ValidationError when `amountFen` is not positive.
 */
export async function fundAppropriation(
  tx: Transaction,
  input: {
    programCode: string;
    year: number;
    fundSourceCode: string;
    amountFen: bigint;
    actor: string;
    onlyIfAbsent?: boolean;
  },
): Promise<AppropriationSummary & { changed: boolean }> {
  requirePositiveFen(input.amountFen, 'An appropriation');
  if (!(await FundSource.findByPk(input.fundSourceCode, { transaction: tx }))) {
    throw new NotFoundError('Fund source', input.fundSourceCode);
  }
  const sequelize = database();
  const where = { programCode: input.programCode, year: input.year, fundSourceCode: input.fundSourceCode };

  const inserted = await sequelize.query<{ id: number }>(
    `INSERT INTO appropriations (program_code, year, fund_source_code, amount_fen)
     VALUES (:programCode, :year, :fundSourceCode, 0)
     ON CONFLICT (program_code, year, fund_source_code) DO NOTHING RETURNING id`,
    { replacements: where, type: QueryTypes.SELECT, transaction: tx },
  );
  const [before] = await sequelize.query<AppropriationRow>(
    `SELECT ${APPROPRIATION_COLUMNS} FROM appropriations a
      WHERE a.program_code = :programCode AND a.year = :year AND a.fund_source_code = :fundSourceCode
      FOR UPDATE`,
    { replacements: where, type: QueryTypes.SELECT, transaction: tx },
  );
  const row = before as AppropriationRow;
  if (input.onlyIfAbsent && inserted.length === 0) return { ...summarise(row, input), changed: false };

  const after = await adjustAppropriation(tx, row.id, { amountFen: input.amountFen });
  await postLedgerTransaction(tx, {
    appropriationId: row.id,
    fundSourceCode: input.fundSourceCode,
    memo: `appropriation of ${fenToYuanString(input.amountFen)} yuan for ${input.programCode} ${input.year}`,
    lines: [
      { account: 'available', debitFen: input.amountFen },
      { account: 'appropriated', creditFen: input.amountFen },
    ],
  });
  await recordAuditEvent(tx, {
    actor: input.actor,
    action: 'budget.appropriated',
    subjectType: 'appropriation',
    subjectId: String(row.id),
    before: { amountFen: row.amount_fen },
    after: { amountFen: after.amount_fen, addedFen: input.amountFen.toString(), ...where },
  });
  log.info({ appropriationId: row.id, addedFen: input.amountFen.toString() }, 'appropriation funded');
  return { ...summarise(after, input), changed: true };
}

export function available(row: AppropriationRow): bigint {
  return fenFromColumn(row.amount_fen) - fenFromColumn(row.committed_fen) - fenFromColumn(row.spent_fen);
}

export function summarise(
  row: AppropriationRow,
  key: { programCode: string; year: number },
): AppropriationSummary {
  return {
    appropriationId: row.id,
    programCode: key.programCode,
    year: key.year,
    fundSourceCode: row.fund_source_code,
    amountFen: fenFromColumn(row.amount_fen),
    committedFen: fenFromColumn(row.committed_fen),
    spentFen: fenFromColumn(row.spent_fen),
  };
}

/**
 * Locks the application row: every money change of one application queues behind it, and
 * it is always taken before payment and appropriation locks, so they cannot deadlock.
 * @throws NotFoundError when the application does not exist.
 */
export async function lockApplication(
  tx: Transaction,
  applicationId: string,
): Promise<{ award_fen: string | null; appropriation_id: number | null }> {
  const [row] = await database().query<{ award_fen: string | null; appropriation_id: number | null }>(
    `SELECT award_fen::text AS award_fen, appropriation_id FROM applications
      WHERE id = :applicationId FOR UPDATE`,
    { replacements: { applicationId }, type: QueryTypes.SELECT, transaction: tx },
  );
  if (!row) throw new NotFoundError('Application', applicationId);
  return row;
}

export async function lockAppropriation(tx: Transaction, appropriationId: number): Promise<void> {
  await database().query('SELECT id FROM appropriations WHERE id = :appropriationId FOR UPDATE', {
    replacements: { appropriationId },
    transaction: tx,
  });
}

/**
 * Adds the deltas to the row; the table's CHECK refuses anything that would overdraw it.
 * @throws InsufficientBudgetError when the CHECK refuses (a bug above, caught by the database).
 */
export async function adjustAppropriation(
  tx: Transaction,
  id: number,
  delta: { amountFen?: bigint; committedFen?: bigint; spentFen?: bigint },
): Promise<AppropriationRow> {
  try {
    const [rows] = await database().query(
      `UPDATE appropriations a SET amount_fen = amount_fen + :amount::bigint,
              committed_fen = committed_fen + :committed::bigint, spent_fen = spent_fen + :spent::bigint
        WHERE a.id = :id RETURNING ${APPROPRIATION_COLUMNS}`,
      {
        replacements: {
          id,
          amount: String(delta.amountFen ?? 0n),
          committed: String(delta.committedFen ?? 0n),
          spent: String(delta.spentFen ?? 0n),
        },
        transaction: tx,
      },
    );
    return (rows as AppropriationRow[])[0] as AppropriationRow;
  } catch (error) {
    // Reaching the CHECK means a check above was wrong; the database still said no.
    const code = (error as { parent?: { code?: string } }).parent?.code;
    if (code !== CHECK_VIOLATION) throw error;
    log.error({ appropriationId: id }, 'appropriation CHECK refused a change the service allowed');
    throw new InsufficientBudgetError('The appropriation cannot carry this change.', { appropriationId: id });
  }
}
