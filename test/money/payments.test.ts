import { XMLParser } from 'fast-xml-parser';
import { inTransaction } from '../../db';
import { Appropriation, AuditEvent, Payment } from '../../db/models';
import { ForbiddenError, ValidationError } from '../../services/errors';
import { readStoredFile } from '../../services/files';
import {
  approvePayment,
  cancelPayment,
  commitAward,
  importBankConfirmation,
  iso20022Bank,
  ledgerBalances,
  preparePayment,
  simulateBankResponse,
  verifyLedger,
  type SimulatedBankRule,
} from '../../services/money';
import { releaseTestDatabase, useTestDatabase } from '../support/database';
import { createApplication, fund, PROGRAM, seedBasics, useTemporaryDataDir, type Seeded } from './seed';

const YEAR = 2040;
let seeded: Seeded;
let appropriationId: number;
let sequence = 0;

beforeAll(async () => {
  useTemporaryDataDir();
  await useTestDatabase();
  seeded = await seedBasics();
  ({ appropriationId } = await fund(YEAR, 'city_special', 100_000_000n, seeded.adminId));
});
afterAll(releaseTestDatabase);

/** An application whose award is committed, with a prepared payment. */
async function preparedPayment(awardFen = 300_000n) {
  const application = await createApplication(seeded.applicantId, YEAR, awardFen);
  await inTransaction((tx) =>
    commitAward(tx, {
      applicationId: application.id,
      programCode: PROGRAM,
      year: YEAR,
      amountFen: awardFen,
      actor: seeded.adminId,
    }),
  );
  sequence += 1;
  const { payment } = await preparePayment({
    applicationId: application.id,
    preparedBy: seeded.finance1,
    reference: `PAY-${YEAR}-${sequence}`,
  });
  return { application, payment };
}

/** A payment approved and sent, with the file the bank received. */
async function sentPayment(awardFen = 300_000n) {
  const prepared = await preparedPayment(awardFen);
  const batch = await approvePayment({
    paymentId: prepared.payment.id,
    approvedBy: seeded.finance2,
    bank: iso20022Bank,
  });
  return { ...prepared, batch, file: await readStoredFile(batch.storageKey) };
}

async function bankAnswers(file: Buffer, rule: SimulatedBankRule = {}) {
  const answer = simulateBankResponse(file, rule);
  return importBankConfirmation({
    content: answer.content,
    fileName: answer.fileName,
    importedBy: seeded.finance1,
    bank: iso20022Bank,
  });
}

