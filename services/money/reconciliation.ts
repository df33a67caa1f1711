import crypto from 'node:crypto';
import { QueryTypes, UniqueConstraintError } from 'sequelize';
import { database, inTransaction } from '../../db';
import { BankStatementImport, Payment } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { moduleLogger } from '../logger';
import { fenFromColumn, fenToYuanString } from './amount';
import { type BankAdapter, type ConfirmationLine, reasonText } from './bank';
import { spendCommitment } from './budget';

/*
 * Bank confirmations, reconciled line by line. Each line is applied in its own transaction,
 * so one bad line cannot hold back the others, and each is idempotent, so an import that
 * stopped half way can simply be run again.
 */

const log = moduleLogger('money.reconciliation');

export type ReconciliationOutcome =
  | 'matched-paid'
  | 'matched-failed'
  | 'unknown-reference'
  | 'amount-mismatch'
  | 'already-settled'
  | 'duplicate-in-file'
  /** The bank reports on a payment that was never sent (prepared or cancelled here). */
  | 'not-sent';

export interface ReconciliationLine {
  reference: string;
  outcome: ReconciliationOutcome;
  applicationId?: string;
  paymentId?: string;
  /** For operators: what happened, in English. */
  message: string;
  /** For a failed payment: the bank's reason code and its Chinese text, for the payee's notice. */
  bankReason?: string;
}

export interface BankImportResult {
  importId: string;
  lines: ReconciliationLine[];
  /** True when this exact file (same SHA-256) was imported before and nothing was applied. */
  alreadyImported: boolean;
}

/**
 * Imports a bank confirmation file: paid lines mark their payment paid and spend its
 * commitment; failed lines mark it failed with the bank's reason and leave the commitment,
 * so that finance can prepare a new payment. The same file imported again returns the
 * first import's result without applying anything.
 * @throws ValidationError when the adapter cannot read the file; nothing is applied then.
 */
export async function importBankConfirmation(input: {
  content: Buffer;
  fileName: string;
  importedBy: string;
  bank: BankAdapter;
}): Promise<BankImportResult> {
  const sha256 = crypto.createHash('sha256').update(input.content).digest('hex');
  const earlier = await BankStatementImport.findOne({ where: { fileSha256: sha256 } });
  if (earlier)
    return { ...(earlier.result as Omit<BankImportResult, 'alreadyImported'>), alreadyImported: true };

  const confirmations = input.bank.parseConfirmationFile(input.content);
  const importId = crypto.randomUUID();
  const seen = new Set<string>();
  const lines: ReconciliationLine[] = [];
  for (const confirmation of confirmations) {
    if (seen.has(confirmation.reference)) {
      lines.push({
        reference: confirmation.reference,
        outcome: 'duplicate-in-file',
        message: 'The reference appears earlier in this file; this line was not applied.',
      });
      continue;
    }
    seen.add(confirmation.reference);
    lines.push(await reconcileLine(confirmation, input.importedBy, importId));
  }

  const result = { importId, lines };
  try {
    await inTransaction(async (tx) => {
      await BankStatementImport.create(
        {
          id: importId,
          fileSha256: sha256,
          fileName: input.fileName,
          importedBy: input.importedBy,
          result,
          createdAt: new Date(),
        },
        { transaction: tx },
      );
      await recordAuditEvent(tx, {
        actor: input.importedBy,
        action: 'bank_statement.imported',
        subjectType: 'bank_statement_import',
        subjectId: importId,
        after: { fileName: input.fileName, sha256, outcomes: countOutcomes(lines) },
      });
    });
  } catch (error) {
    // The same file imported concurrently: its lines found everything settled by the other.
    if (!(error instanceof UniqueConstraintError)) throw error;
    const winner = await BankStatementImport.findOne({ where: { fileSha256: sha256 }, rejectOnEmpty: true });
    return { ...(winner.result as Omit<BankImportResult, 'alreadyImported'>), alreadyImported: true };
  }
  log.info({ importId, outcomes: countOutcomes(lines) }, 'bank confirmation imported');
  return { ...result, alreadyImported: false };
}

