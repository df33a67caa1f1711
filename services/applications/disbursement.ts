import { inTransaction } from '../../db';
import { iso20022Bank } from '../money/bank';
import * as payments from '../money/payments';
import type { Actor, BankOutcome } from '../../workflows/application-messages';
import { setApplicationStatus } from './review';

/*
 * The application's side of paying an award: the money service keeps payments, batches
 * and the ledger; these steps keep the application's status in step with them.
 */

/** The bank this installation exchanges files with. ISO 20022 is what Chinese banks' corporate channels accept. */
export const bank = iso20022Bank;

/** Maker: a finance officer prepares the payment of the committed award. */
export async function preparePayment(input: {
  applicationId: string;
  actor: Actor;
  reference: string;
  actionKey: string;
}): Promise<{ paymentId: string }> {
  const { payment } = await payments.preparePayment({
    applicationId: input.applicationId,
    preparedBy: input.actor.userId,
    reference: input.reference,
  });
  await inTransaction((tx) =>
    setApplicationStatus(
      tx,
      input.applicationId,
      'payment_prepared',
      input.actor.userId,
      'application.payment_prepared',
      {
        paymentId: payment.id,
        paymentReference: payment.reference,
      },
    ),
  );
  return { paymentId: payment.id };
}

/** Checker: a second finance officer approves; the bank file is written. */
export async function approvePayment(input: {
  applicationId: string;
  paymentId: string;
  actor: Actor;
}): Promise<{ batchId: string }> {
  const result = await payments.approvePayment({
    paymentId: input.paymentId,
    approvedBy: input.actor.userId,
    bank,
  });
  await inTransaction((tx) =>
    setApplicationStatus(
      tx,
      input.applicationId,
      'payment_sent',
      input.actor.userId,
      'application.payment_sent',
      {
        paymentId: input.paymentId,
        batchId: result.batchId,
      },
    ),
  );
  return { batchId: result.batchId };
}

/** The bank's answer, already reconciled by the money service, reaches the application. */
export async function recordPaymentOutcome(
  input: BankOutcome & { applicationId: string; actionKey: string },
): Promise<void> {
  await inTransaction((tx) =>
    setApplicationStatus(
      tx,
      input.applicationId,
      input.outcome === 'paid' ? 'paid' : 'awaiting_payment',
      'system:bank',
      input.outcome === 'paid' ? 'application.paid' : 'application.payment_failed',
      { paymentId: input.paymentId, reason: input.reason ?? null },
    ),
  );
}
