import { create } from 'xmlbuilder2';
import { ValidationError } from '../../errors';
import type { PaymentFileBatch, PaymentFileLine } from './types';
import {
  amountAt,
  beijingDate,
  beijingDateTime,
  isoAmount,
  limited,
  node,
  nodes,
  parseIsoMessage,
  requiredText,
  textAt,
} from './xml';

/*
 * ISO 20022 pain.001.001.03, CustomerCreditTransferInitiation: the file that asks the bank
 * to pay a batch. One PmtInf per batch (one debtor account, one execution date).
 */

export const PAIN_001_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03';

/**
 * Writes the batch as a pain.001.001.03 file.
 * @throws ValidationError when the batch is empty, an amount is not positive, or a field
 *   exceeds the schema's length limits (references 35, names 140, accounts 34).
 */
export function writePain001(batch: PaymentFileBatch): { fileName: string; content: Buffer } {
  if (batch.payments.length === 0) throw new ValidationError('A payment file needs at least one payment.');
  const messageId = limited(batch.reference, 35, 'The batch reference');
  let controlSum = 0n;
  for (const payment of batch.payments) {
    if (payment.amountFen <= 0n) throw new ValidationError('Every payment in a file must be positive.');
    controlSum += payment.amountFen;
  }
  const count = String(batch.payments.length);

  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(PAIN_001_NAMESPACE, 'Document');
  const message = root.ele('CstmrCdtTrfInitn');
  message
    .ele('GrpHdr')
    .ele('MsgId')
    .txt(messageId)
    .up()
    .ele('CreDtTm')
    .txt(beijingDateTime(batch.createdAt))
    .up()
    .ele('NbOfTxs')
    .txt(count)
    .up()
    .ele('CtrlSum')
    .txt(isoAmount(controlSum))
    .up()
    .ele('InitgPty')
    .ele('Nm')
    .txt(limited(batch.debtor.name, 140, 'The debtor name'));

  const information = message.ele('PmtInf');
  information
    .ele('PmtInfId')
    .txt(messageId)
    .up()
    .ele('PmtMtd')
    .txt('TRF')
    .up()
    .ele('BtchBookg')
    .txt('false')
    .up()
    .ele('NbOfTxs')
    .txt(count)
    .up()
    .ele('CtrlSum')
    .txt(isoAmount(controlSum))
    .up()
    .ele('ReqdExctnDt')
    .txt(beijingDate(batch.createdAt))
    .up()
    .ele('Dbtr')
    .ele('Nm')
    .txt(limited(batch.debtor.name, 140, 'The debtor name'))
    .up()
    .up()
    .ele('DbtrAcct')
    .ele('Id')
    .ele('Othr')
    .ele('Id')
    .txt(limited(batch.debtor.account, 34, 'The debtor account'))
    .up()
    .up()
    .up()
    .up()
    .ele('DbtrAgt')
    .ele('FinInstnId')
    .ele('Nm')
    .txt(limited(batch.debtor.bank, 140, 'The debtor bank'))
    .up()
    .up()
    .up()
    // The bureau bears the charges: a subsidy should reach the payee in full.
    .ele('ChrgBr')
    .txt('DEBT');
  for (const payment of batch.payments) writeTransfer(information, payment);

  return {
    fileName: `${messageId}.pain001.xml`,
    content: Buffer.from(root.end({ prettyPrint: true }), 'utf8'),
  };
}

type Builder = ReturnType<typeof create>;

function writeTransfer(information: Builder, payment: PaymentFileLine): void {
  const transfer = information.ele('CdtTrfTxInf');
  transfer
    .ele('PmtId')
    .ele('EndToEndId')
    .txt(limited(payment.reference, 35, 'A payment reference'));
  transfer.ele('Amt').ele('InstdAmt', { Ccy: 'CNY' }).txt(isoAmount(payment.amountFen));
  transfer
    .ele('CdtrAgt')
    .ele('FinInstnId')
    .ele('Nm')
    .txt(limited(payment.payeeBank, 140, 'A payee bank'));
  transfer
    .ele('Cdtr')
    .ele('Nm')
    .txt(limited(payment.payeeName, 140, 'A payee name'));
  transfer
    .ele('CdtrAcct')
    .ele('Id')
    .ele('Othr')
    .ele('Id')
    .txt(limited(payment.payeeAccount, 34, 'A payee account'));
  transfer
    .ele('RmtInf')
    .ele('Ustrd')
    .txt(limited(payment.remittanceInfo, 140, 'The remittance text'));
}

/**
 * Reads a pain.001.001.03 file back: for the simulated bank and for checks of what was sent.
 * @throws ValidationError when the file is malformed or its NbOfTxs / CtrlSum disagree with
 *   its transactions.
 */
export function parsePain001(content: Buffer): PaymentFileBatch {
  const message = parseIsoMessage(content, 'CstmrCdtTrfInitn', 'pain.001.001.03');
  const header = node(message, 'GrpHdr');
  if (!header) throw new ValidationError('The payment file has no GrpHdr.');
  const informations = nodes(message, 'PmtInf');
  const first = informations[0];
  if (!first) throw new ValidationError('The payment file has no PmtInf.');

  const payments: PaymentFileLine[] = [];
  for (const information of informations) {
    for (const transfer of nodes(information, 'CdtTrfTxInf')) {
      const where = `Payment file transaction ${payments.length + 1}`;
      payments.push({
        reference: requiredText(transfer, ['PmtId', 'EndToEndId'], where),
        amountFen: amountAt(transfer, ['Amt', 'InstdAmt'], where),
        payeeName: requiredText(transfer, ['Cdtr', 'Nm'], where),
        payeeAccount: requiredText(transfer, ['CdtrAcct', 'Id', 'Othr', 'Id'], where),
        payeeBank: textAt(transfer, ['CdtrAgt', 'FinInstnId', 'Nm']) ?? '',
        remittanceInfo: textAt(transfer, ['RmtInf', 'Ustrd']) ?? '',
      });
    }
  }

  const declaredCount = requiredText(header, ['NbOfTxs'], 'GrpHdr');
  const declaredSum =
    textAt(header, ['CtrlSum']) === undefined ? undefined : amountAt(header, ['CtrlSum'], 'GrpHdr');
  const sum = payments.reduce((total, p) => total + p.amountFen, 0n);
  if (declaredCount !== String(payments.length) || (declaredSum !== undefined && declaredSum !== sum)) {
    throw new ValidationError(
      'The payment file header disagrees with its transactions (NbOfTxs or CtrlSum).',
      {
        declaredCount,
        declaredSum: declaredSum?.toString(),
        count: payments.length,
        sumFen: sum.toString(),
      },
    );
  }
  return {
    reference: requiredText(header, ['MsgId'], 'GrpHdr'),
    createdAt: new Date(requiredText(header, ['CreDtTm'], 'GrpHdr')),
    debtor: {
      name: requiredText(first, ['Dbtr', 'Nm'], 'PmtInf'),
      account: requiredText(first, ['DbtrAcct', 'Id', 'Othr', 'Id'], 'PmtInf'),
      bank: textAt(first, ['DbtrAgt', 'FinInstnId', 'Nm']) ?? '',
    },
    payments,
  };
}