async function reconcileLine(
  line: ConfirmationLine,
  actor: string,
  importId: string,
): Promise<ReconciliationLine> {
  const found = await Payment.findOne({
    where: { reference: line.reference },
    attributes: ['id', 'applicationId'],
  });
  if (!found) {
    log.warn({ importId }, 'bank confirmation names an unknown payment reference');
    return {
      reference: line.reference,
      outcome: 'unknown-reference',
      message: 'No payment has this reference; check the file came from our bank account.',
    };
  }

  return inTransaction(async (tx) => {
    // Application first, then payment: the same lock order as budget changes, so no deadlock.
    await database().query('SELECT id FROM applications WHERE id = :id FOR UPDATE', {
      replacements: { id: found.applicationId },
      type: QueryTypes.SELECT,
      transaction: tx,
    });
    const payment = await Payment.findByPk(found.id, {
      transaction: tx,
      lock: tx.LOCK.UPDATE,
      rejectOnEmpty: true,
    });
    const known = { reference: line.reference, applicationId: payment.applicationId, paymentId: payment.id };
    const amountFen = fenFromColumn(payment.amountFen);

    if (payment.status === 'prepared' || payment.status === 'cancelled') {
      return {
        ...known,
        outcome: 'not-sent' as const,
        message: `The payment is ${payment.status} here and was never sent; nothing was changed.`,
      };
    }
    if (payment.status === 'paid' || payment.status === 'failed') {
      return {
        ...known,
        outcome: 'already-settled' as const,
        message:
          `The payment is already ${payment.status}; the bank now reports ${line.status}. ` + 'Nothing changed.',
      };
    }
    if (line.amountFen !== amountFen) {
      log.warn({ importId, paymentId: payment.id }, 'bank confirmation amount differs from the payment');
      return {
        ...known,
        outcome: 'amount-mismatch' as const,
        message:
          `The bank reports ${fenToYuanString(line.amountFen)} yuan, the payment is ` +
          `${fenToYuanString(amountFen)} yuan; left as sent for finance to resolve with the bank.`,
      };
    }

    const now = new Date();
    if (line.status === 'paid') {
      const settledAt = line.settledOn ? new Date(`${line.settledOn}T00:00:00+08:00`) : now;
      await payment.update(
        { status: 'paid', settledAt, bankTransactionId: line.bankTransactionId ?? null, updatedAt: now },
        { transaction: tx },
      );
      await spendCommitment(tx, {
        applicationId: payment.applicationId,
        paymentId: payment.id,
        amountFen,
        actor,
      });
      await recordAuditEvent(tx, {
        actor,
        action: 'payment.paid',
        subjectType: 'payment',
        subjectId: payment.id,
        before: { status: 'sent' },
        after: {
          status: 'paid',
          settledAt: settledAt.toISOString(),
          bankTransactionId: line.bankTransactionId,
          importId,
        },
      });
      return {
        ...known,
        outcome: 'matched-paid' as const,
        message: `Paid ${fenToYuanString(amountFen)} yuan.`,
      };
    }

    const code = line.reason?.code ?? 'NARR';
    const extra = line.reason?.text && line.reason.text !== reasonText(code) ? `（${line.reason.text}）` : '';
    const bankReason = `${code} ${reasonText(code)}${extra}`;
    await payment.update({ status: 'failed', bankReason, updatedAt: now }, { transaction: tx });
    await recordAuditEvent(tx, {
      actor,
      action: 'payment.failed',
      subjectType: 'payment',
      subjectId: payment.id,
      before: { status: 'sent' },
      after: { status: 'failed', bankReason, importId },
    });
    return {
      ...known,
      outcome: 'matched-failed' as const,
      bankReason,
      message: `The bank returned the payment: ${bankReason}. The award stays committed for a new payment.`,
    };
  });
}

function countOutcomes(lines: ReconciliationLine[]): Partial<Record<ReconciliationOutcome, number>> {
  const counts: Partial<Record<ReconciliationOutcome, number>> = {};
  for (const line of lines) counts[line.outcome] = (counts[line.outcome] ?? 0) + 1;
  return counts;
}
