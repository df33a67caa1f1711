import crypto from 'node:crypto';
import { create } from 'xmlbuilder2';
import { parsePain001 } from './pain001';
import { PAIN_002_NAMESPACE } from './pain002';
import { reasonText } from './reason-codes';
import { beijingDateTime, isoAmount } from './xml';

/*
 * A SIMULATION of a bank, for demos and tests only: it reads a pain.001 payment file and
 * answers with the pain.002 status report a bank would send back. No money moves.
 */

export interface SimulatedBankRule {
  /** Payment references to reject, each with an ISO reason code (AC01, AC04, AM04 …). */
  reject?: Record<string, string>;
  /** Report these references with another amount than was instructed (a bank's error). */
  reportAmountFen?: Record<string, bigint>;
  /** Leave these references out of the report, as if still pending elsewhere. */
  omit?: string[];
  /** Lines the bank reports although they were not in the file (unknown or repeated). */
  extraLines?: Array<{
    reference: string;
    amountFen: bigint;
    status: 'paid' | 'failed';
    reasonCode?: string;
  }>;
  /** When the report is made; default now. Settlement dates follow from it. */
  reportedAt?: Date;
}

interface ReportLine {
  reference: string;
  amountFen: bigint;
  status: 'paid' | 'failed';
  reasonCode?: string;
}

/**
 * Produces the simulated bank's pain.002.001.03 answer to a pain.001 payment file. Bank
 * transaction ids are derived from the batch and reference, so the same input gives the
 * same report.
 * @throws ValidationError when the payment file itself is malformed.
 */
export function simulateBankResponse(
  paymentFile: Buffer,
  rule: SimulatedBankRule = {},
): { fileName: string; content: Buffer } {
  const batch = parsePain001(paymentFile);
  const reportedAt = rule.reportedAt ?? new Date();
  const omitted = new Set(rule.omit ?? []);

  const lines: ReportLine[] = batch.payments
    .filter((payment) => !omitted.has(payment.reference))
    .map((payment) => {
      const reasonCode = rule.reject?.[payment.reference];
      return {
        reference: payment.reference,
        amountFen: rule.reportAmountFen?.[payment.reference] ?? payment.amountFen,
        status: reasonCode ? 'failed' : 'paid',
        ...(reasonCode ? { reasonCode } : {}),
      };
    });
  lines.push(...(rule.extraLines ?? []));

  const messageId = `SIM-${digest(batch.reference, reportedAt.toISOString()).slice(0, 20)}`;
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(PAIN_002_NAMESPACE, 'Document');
  const report = root.ele('CstmrPmtStsRpt');
  report.ele('GrpHdr').ele('MsgId').txt(messageId).up().ele('CreDtTm').txt(beijingDateTime(reportedAt));
  const rejected = lines.filter((l) => l.status === 'failed').length;
  report
    .ele('OrgnlGrpInfAndSts')
    .ele('OrgnlMsgId')
    .txt(batch.reference)
    .up()
    .ele('OrgnlMsgNmId')
    .txt('pain.001.001.03')
    .up()
    .ele('OrgnlNbOfTxs')
    .txt(String(batch.payments.length))
    .up()
    .ele('GrpSts')
    .txt(rejected === 0 ? 'ACSC' : rejected === lines.length ? 'RJCT' : 'PART');

  const information = report.ele('OrgnlPmtInfAndSts');
  information.ele('OrgnlPmtInfId').txt(batch.reference);
  for (const line of lines) {
    const transaction = information.ele('TxInfAndSts');
    transaction.ele('OrgnlEndToEndId').txt(line.reference);
    transaction.ele('TxSts').txt(line.status === 'paid' ? 'ACSC' : 'RJCT');
    if (line.status === 'failed') {
      const code = line.reasonCode ?? 'MS03';
      transaction
        .ele('StsRsnInf')
        .ele('Rsn')
        .ele('Cd')
        .txt(code)
        .up()
        .up()
        .ele('AddtlInf')
        .txt(reasonText(code));
    } else {
      transaction.ele('AccptncDtTm').txt(beijingDateTime(reportedAt));
      transaction.ele('AcctSvcrRef').txt(`SIMTX${digest(batch.reference, line.reference).slice(0, 16)}`);
    }
    transaction.ele('OrgnlTxRef').ele('Amt').ele('InstdAmt', { Ccy: 'CNY' }).txt(isoAmount(line.amountFen));
  }

  return {
    fileName: `${batch.reference}.pain002.simulated.xml`,
    content: Buffer.from(root.end({ prettyPrint: true }), 'utf8'),
  };
}

function digest(...parts: string[]): string {
  return crypto.createHash('sha256').update(parts.join('\u0000')).digest('hex').toUpperCase();
}
