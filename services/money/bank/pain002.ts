import { ValidationError } from '../../errors';
import { moduleLogger } from '../../logger';
import type { ConfirmationLine } from './types';
import { amountAt, node, nodes, parseIsoMessage, requiredText, textAt, type XmlNode } from './xml';

/*
 * ISO 20022 pain.002.001.03, CustomerPaymentStatusReport: the bank's answer to a payment
 * file, one TxInfAndSts per transaction. Only final statuses become confirmation lines.
 */

const log = moduleLogger('money.bank.pain002');

export const PAIN_002_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.03';

// ACSC: settlement on the debtor's account completed; ACCC (later versions): credited to
// the creditor. Both mean the money has left.
const SETTLED = new Set(['ACSC', 'ACCC']);
const REJECTED = 'RJCT';
// Accepted or pending, not yet final: the bank will report again.
const NOT_FINAL = new Set(['RCVD', 'ACTC', 'ACCP', 'ACSP', 'ACWC', 'ACWP', 'PDNG', 'PART']);

/**
 * Reads a pain.002 status report into confirmation lines, in file order. Transactions
 * still pending at the bank are left out (logged by count): they are not an answer yet.
 * @throws ValidationError when the file is not XML, is another message type, has no
 *   transaction statuses, or a transaction lacks its reference, status or a CNY amount.
 */
export function parsePain002(content: Buffer): ConfirmationLine[] {
  const report = parseIsoMessage(content, 'CstmrPmtStsRpt', 'pain.002.001.03');
  const transactions = nodes(report, 'OrgnlPmtInfAndSts').flatMap((info) => nodes(info, 'TxInfAndSts'));

  if (transactions.length === 0) {
    const group = node(report, 'OrgnlGrpInfAndSts');
    if (group && textAt(group, ['GrpSts']) === REJECTED) {
      // TODO(money): a whole-batch rejection names no transactions; finance must mark the
      // batch's payments failed by hand until the original batch is looked up here.
      const reason = textAt(group, ['StsRsnInf', 'Rsn', 'Cd']) ?? 'no reason code';
      throw new ValidationError(
        `The bank rejected the whole batch ${textAt(group, ['OrgnlMsgId']) ?? ''} (${reason}); ` +
          'there are no transactions to reconcile.',
      );
    }
    throw new ValidationError(
      'The status report holds no transaction statuses (OrgnlPmtInfAndSts/TxInfAndSts).',
    );
  }

  const lines: ConfirmationLine[] = [];
  let pending = 0;
  transactions.forEach((transaction, index) => {
    const line = readTransaction(transaction, `Status report transaction ${index + 1}`);
    if (line) lines.push(line);
    else pending += 1;
  });
  if (pending > 0)
    log.info({ pending, final: lines.length }, 'status report lines still pending were skipped');
  return lines;
}

function readTransaction(transaction: XmlNode, where: string): ConfirmationLine | undefined {
  const reference = requiredText(transaction, ['OrgnlEndToEndId'], where);
  const status = requiredText(transaction, ['TxSts'], `${where} (${reference})`);
  if (NOT_FINAL.has(status)) return undefined;
  if (!SETTLED.has(status) && status !== REJECTED) {
    throw new ValidationError(`${where} (${reference}): unknown transaction status "${status.slice(0, 8)}".`);
  }

  const line: ConfirmationLine = {
    reference,
    status: status === REJECTED ? 'failed' : 'paid',
    amountFen: amountAt(transaction, ['OrgnlTxRef', 'Amt', 'InstdAmt'], `${where} (${reference})`),
  };
  const bankTransactionId = textAt(transaction, ['AcctSvcrRef']);
  if (bankTransactionId) line.bankTransactionId = bankTransactionId;
  const acceptedAt = textAt(transaction, ['AccptncDtTm']);
  if (acceptedAt && /^\d{4}-\d{2}-\d{2}/.test(acceptedAt)) line.settledOn = acceptedAt.slice(0, 10);

  if (line.status === 'failed') {
    const reason = node(transaction, 'StsRsnInf');
    const code = reason && (textAt(reason, ['Rsn', 'Cd']) ?? textAt(reason, ['Rsn', 'Prtry']));
    const additional = reason ? additionalInformation(reason) : undefined;
    // A rejection without a code still fails the payment; NARR says "see the text".
    line.reason = { code: code ?? 'NARR', ...(additional ? { text: additional } : {}) };
  }
  return line;
}

function additionalInformation(reason: XmlNode): string | undefined {
  const value = reason['AddtlInf'];
  const parts = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  return parts.length > 0 ? parts.join(' ') : undefined;
}
