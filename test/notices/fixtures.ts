import { maskPersonName } from '../../services/personal-data';
import { maskResidentId } from '../../services/identifiers/resident-id';
import {
  policyBasis,
  type AcceptanceNotice,
  type AwardNotice,
  type DocumentsRequestedNotice,
  type NoticeContent,
  type PaymentNotice,
  type RefusalNotice,
} from '../../services/notices/content';

/* Sample notices as the workflow would issue them. The people and numbers are invented. */

export const ELDER = { name: '王秀英', idNumber: '370602194501011234' };

const common = {
  documentNumber: '烟民养补〔2026〕第000012号',
  issuedOn: '2026-12-03',
  organisationName: '烟台市福山区康乐居家养老服务中心',
  applicationReference: 'JTCW-2026-000001',
};

export function acceptance(overrides: Partial<AcceptanceNotice> = {}): AcceptanceNotice {
  return {
    ...common,
    kind: 'acceptance',
    noticeKey: 'JTCW-2026-000001:acceptance',
    subjectSummary: '申报家庭养老床位12张',
    receivedOn: '2026-11-20',
    nextStep: '我局将在二十个工作日内组织实地验收，请保持联系电话畅通。',
    ...overrides,
  };
}

export function documentsRequested(): DocumentsRequestedNotice {
  return {
    ...common,
    kind: 'documents_requested',
    noticeKey: 'JTCW-2026-000001:documents_requested:1',
    items: ['第3张床位的适老化改造验收照片不清晰', '缺少服务协议签字页'],
    deadline: '2026年12月20日',
  };
}

export function refusal(): RefusalNotice {
  return {
    ...common,
    kind: 'refusal',
    noticeKey: 'JTCW-2026-000001:refusal',
    stage: '复核',
    reasons: ['申报床位均不在本市行政区域内', '服务机构未在民政部门备案'],
  };
}

export function award(bedCount = 3): AwardNotice {
  return {
    ...common,
    kind: 'award',
    noticeKey: 'JTCW-2026-000001:award',
    findings: '经实地验收，共验收家庭养老床位102张，其中验收合格100张',
    awardAmountFen: 30_000_000n,
    calculation: [
      { label: '奖补标准', value: '3,000.00元/张' },
      { label: '验收合格床位', value: '100张' },
      { label: '计算过程', value: '100张 × 3,000.00元/张 = 300,000.00元' },
    ],
    fundSourceName: '市级福利彩票公益金',
    policyBasis: policyBasis('二(二)1'),
    beds: Array.from({ length: bedCount }, (_, i) => ({
      sequence: i + 1,
      maskedName: maskPersonName(ELDER.name),
      maskedIdNumber: maskResidentId(ELDER.idNumber),
      address: `烟台市芝罘区只楚街道幸福里小区${i + 1}号楼2单元301室`,
      result: i === 1 ? '不合格：未安装紧急呼叫设备' : '合格',
    })),
  };
}

export function payment(): PaymentNotice {
  return {
    ...common,
    kind: 'payment',
    noticeKey: 'JTCW-2026-000001:payment',
    paymentReference: 'PAY-2026-000007',
    amountFen: 123_456n,
    payeeAccountName: '烟台市福山区康乐居家养老服务中心',
    payeeAccountLast4: '6789',
    bankName: '中国工商银行烟台福山支行',
    paidOn: '2026-12-10',
    bankTransactionId: 'ICBC202612100001',
  };
}

export const ALL_KINDS: (() => NoticeContent)[] = [acceptance, documentsRequested, refusal, award, payment];