describe('preparePayment', () => {
  it('pays the committed award to the bank account on the application, once per reference', async () => {
    const { application, payment } = await preparedPayment(300_000n);

    const again = await preparePayment({
      applicationId: application.id,
      preparedBy: seeded.finance1,
      reference: payment.reference,
    });

    expect(payment).toMatchObject({ status: 'prepared', amountFen: 300_000n, appropriationId });
    expect(again).toMatchObject({ created: false, payment: { id: payment.id } });
    const row = await Payment.findByPk(payment.id);
    expect(row).toMatchObject({
      payeeName: application.bankAccountName,
      payeeAccount: application.bankAccountNumber,
    });
  });

  it('refuses a second live payment and an award not yet committed', async () => {
    const { application } = await preparedPayment();
    const uncommitted = await createApplication(seeded.applicantId, YEAR, 100n);

    await expect(
      preparePayment({ applicationId: application.id, preparedBy: seeded.finance1, reference: 'OTHER-1' }),
    ).rejects.toMatchObject({ code: 'PAYMENT_EXISTS' });
    await expect(
      preparePayment({ applicationId: uncommitted.id, preparedBy: seeded.finance1, reference: 'OTHER-2' }),
    ).rejects.toMatchObject({ code: 'NOT_COMMITTED' });
    await expect(
      preparePayment({ applicationId: uncommitted.id, preparedBy: seeded.finance1, reference: 'bad ref' }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('approvePayment', () => {
  it('refuses an approval by the officer who prepared the payment', async () => {
    const { payment } = await preparedPayment();

    const approval = approvePayment({
      paymentId: payment.id,
      approvedBy: seeded.finance1,
      bank: iso20022Bank,
    });

    await expect(approval).rejects.toBeInstanceOf(ForbiddenError);
    await expect(approval).rejects.toMatchObject({ code: 'FOUR_EYES' });
    expect((await Payment.findByPk(payment.id))?.status).toBe('prepared');
  });

  it('writes a pain.001 file for the bank and marks the payment sent', async () => {
    const { payment, batch, file } = await sentPayment(123_456n);

    const message = new XMLParser({ parseTagValue: false }).parse(file.toString('utf8')).Document
      .CstmrCdtTrfInitn;
    expect(message.GrpHdr).toMatchObject({ MsgId: batch.batchReference, NbOfTxs: '1', CtrlSum: '1234.56' });
    expect(message.PmtInf.CdtTrfTxInf.PmtId.EndToEndId).toBe(payment.reference);
    expect(await Payment.findByPk(payment.id)).toMatchObject({
      status: 'sent',
      approvedBy: seeded.finance2,
      batchId: batch.batchId,
    });
    const actions = (await AuditEvent.findAll({ where: { subjectId: [payment.id, batch.batchId] } })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining(['payment.prepared', 'payment.approved', 'payment_batch.issued']),
    );
  });

  it('returns the same batch to the same approver and refuses anyone else', async () => {
    const { payment, batch } = await sentPayment();

    const again = await approvePayment({
      paymentId: payment.id,
      approvedBy: seeded.finance2,
      bank: iso20022Bank,
    });

    expect(again).toMatchObject({ alreadyApproved: true, batchId: batch.batchId, sha256: batch.sha256 });
    await expect(
      approvePayment({ paymentId: payment.id, approvedBy: seeded.finance3, bank: iso20022Bank }),
    ).rejects.toMatchObject({ code: 'PAYMENT_NOT_PREPARED' });
  });
});

describe('cancelPayment', () => {
  it('cancels a prepared payment and lets finance prepare a new one', async () => {
    const { application, payment } = await preparedPayment();

    await cancelPayment({ paymentId: payment.id, cancelledBy: seeded.finance1, reason: 'wrong account' });
    const replacement = await preparePayment({
      applicationId: application.id,
      preparedBy: seeded.finance1,
      reference: `${payment.reference}-R`,
    });

    expect(replacement.created).toBe(true);
  });
});

describe('importBankConfirmation', () => {
  it('marks a paid payment paid, spends its commitment, and ignores a repeat of the file', async () => {
    const { payment, file } = await sentPayment(250_000n);
    const spentBefore = BigInt((await Appropriation.findByPk(appropriationId))!.spentFen);
    const answer = simulateBankResponse(file);
    const input = {
      content: answer.content,
      fileName: answer.fileName,
      importedBy: seeded.finance1,
      bank: iso20022Bank,
    };

    const result = await importBankConfirmation(input);
    const repeat = await importBankConfirmation(input);

    expect(result.lines).toEqual([
      expect.objectContaining({
        reference: payment.reference,
        outcome: 'matched-paid',
        paymentId: payment.id,
        applicationId: payment.applicationId,
      }),
    ]);
    expect(repeat).toMatchObject({ alreadyImported: true, importId: result.importId, lines: result.lines });
    const row = await Payment.findByPk(payment.id);
    expect(row).toMatchObject({ status: 'paid' });
    expect(row?.bankTransactionId).toMatch(/^SIMTX/);
    expect(row?.settledAt).toBeInstanceOf(Date);
    expect(BigInt((await Appropriation.findByPk(appropriationId))!.spentFen) - spentBefore).toBe(250_000n);
    expect(await verifyLedger()).toMatchObject({ ok: true });
  });

  it('marks a rejected payment failed with the reason, keeping the award committed', async () => {
    const { application, payment, file } = await sentPayment(80_000n);
    const committedBefore = (await ledgerBalances(appropriationId)).committed;

    const result = await bankAnswers(file, { reject: { [payment.reference]: 'AC04' } });

    expect(result.lines[0]).toMatchObject({ outcome: 'matched-failed', bankReason: 'AC04 账户已销户' });
    expect(await Payment.findByPk(payment.id)).toMatchObject({
      status: 'failed',
      bankReason: 'AC04 账户已销户',
    });
    expect((await ledgerBalances(appropriationId)).committed).toBe(committedBefore);
    const retry = await preparePayment({
      applicationId: application.id,
      preparedBy: seeded.finance1,
      reference: `${payment.reference}-2`,
    });
    expect(retry.payment.amountFen).toBe(80_000n);
  });

  it('reconciles unknown references, amount mismatches, repeated lines and settled payments', async () => {
    const { payment, file } = await sentPayment(50_000n);
    const settled = await sentPayment(60_000n);
    await bankAnswers(settled.file);

    const result = await bankAnswers(file, {
      reportAmountFen: { [payment.reference]: 50_001n },
      extraLines: [
        { reference: 'NOT-OURS-1', amountFen: 100n, status: 'paid' },
        { reference: payment.reference, amountFen: 50_000n, status: 'paid' },
        { reference: settled.payment.reference, amountFen: 60_000n, status: 'paid' },
      ],
    });

    expect(result.lines.map((l) => [l.reference, l.outcome])).toEqual([
      [payment.reference, 'amount-mismatch'],
      ['NOT-OURS-1', 'unknown-reference'],
      [payment.reference, 'duplicate-in-file'],
      [settled.payment.reference, 'already-settled'],
    ]);
    expect((await Payment.findByPk(payment.id))?.status).toBe('sent');
    expect(await verifyLedger()).toMatchObject({ ok: true });
  });

  it('refuses a file that is not a status report and applies nothing', async () => {
    const { file } = await sentPayment();

    await expect(
      importBankConfirmation({
        content: file,
        fileName: 'wrong.xml',
        importedBy: seeded.finance1,
        bank: iso20022Bank,
      }),
    ).rejects.toThrow(/pain\.001\.001\.03 message, not the pain\.002/);
    await expect(
      importBankConfirmation({
        content: Buffer.from('%PDF-1.4'),
        fileName: 'x.pdf',
        importedBy: seeded.finance1,
        bank: iso20022Bank,
      }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
