import { XMLParser } from 'fast-xml-parser';
import { ValidationError } from '../../services/errors';
import {
  EXAMPLE_DEBTOR,
  iso20022Bank,
  parsePain001,
  reasonText,
  simulateBankResponse,
  type PaymentFileBatch,
} from '../../services/money/bank';

const batch: PaymentFileBatch = {
  reference: 'PB20250301ABCD',
  createdAt: new Date('2025-03-01T02:30:00Z'),
  debtor: EXAMPLE_DEBTOR,
  payments: [
    {
      reference: 'PAY-1',
      amountFen: 30_000_050n,
      payeeName: '示例养老服务有限公司',
      payeeAccount: '6222000000000001',
      payeeBank: '示例银行芝罘支行',
      remittanceInfo: '烟台市养老服务补贴 YT-1',
    },
    {
      reference: 'PAY-2',
      amountFen: 199n,
      payeeName: 'A & B <公司>',
      payeeAccount: '0012345',
      payeeBank: '示例银行',
      remittanceInfo: '补贴',
    },
  ],
};

const read = (content: Buffer) =>
  new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(content.toString('utf8'));

describe('the pain.001 payment file', () => {
  it('carries the batch header, control sum and one transfer per payment', () => {
    const file = iso20022Bank.writePaymentFile(batch);

    const message = read(file.content).Document.CstmrCdtTrfInitn;
    expect(file.fileName).toBe('PB20250301ABCD.pain001.xml');
    expect(read(file.content).Document['@_xmlns']).toBe('urn:iso:std:iso:20022:tech:xsd:pain.001.001.03');
    expect(message.GrpHdr).toMatchObject({
      MsgId: 'PB20250301ABCD',
      NbOfTxs: '2',
      CtrlSum: '300002.49',
      CreDtTm: '2025-03-01T10:30:00+08:00',
    });
    expect(message.PmtInf.ReqdExctnDt).toBe('2025-03-01');
    expect(message.PmtInf.Dbtr.Nm).toBe('烟台市民政局');
    const [first, second] = message.PmtInf.CdtTrfTxInf;
    expect(first.PmtId.EndToEndId).toBe('PAY-1');
    expect(first.Amt.InstdAmt).toEqual({ '#text': '300000.50', '@_Ccy': 'CNY' });
    expect(first.CdtrAcct.Id.Othr.Id).toBe('6222000000000001');
    expect(second.Cdtr.Nm).toBe('A & B <公司>');
    // Leading zeros of an account survive: values never pass through a number.
    expect(second.CdtrAcct.Id.Othr.Id).toBe('0012345');
  });

  it('reads back what it wrote', () => {
    const back = parsePain001(iso20022Bank.writePaymentFile(batch).content);

    expect(back.reference).toBe(batch.reference);
    expect(back.createdAt.toISOString()).toBe(batch.createdAt.toISOString());
    expect(back.payments).toEqual(batch.payments);
  });

  it('refuses an empty batch and fields too long for the schema', () => {
    expect(() => iso20022Bank.writePaymentFile({ ...batch, payments: [] })).toThrow(ValidationError);
    expect(() => iso20022Bank.writePaymentFile({ ...batch, reference: 'X'.repeat(36) })).toThrow(/1 to 35/);
  });
});

describe('the pain.002 status report', () => {
  const paymentFile = iso20022Bank.writePaymentFile(batch).content;

  it('gives a paid line with the bank transaction id and a failed line with its reason', () => {
    const report = simulateBankResponse(paymentFile, {
      reject: { 'PAY-2': 'AC04' },
      reportedAt: new Date('2025-03-02T01:00:00Z'),
    });

    const lines = iso20022Bank.parseConfirmationFile(report.content);

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      reference: 'PAY-1',
      status: 'paid',
      amountFen: 30_000_050n,
      settledOn: '2025-03-02',
    });
    expect(lines[0]?.bankTransactionId).toMatch(/^SIMTX/);
    expect(lines[1]).toMatchObject({
      reference: 'PAY-2',
      status: 'failed',
      amountFen: 199n,
      reason: { code: 'AC04', text: '账户已销户' },
    });
  });

  it('skips transactions the bank still reports as pending', () => {
    const report = simulateBankResponse(paymentFile)
      .content.toString('utf8')
      .replace('<TxSts>ACSC</TxSts>', '<TxSts>ACSP</TxSts>');

    expect(iso20022Bank.parseConfirmationFile(Buffer.from(report)).map((l) => l.reference)).toEqual([
      'PAY-2',
    ]);
  });

  const malformed: Array<[string, string, RegExp]> = [
    ['not XML', 'hello, bank', /not well-formed XML/],
    ['an empty file', '  ', /empty/],
    ['a payment file', paymentFile.toString('utf8'), /pain\.001\.001\.03 message, not the pain\.002/],
    ['another document', '<Document><Other/></Document>', /expected Document\/CstmrPmtStsRpt, found Other/],
    [
      'a report without transactions',
      '<Document><CstmrPmtStsRpt><GrpHdr/></CstmrPmtStsRpt></Document>',
      /no transaction statuses/,
    ],
  ];
  it.each(malformed)('refuses %s with a clear message', (_name, text, message) => {
    expect(() => iso20022Bank.parseConfirmationFile(Buffer.from(text))).toThrow(message);
  });

  it('refuses a line with a missing reference, an unknown status, another currency or a bad amount', () => {
    const good = simulateBankResponse(paymentFile).content.toString('utf8');
    const variants = [
      [good.replace('<OrgnlEndToEndId>PAY-1</OrgnlEndToEndId>', ''), /OrgnlEndToEndId is missing/],
      [good.replace('<TxSts>ACSC</TxSts>', '<TxSts>WHAT</TxSts>'), /unknown transaction status/],
      [good.replace('Ccy="CNY">300000.50', 'Ccy="USD">300000.50'), /only CNY/],
      [good.replace('300000.50', '3.0e5'), /not an amount in yuan/],
      [good.replace('300000.50', '-1.00'), /not an amount in yuan/],
    ] as const;
    for (const [text, message] of variants) {
      expect(() => iso20022Bank.parseConfirmationFile(Buffer.from(text))).toThrow(message);
    }
  });

  it('reports a whole-batch rejection it cannot reconcile line by line', () => {
    const text = `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
      <OrgnlGrpInfAndSts><OrgnlMsgId>PB1</OrgnlMsgId><GrpSts>RJCT</GrpSts>
      <StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf></OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>`;

    expect(() => iso20022Bank.parseConfirmationFile(Buffer.from(text))).toThrow(
      /rejected the whole batch PB1 \(FF01\)/,
    );
  });
});

describe('reason codes', () => {
  it('explain common rejections in Chinese and name unknown codes', () => {
    expect(reasonText('AC01')).toBe('账号错误');
    expect(reasonText('AM04')).toBe('付款账户余额不足');
    expect(reasonText('ZZ99')).toContain('ZZ99');
  });
});
