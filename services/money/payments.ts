import crypto from 'node:crypto';
import { UniqueConstraintError, type Transaction } from 'sequelize';
import { inTransaction } from '../../db';
import { Application, Payment, type PaymentStatus } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { moduleLogger } from '../logger';
import { fenFromColumn } from './amount';
import { applicationPosition } from './ledger';

/*
 * Payments: one finance officer prepares (maker), another approves (checker, approval.ts)
 * and the bank's confirmations are reconciled (reconciliation.ts). A payment's reference
 * is its idempotency key from preparation to the bank's confirmation.
 */

// Callers reach the whole payment life cycle through this module.
export { approvePayment, type IssuedBatch } from './approval';
export {
  importBankConfirmation,
  type BankImportResult,
  type ReconciliationLine,
  type ReconciliationOutcome,
} from './reconciliation';

const log = moduleLogger('money.payments');

// Bank systems accept ISO 20022's 35 characters but not always any character in them.
const REFERENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,34}$/;
const LIVE_STATUSES: PaymentStatus[] = ['prepared', 'sent', 'paid'];

export interface PaymentSummary {
  id: string;
  reference: string;
  applicationId: string;
  appropriationId: number;
  amountFen: bigint;
  status: PaymentStatus;
  preparedBy: string;
  approvedBy: string | null;
  batchId: string | null;
  bankReason: string | null;
}

/**
 * Prepares the payment of an application's committed award to the bank account on the
 * application. Preparing again with the same reference returns the same payment.
 * @throws ValidationError for a reference that is not 1–35 letters, digits and hyphens.
 * @throws NotFoundError when the application does not exist.
 * @throws ConflictError `REFERENCE_TAKEN` when the reference belongs to another application,
 *   `NOT_COMMITTED` when the award is not committed, `PAYMENT_EXISTS` when the application
 *   already has a prepared, sent or paid payment.
 */
export async function preparePayment(input: {
  applicationId: string;
  preparedBy: string;
  reference: string;
}): Promise<{ payment: PaymentSummary; created: boolean }> {
  if (!REFERENCE_PATTERN.test(input.reference)) {
    throw new ValidationError('A payment reference has 1 to 35 letters, digits or hyphens.', {
      reference: input.reference.slice(0, 40),
    });
  }
  try {
    return await inTransaction((tx) => prepareInTransaction(tx, input));
  } catch (error) {
    // Two preparations raced with one reference: the loser answers like a repeat.
    if (!(error instanceof UniqueConstraintError)) throw error;
    const winner = await Payment.findOne({ where: { reference: input.reference } });
    if (winner?.applicationId !== input.applicationId) throw referenceTaken(input.reference);
    return { payment: summarisePayment(winner), created: false };
  }
}

async function prepareInTransaction(
  tx: Transaction,
  input: { applicationId: string; preparedBy: string; reference: string },
): Promise<{ payment: PaymentSummary; created: boolean }> {
  const application = await Application.findByPk(input.applicationId, {
    transaction: tx,
    lock: tx.LOCK.UPDATE,
  });
  if (!application) throw new NotFoundError('Application', input.applicationId);

  const earlier = await Payment.findOne({ where: { reference: input.reference }, transaction: tx });
  if (earlier) {
    if (earlier.applicationId !== input.applicationId) throw referenceTaken(input.reference);
    return { payment: summarisePayment(earlier), created: false };
  }

  const award = application.awardFen === null ? 0n : fenFromColumn(application.awardFen);
  const appropriationId = application.appropriationId;
  const position = (await applicationPosition(tx, input.applicationId)).find(
    (p) => p.appropriationId === appropriationId,
  );
  if (award <= 0n || appropriationId === null || !position || position.committedFen < award) {
    throw new ConflictError(
      'The award is not committed against the budget; commit it before paying.',
      'NOT_COMMITTED',
      { awardFen: award.toString(), committedFen: (position?.committedFen ?? 0n).toString() },
    );
  }
  const live = await Payment.findOne({
    where: { applicationId: input.applicationId, status: LIVE_STATUSES },
    transaction: tx,
  });
  if (live) {
    throw new ConflictError(
      `The application already has payment ${live.reference} (${live.status}).`,
      'PAYMENT_EXISTS',
      { reference: live.reference, status: live.status },
    );
  }

  const now = new Date();
  const payment = await Payment.create(
    {
      id: crypto.randomUUID(),
      reference: input.reference,
      applicationId: input.applicationId,
      appropriationId,
      amountFen: award.toString(),
      payeeName: application.bankAccountName,
      payeeAccount: application.bankAccountNumber,
      payeeBank: application.bankName,
      status: 'prepared',
      preparedBy: input.preparedBy,
      approvedBy: null,
      batchId: null,
      bankReason: null,
      bankTransactionId: null,
      settledAt: null,
      createdAt: now,
      updatedAt: now,
    },
    { transaction: tx },
  );
  await recordAuditEvent(tx, {
    actor: input.preparedBy,
    action: 'payment.prepared',
    subjectType: 'payment',
    subjectId: payment.id,
    after: {
      reference: payment.reference,
      applicationId: input.applicationId,
      amountFen: award.toString(),
      appropriationId,
    },
  });
  log.info({ paymentId: payment.id, applicationId: input.applicationId }, 'payment prepared');
  return { payment: summarisePayment(payment), created: true };
}

/**
 * Cancels a payment that has not gone to the bank. The award stays committed, so finance
 * can prepare a corrected payment; to give the money back call releaseCommitment.
 * Cancelling a cancelled payment changes nothing.
 * @throws NotFoundError when the payment does not exist.
 * @throws ConflictError `PAYMENT_NOT_PREPARED` once it has been sent.
 */
export async function cancelPayment(input: {
  paymentId: string;
  cancelledBy: string;
  reason: string;
}): Promise<PaymentSummary> {
  return inTransaction(async (tx) => {
    const payment = await Payment.findByPk(input.paymentId, { transaction: tx, lock: tx.LOCK.UPDATE });
    if (!payment) throw new NotFoundError('Payment', input.paymentId);
    if (payment.status === 'cancelled') return summarisePayment(payment);
    if (payment.status !== 'prepared') {
      throw new ConflictError(
        `The payment is ${payment.status}; only a prepared payment can be cancelled.`,
        'PAYMENT_NOT_PREPARED',
      );
    }

    await payment.update({ status: 'cancelled', updatedAt: new Date() }, { transaction: tx });
    await recordAuditEvent(tx, {
      actor: input.cancelledBy,
      action: 'payment.cancelled',
      subjectType: 'payment',
      subjectId: payment.id,
      before: { status: 'prepared' },
      after: { status: 'cancelled', reason: input.reason },
    });
    return summarisePayment(payment);
  });
}

function referenceTaken(reference: string): ConflictError {
  return new ConflictError(
    `Payment reference ${reference} is already used for another application.`,
    'REFERENCE_TAKEN',
  );
}

/** A payment as the service hands it out: the amount as bigint fen. */
export function summarisePayment(payment: Payment): PaymentSummary {
  return {
    id: payment.id,
    reference: payment.reference,
    applicationId: payment.applicationId,
    appropriationId: payment.appropriationId,
    amountFen: fenFromColumn(payment.amountFen),
    status: payment.status,
    preparedBy: payment.preparedBy,
    approvedBy: payment.approvedBy,
    batchId: payment.batchId,
    bankReason: payment.bankReason,
  };
}
