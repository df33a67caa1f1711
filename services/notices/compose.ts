import {
  DEFAULT_PROGRAM_NAME,
  NOTICE_TITLES,
  type AwardNotice,
  type NoticeBedRow,
  type NoticeContent,
  type PaymentNotice,
} from './content';
import { allocationBlocks, allocationNoticeTitle } from './compose-allocation';
import { roundBlocks, roundNoticeTitle } from './compose-round';
import {
  REMEDY_PARAGRAPH,
  amountInFiguresAndWords,
  chineseDate,
  heading,
  paragraph,
  type NoticeBlock,
} from './wording';

export { REMEDY_PARAGRAPH, amountInFiguresAndWords, chineseDate, type NoticeBlock } from './wording';

/*
 * Turns a notice's facts into the wording and blocks of the document, without drawing
 * anything: render.ts lays these out, and tests can read the wording directly. A competitive
 * round's own notices are worded in compose-round.ts, an allocation's in compose-allocation.ts.
 */

export interface ComposedNotice {
  /** May hold a line break where a long title is best divided. */
  title: string;
  documentNumber: string;
  /** 主送: the organisation, followed by the full-width colon; empty for a public notice. */
  addressee: string;
  blocks: NoticeBlock[];
  /** 2026年12月3日 */
  issuedOn: string;
  applicationReference: string;
  /** How the footer names the reference: 申请编号, or 批次编号 for a round's public list. */
  referenceLabel: string;
}

const FULL_RESIDENT_ID = /\d{17}[\dXx]/;

/**
 * The document's wording for any kind of notice.
 * @throws RangeError for an invalid date, when a bed row carries what looks like an
 *   unmasked identity number — personal data must never be printed in full — or for a round's
 *   notice whose figures do not add up (see compose-round.ts).
 */
export function composeNotice(content: NoticeContent): ComposedNotice {
  const program = content.programName ?? DEFAULT_PROGRAM_NAME;
  const application = `你单位申报的${program}申请（申请编号：${content.applicationReference}）`;
  const isPublic = content.kind === 'public_notice_list';

  return {
    title:
      roundNoticeTitle(content, program) ??
      allocationNoticeTitle(content, program) ??
      NOTICE_TITLES[content.kind],
    documentNumber: content.documentNumber,
    // A public notice speaks to everyone, so it has no 主送 line.
    addressee: isPublic ? '' : `${content.organisationName}：`,
    blocks: bodyBlocks(content, program, application),
    issuedOn: chineseDate(content.issuedOn),
    applicationReference: content.applicationReference,
    referenceLabel: isPublic ? '批次编号' : '申请编号',
  };
}

function bodyBlocks(content: NoticeContent, program: string, application: string): NoticeBlock[] {
  switch (content.kind) {
    case 'acceptance':
      return [
        paragraph(
          `我局于${chineseDate(content.receivedOn)}收到你单位提交的${program}申请` +
            `（申请编号：${content.applicationReference}），${content.subjectSummary}。` +
            '经审查，申请材料齐全，符合受理条件，决定予以受理。',
        ),
        paragraph(content.nextStep),
        paragraph('特此通知。'),
      ];
    case 'documents_requested':
      return [
        paragraph(`${application}，经审查，申请材料不齐全或者不符合要求，请补正以下材料：`),
        { type: 'numbered', items: content.items },
        paragraph(
          content.deadline
            ? `请于${content.deadline}前通过系统补正提交上述材料。补正后我局将继续审查。`
            : '请尽快通过系统补正提交上述材料。补正后我局将继续审查。',
        ),
        paragraph('特此通知。'),
      ];
    case 'refusal':
      return [
        paragraph(`${application}，经${content.stage}，决定不予批准。理由如下：`),
        { type: 'numbered', items: content.reasons },
        paragraph(REMEDY_PARAGRAPH),
      ];
    case 'award':
      return awardBlocks(content, application);
    case 'payment':
      return paymentBlocks(content, program);
    case 'public_notice_list':
    case 'round_result':
    case 'award_withdrawn':
      return roundBlocks(content, program, application);
    case 'allocation':
      return allocationBlocks(content, program);
  }
}

function awardBlocks(content: AwardNotice, application: string): NoticeBlock[] {
  const blocks: NoticeBlock[] = [
    paragraph(
      `${application}，${content.findings}。根据${content.policyBasis}的规定，` +
        `决定给予你单位奖补资金${amountInFiguresAndWords(content.awardAmountFen)}。`,
    ),
    heading('一、奖补资金计算'),
    {
      type: 'fields',
      rows: [
        ...content.calculation,
        { label: '奖补金额', value: amountInFiguresAndWords(content.awardAmountFen) },
        { label: '资金来源', value: content.fundSourceName },
      ],
    },
  ];
  if (content.beds.length > 0) blocks.push(heading('二、床位验收明细'), bedTable(content.beds));
  blocks.push(
    paragraph('奖补资金将拨付至你单位申报时登记的银行账户，拨付后另行通知。'),
    paragraph(REMEDY_PARAGRAPH),
  );
  return blocks;
}

function paymentBlocks(content: PaymentNotice, program: string): NoticeBlock[] {
  if (!/^\d{4}$/.test(content.payeeAccountLast4)) {
    throw new RangeError('payeeAccountLast4 must be the last four digits only');
  }
  return [
    paragraph(
      `你单位${program}资金（申请编号：${content.applicationReference}）已于` +
        `${chineseDate(content.paidOn)}拨付，请注意查收。拨付信息如下：`,
    ),
    {
      type: 'fields',
      rows: [
        { label: '拨付编号', value: content.paymentReference },
        { label: '拨付金额', value: amountInFiguresAndWords(content.amountFen) },
        { label: '收款账户名称', value: content.payeeAccountName },
        { label: '收款账号', value: `尾号${content.payeeAccountLast4}` },
        { label: '开户银行', value: content.bankName },
        { label: '拨付日期', value: chineseDate(content.paidOn) },
        { label: '银行交易流水号', value: content.bankTransactionId },
      ],
    },
    paragraph('如对到账情况有疑问，请及时与我局联系。'),
    paragraph('特此通知。'),
  ];
}

function bedTable(beds: NoticeBedRow[]): NoticeBlock {
  for (const bed of beds) {
    if (FULL_RESIDENT_ID.test(bed.maskedIdNumber)) {
      throw new RangeError(`Bed ${bed.sequence}: the identity number is not masked`);
    }
  }
  return {
    type: 'table',
    columns: [
      { header: '序号', width: 0.08 },
      { header: '姓名', width: 0.12 },
      { header: '身份证号', width: 0.27 },
      { header: '床位地址', width: 0.35 },
      { header: '验收结果', width: 0.18 },
    ],
    rows: beds.map((bed) => [
      String(bed.sequence),
      bed.maskedName,
      bed.maskedIdNumber,
      bed.address,
      bed.result,
    ]),
  };
}
