/*
 * ISO 20022 external status reason codes a bank may give for a rejected transfer, in the
 * Chinese a payee reads on a notice. Only codes a domestic transfer plausibly meets.
 */
const REASON_TEXT: Readonly<Record<string, string>> = {
  AC01: '账号错误',
  AC03: '收款账号无效',
  AC04: '账户已销户',
  AC06: '账户已冻结',
  AG01: '该账户不允许此类交易',
  AM02: '金额超过限额',
  AM04: '付款账户余额不足',
  AM05: '重复付款',
  BE01: '户名与账号不符',
  FF01: '付款文件格式错误',
  MS02: '收款人原因，未说明具体理由',
  MS03: '银行原因，未说明具体理由',
  NARR: '见银行附言',
  RC01: '开户行信息错误',
  RR03: '缺少收款人名称或地址',
};

/** The Chinese text for a reason code; an unknown code is named as such, not hidden. */
export function reasonText(code: string): string {
  return REASON_TEXT[code.toUpperCase()] ?? `银行退回（原因代码 ${code}）`;
}

/** Whether the code is one this service can explain in words. */
export function isKnownReasonCode(code: string): boolean {
  return Object.hasOwn(REASON_TEXT, code.toUpperCase());
}
