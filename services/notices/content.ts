/*
 * What each notice says, as data. The caller gathers these facts; rendering adds only
 * fixed wording, so the same content always yields the same document.
 * Dates are calendar dates in Asia/Shanghai written as YYYY-MM-DD.
 */

export type NoticeKind = NoticeContent['kind'];

/** The document titles, as printed and as used in subjects and file names. */
export const NOTICE_TITLES: Readonly<Record<NoticeKind, string>> = {
  acceptance: '受理通知书',
  documents_requested: '补正通知书',
  refusal: '不予批准决定书',
  award: '奖补决定书',
  payment: '资金拨付通知书',
};

/** Printed as the document's issuer, signatory and mail sender name. */
export const ISSUING_AUTHORITY = '烟台市民政局';
/** The programme a notice concerns when its content names none. */
export const DEFAULT_PROGRAM_NAME = '家庭养老床位奖补';
/** The policy text and clause an award rests on, as a decision cites it. */
export function policyBasis(clause: string): string {
  return `《关于积极推进养老服务事业产业协同高质量发展的实施意见》${clause}`;
}

interface NoticeBase {
  /** The issued number, such as 烟民养补〔2026〕第000012号; the caller allocates it. */
  documentNumber: string;
  issuedOn: string;
  organisationName: string;
  /** The application's public reference, such as JTCW-2026-000001. */
  applicationReference: string;
  /** Business key that makes issuing idempotent and that the verification link carries. */
  noticeKey: string;
  /** Defaults to 家庭养老床位奖补. */
  programName?: string;
}

export interface AcceptanceNotice extends NoticeBase {
  kind: 'acceptance';
  /** What was applied for, such as 申报家庭养老床位12张. */
  subjectSummary: string;
  receivedOn: string;
  nextStep: string;
}

export interface DocumentsRequestedNotice extends NoticeBase {
  kind: 'documents_requested';
  /** Each missing or insufficient document, or the reason it does not suffice. */
  items: string[];
  /** Free text such as "2026年12月20日", printed as "请于…前补正". */
  deadline?: string;
}

export interface RefusalNotice extends NoticeBase {
  kind: 'refusal';
  /** The review stage that refused, such as 初审, 复核 or 审定. */
  stage: string;
  reasons: string[];
}

/** One bed as printed: only masked personal data may reach a notice. */
export interface NoticeBedRow {
  sequence: number;
  /** 张** — see maskPersonName. */
  maskedName: string;
  /** 37**************1X — see maskResidentId. */
  maskedIdNumber: string;
  address: string;
  /** Such as 合格 or 不合格：未安装紧急呼叫设备. */
  result: string;
}

export interface AwardNotice extends NoticeBase {
  kind: 'award';
  /** What the review found, such as 经实地验收，共验收家庭养老床位3张，其中验收合格2张. */
  findings: string;
  awardAmountFen: bigint;
  /** The calculation as the decision states it, such as {label: '奖补标准', value: '3,000.00元/张'}. */
  calculation: { label: string; value: string }[];
  fundSourceName: string;
  /** The clause the award rests on, see {@link policyBasis}. */
  policyBasis: string;
  beds: NoticeBedRow[];
}

export interface PaymentNotice extends NoticeBase {
  kind: 'payment';
  paymentReference: string;
  amountFen: bigint;
  payeeAccountName: string;
  /** Only the last four digits: the full account number never leaves the payment record. */
  payeeAccountLast4: string;
  bankName: string;
  paidOn: string;
  bankTransactionId: string;
}

export type NoticeContent =
  AcceptanceNotice | DocumentsRequestedNotice | RefusalNotice | AwardNotice | PaymentNotice;
