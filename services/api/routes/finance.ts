import { Router } from 'express';
import multer from 'multer';
import { Payment, PaymentBatch } from '../../../db/models';
import { NotFoundError, ValidationError } from '../../errors';
import { readStoredFile } from '../../files';
import { bank } from '../../applications/disbursement';
import { findVisibleApplication } from '../../applications/queries';
import { importBankConfirmation } from '../../money/payments';
import {
  approvePaymentUpdate,
  bankOutcomeSignal,
  preparePaymentUpdate,
  type BankOutcome,
} from '../../../workflows/application-messages';
import { actorOf, requireRole } from '../auth';
import { isUuid } from '../../identifiers/uuid';
import { signalApplication, updateApplication } from '../workflow-client';
import { moduleLogger } from '../../logger';

const log = moduleLogger('api.finance');
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 10 * 1024 * 1024, files: 1 } });

export const financeRouter = Router();

/** Maker: prepares the payment of an application's committed award. */
financeRouter.post('/applications/:id/payment', async (req, res) => {
  const user = requireRole(req, 'finance_officer');
  const application = await findVisibleApplication(user, String(req.params.id));
  const state = await updateApplication(application.id, preparePaymentUpdate, { actor: actorOf(user) });
  res.status(201).json({ status: state.status, paymentId: state.paymentId });
});

/** Checker: a different finance officer approves; the bank file is written. */
financeRouter.post('/payments/:paymentId/approval', async (req, res) => {
  const user = requireRole(req, 'finance_officer');
  const paymentId = String(req.params.paymentId);
  // Not a uuid cannot be a payment: answer 404 rather than let Postgres refuse the cast.
  const payment = isUuid(paymentId) ? await Payment.findByPk(paymentId) : null;
  if (!payment) throw new NotFoundError('Payment', paymentId);
  const state = await updateApplication(payment.applicationId, approvePaymentUpdate, {
    actor: actorOf(user),
  });
  await payment.reload();
  res.json({
    status: state.status,
    paymentId: payment.id,
    batchId: payment.batchId,
    batchFile: `/payment-batches/${payment.batchId}/file`,
  });
});

financeRouter.get('/payment-batches/:batchId/file', async (req, res) => {
  requireRole(req, 'finance_officer', 'admin');
  const batch = isUuid(String(req.params.batchId))
    ? await PaymentBatch.findByPk(String(req.params.batchId))
    : null;
  if (!batch) throw new NotFoundError('Payment batch', String(req.params.batchId));
  res
    .type('application/xml')
    .attachment(batch.fileName)
    .send(await readStoredFile(batch.storageKey));
});

/**
 * Imports the bank's status report, reconciles it line by line, and tells each affected
 * application's workflow the outcome of its payment.
 */
financeRouter.post('/bank/confirmations', upload.single('file'), async (req, res) => {
  const user = requireRole(req, 'finance_officer');
  if (!req.file)
    throw new ValidationError(
      'Attach the bank status file (ISO 20022 pain.002) as the multipart field "file".',
    );
  const result = await importBankConfirmation({
    content: req.file.buffer,
    fileName: req.file.originalname.slice(0, 200),
    importedBy: user.id,
    bank,
  });
  for (const line of result.lines) {
    if (!line.applicationId || !line.paymentId) continue;
    if (line.outcome !== 'matched-paid' && line.outcome !== 'matched-failed') continue;
    const outcome: BankOutcome = {
      paymentId: line.paymentId,
      outcome: line.outcome === 'matched-paid' ? 'paid' : 'failed',
      ...(line.outcome === 'matched-failed' ? { reason: line.message } : {}),
    };
    try {
      await signalApplication(line.applicationId, bankOutcomeSignal.name, outcome);
    } catch (error) {
      // The payment record is already settled; a later import of the same file re-sends this.
      log.error({ err: error, paymentId: line.paymentId }, 'bank outcome could not reach the workflow');
    }
  }
  res.json(result);
});
