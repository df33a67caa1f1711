import type { Allocation as AllocationCalculation } from '../allocations/calculate';

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
  public_notice_list: '公示名单',
  round_result: '评审结果告知书',
  award_withdrawn: '撤销奖补决定书',
  allocation: '资金下达通知',
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

/** One line of a public notice list, as the city approved the ranking. */
export interface PublicNoticeListEntry {
  rank: number;
  /** The township, sub-district or organisation, as it applied. */
  organisationName: string;
  districtName: string;
  /** The aggregated score as ranked, in points, such as 87.35: a decimal string, never rounded here. */
  score: string;
}

/**
 * 公示名单: the candidates a competitive round proposes to select, published for objections.
 * It is addressed to the public, not to one applicant: `organisationName` is not printed, and
 * `applicationReference` carries the round's reference, such as ROUND-2026-township-demonstration.
 */
export interface PublicNoticeListNotice extends NoticeBase {
  kind: 'public_notice_list';
  /** Such as 2026年度镇域养老服务高质量发展示范点竞争立项. */
  roundTitle: string;
  roundYear: number;
  entries: PublicNoticeListEntry[];
  /** The notice period (公示期), first and last day inclusive. */
  periodFrom: string;
  periodTo: string;
  /** The public page where anyone may object. */
  objectionUrl: string;
}

/** 评审结果告知书: to a candidate of a competitive round that was not selected. */
export interface RoundResultNotice extends NoticeBase {
  kind: 'round_result';
  roundTitle: string;
  /** The aggregated score as ranked, in points, such as 81.20; null when no expert scored it. */
  score: string | null;
  /** Its place among the ranked candidates, 1 first; null when it was not ranked (ineligible). */
  rank: number | null;
  rankedCount: number;
  /** How many candidates the round selects. */
  places: number;
}

/** 撤销奖补决定书: an award withdrawn because an objection during the public notice was upheld. */
export interface AwardWithdrawnNotice extends NoticeBase {
  kind: 'award_withdrawn';
  roundTitle: string;
  /** What the investigation of the objection found, as the decision states it. */
  reason: string;
  /** The award withdrawn, when it had been settled. */
  awardAmountFen: bigint | null;
  /** Whether a payment already prepared for the award was cancelled. */
  paymentCancelled: boolean;
}

/**
 * 资金下达通知: one district's share of a yearly allocation by formula, as the city approved
 * it. Addressed to the district's civil-affairs bureau; `applicationReference` is that of the
 * application carrying the line's payment. Worded in compose-allocation.ts.
 */
export interface AllocationNotice extends NoticeBase {
  kind: 'allocation';
  year: number;
  districtCode: string;
  /** The approved calculation of all districts: the notice prints this district's line and the totals. */
  calculation: AllocationCalculation;
  /** The district's treasury account that receives the money. */
  accountName: string;
  /** Only the last four digits, as on a payment notice. */
  accountLast4: string;
  bankName: string;
  /** The day by which the district reports how the money was used. */
  usageReportDue: string;
  /** The account or the figures are synthetic sample data: the notice then says so. */
  synthetic: boolean;
}

export type NoticeContent =
  | AcceptanceNotice
  | DocumentsRequestedNotice
  | RefusalNotice
  | AwardNotice
  | PaymentNotice
  | PublicNoticeListNotice
  | RoundResultNotice
  | AwardWithdrawnNotice
  | AllocationNotice;
