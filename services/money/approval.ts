import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import { inTransaction } from '../../db';
import { Application, Objection, Payment, PaymentBatch } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors';
import { storeFile } from '../files';
import { moduleLogger } from '../logger';
import { fenFromColumn } from './amount';
import { type BankAdapter, type BankParty, EXAMPLE_DEBTOR } from './bank';

/*
 * The checker's step: a second finance officer approves a prepared payment, and the bank
 * payment file is written, stored and recorded as a batch.
 */

const log = moduleLogger('money.approval');

export interface IssuedBatch {
  batchId: string;
  batchReference: string;
  format: string;
  fileName: string;
  storageKey: string;
  sha256: string;
  paymentIds: string[];
  /** True when this approver had already approved the payment and nothing was written. */
  alreadyApproved: boolean;
}

/**
 * Approves a prepared payment (checker), writes the bank payment file, stores it and marks
 * the payment sent, in one transaction with the audit events. The same approver approving
 * again gets the existing batch back.
 * @throws NotFoundError when the payment does not exist.
 * @throws ForbiddenError `FOUR_EYES` when the approver is the one who prepared it.
 * @throws ConflictError `PAYMENT_NOT_PREPARED` when it is not (or no longer) prepared.
 * @throws ConflictError `OBJECTION_PENDING` while an objection from the public notice (公示)
 *   against the application awaits its resolution.
 * @throws ValidationError when the payment cannot be written in the bank's format.
 */
export async function approvePayment(input: {
  paymentId: string;
  approvedBy: string;
  bank: BankAdapter;
  debtor?: BankParty;
}): Promise<IssuedBatch> {
  const payment = await Payment.findByPk(input.paymentId);
  if (!payment) throw new NotFoundError('Payment', input.paymentId);
  if (isAlreadyApproved(payment, input.approvedBy)) return existingBatch(payment);
  const application = await Application.findByPk(payment.applicationId);

  // TODO(money): gather several approved payments into one batch (one file per day or per
  // fund) — once finance decides the cut-off; until then each approval is its own batch.
  const createdAt = new Date();
  const batchReference =
    `PB${createdAt.toISOString().slice(0, 10).replace(/-/g, '')}` +
    crypto.randomBytes(4).toString('hex').toUpperCase();
  const file = input.bank.writePaymentFile({
    reference: batchReference,
    createdAt,
    debtor: input.debtor ?? EXAMPLE_DEBTOR,
    payments: [
      {
        reference: payment.reference,
        amountFen: fenFromColumn(payment.amountFen),
        payeeName: payment.payeeName,
        payeeAccount: payment.payeeAccount,
        payeeBank: payment.payeeBank,
        remittanceInfo: `烟台市养老服务补贴 ${application?.reference ?? payment.reference}`,
      },
    ],
  });
  // Stored before the transaction: files are not transactional, and an orphan file left by
  // a failed transaction is harmless where a batch row pointing at no file would not be.
  const stored = await storeFile(file.content);

  return inTransaction(async (tx) => {
    const locked = await Payment.findByPk(input.paymentId, { transaction: tx, lock: tx.LOCK.UPDATE });
    if (!locked) throw new NotFoundError('Payment', input.paymentId);
    if (isAlreadyApproved(locked, input.approvedBy)) return existingBatch(locked, tx);
    // Money that has left can only be recovered, not cancelled: an award still open to an
    // upheld objection is not paid until the objection is resolved.
    const objectionsPending = await Objection.count({
      where: { applicationId: locked.applicationId, status: 'pending' },
      transaction: tx,
    });
    if (objectionsPending > 0) {
      throw new ConflictError(
        'An objection to this award from its public notice is still pending; approve the payment ' +
          'once the city has resolved it.',
        'OBJECTION_PENDING',
        { objectionsPending },
      );
    }

    const batch = await PaymentBatch.create(
      {
        id: crypto.randomUUID(),
        reference: batchReference,
        format: input.bank.format,
        fileName: file.fileName,
        storageKey: stored.storageKey,
        sha256: stored.sha256,
        preparedBy: locked.preparedBy,
        approvedBy: input.approvedBy,
        createdAt,
      },
      { transaction: tx },
    );
    await locked.update(
      { status: 'sent', approvedBy: input.approvedBy, batchId: batch.id, updatedAt: createdAt },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor: input.approvedBy,
      action: 'payment.approved',
      subjectType: 'payment',
      subjectId: locked.id,
      before: { status: 'prepared' },
      after: { status: 'sent', batchId: batch.id, batchReference },
    });
    await recordAuditEvent(tx, {
      actor: input.approvedBy,
      action: 'payment_batch.issued',
      subjectType: 'payment_batch',
      subjectId: batch.id,
      after: {
        reference: batchReference,
        format: batch.format,
        fileName: batch.fileName,
        sha256: batch.sha256,
        paymentIds: [locked.id],
        totalFen: locked.amountFen,
      },
    });
    log.info({ paymentId: locked.id, batchId: batch.id }, 'payment approved and batch issued');
    return { ...describeBatch(batch), paymentIds: [locked.id], alreadyApproved: false };
  });
}

/**
 * Whether this approver already approved the payment.
 * @throws ForbiddenError `FOUR_EYES`, ConflictError `PAYMENT_NOT_PREPARED` (see approvePayment).
 */
function isAlreadyApproved(payment: Payment, approvedBy: string): boolean {
  if (payment.preparedBy === approvedBy) {
    throw new ForbiddenError(
      'A payment must be approved by a finance officer other than the one who prepared it.',
      'FOUR_EYES',
    );
  }
  if (payment.status === 'prepared') return false;
  if (payment.batchId && payment.approvedBy === approvedBy) return true;
  throw new ConflictError(
    `The payment is ${payment.status}; only a prepared payment can be approved.`,
    'PAYMENT_NOT_PREPARED',
  );
}

async function existingBatch(payment: Payment, tx?: Transaction): Promise<IssuedBatch> {
  const batch = await PaymentBatch.findByPk(payment.batchId as string, {
    transaction: tx,
    rejectOnEmpty: true,
  });
  const members = await Payment.findAll({
    where: { batchId: batch.id },
    attributes: ['id'],
    transaction: tx,
  });
  return { ...describeBatch(batch), paymentIds: members.map((m) => m.id), alreadyApproved: true };
}

function describeBatch(batch: PaymentBatch): Omit<IssuedBatch, 'paymentIds' | 'alreadyApproved'> {
  return {
    batchId: batch.id,
    batchReference: batch.reference,
    format: batch.format,
    fileName: batch.fileName,
    storageKey: batch.storageKey,
    sha256: batch.sha256,
  };
}
