import type {
  AwardWithdrawnNotice,
  NoticeContent,
  PublicNoticeListNotice,
  RoundResultNotice,
} from './content';
import {
  REMEDY_PARAGRAPH,
  amountInFiguresAndWords,
  chineseDate,
  heading,
  paragraph,
  type NoticeBlock,
} from './wording';

/*
 * The wording of a competitive round's notices (竞争立项): the public notice list (公示名单)
 * that invites objections, the letter to each candidate not selected, and the decision that
 * withdraws an award once an objection is upheld. The figures are checked here because a
 * notice that contradicts itself must not be issued.
 */

type RoundNotice = PublicNoticeListNotice | RoundResultNotice | AwardWithdrawnNotice;

/** A score in points as the ranking states it: up to three digits, then any decimals. */
const SCORE = /^\d{1,3}(\.\d+)?$/;

/**
 * The printed title of a round's public list, broken where a reader would pause, since it is
 * too long for one line; undefined for kinds titled by NOTICE_TITLES.
 */
export function roundNoticeTitle(content: NoticeContent, program: string): string | undefined {
  return content.kind === 'public_notice_list'
    ? `${content.roundYear}年度${program}\n拟确定名单公示`
    : undefined;
}

/**
 * The body of a round's notice.
 * @throws RangeError for a bad date, score, rank or URL, or a period that ends before it starts.
 */
export function roundBlocks(content: RoundNotice, program: string, application: string): NoticeBlock[] {
  switch (content.kind) {
    case 'public_notice_list':
      return publicListBlocks(content, program);
    case 'round_result':
      return roundResultBlocks(content, application);
    case 'award_withdrawn':
      return withdrawalBlocks(content, program, application);
  }
}

function publicListBlocks(content: PublicNoticeListNotice, program: string): NoticeBlock[] {
  if (content.periodTo < content.periodFrom) throw new RangeError('The notice period ends before it starts');
  if (!/^https?:\/\/\S+$/.test(content.objectionUrl)) {
    throw new RangeError('The objection URL must be an http(s) address');
  }
  if (content.entries.length === 0) throw new RangeError('A public notice list needs at least one entry');
  for (const entry of content.entries) checkScore(entry.score, entry.rank);
  const listName = `${content.roundYear}年度${program}拟确定名单`;

  return [
    paragraph(
      `根据${content.roundTitle}工作安排，经申报受理、资格审查、专家评审，并经我局审定，` +
        `现将${listName}予以公示，名单附后。`,
    ),
    {
      type: 'fields',
      rows: [
        {
          label: '公示时间',
          value: `${chineseDate(content.periodFrom)}至${chineseDate(content.periodTo)}`,
        },
        { label: '异议提交网址', value: content.objectionUrl },
      ],
    },
    paragraph(
      '公示期间，任何单位和个人对公示名单有异议的，可通过上述网址以书面形式提出。提出异议应当' +
        '实事求是、有理有据，并须如实填写异议人姓名和联系方式（电话号码或电子邮箱），' +
        '未填写的不予受理。我局对异议人的个人信息依法予以保密，对反映的问题进行调查核实，' +
        '并将处理结果告知异议人。',
    ),
    heading(`附：${listName}`),
    {
      type: 'table',
      columns: [
        { header: '排名', width: 0.1 },
        { header: '乡镇（街道）/单位名称', width: 0.46 },
        { header: '所属区市', width: 0.26 },
        { header: '评审得分', width: 0.18 },
      ],
      rows: content.entries.map((entry) => [
        String(entry.rank),
        entry.organisationName,
        entry.districtName,
        entry.score,
      ]),
    },
    paragraph('特此公示。'),
  ];
}

function roundResultBlocks(content: RoundResultNotice, application: string): NoticeBlock[] {
  const { score, rank, rankedCount, places } = content;
  if (score !== null) checkScore(score, rank ?? 1);
  if (rank !== null && (!Number.isInteger(rank) || rank < 1 || rank > rankedCount)) {
    throw new RangeError(`Rank ${rank} is not among the ${rankedCount} ranked candidates`);
  }
  if (!Number.isInteger(places) || places < 1) {
    throw new RangeError('The number of places must be a positive whole number');
  }
  const outcome =
    `${content.roundTitle}共有${rankedCount}个申报单位参加排名，择优确定${places}个名额，` +
    '你单位未列入拟确定名单。';

  return [
    paragraph(
      rank === null
        ? `${application}，经资格审查和专家评审，你单位未列入评审排名。${outcome}`
        : `${application}，经专家评审，你单位综合得分为${score ?? ''}分，在参加排名的` +
            `${rankedCount}个申报单位中位列第${rank}名。${outcome}`,
    ),
    {
      type: 'fields',
      rows: [
        { label: '综合得分', value: score === null ? '未取得综合得分' : `${score}分` },
        { label: '排名', value: rank === null ? '未列入排名' : `第${rank}名（共${rankedCount}个）` },
        { label: '择优确定名额', value: `${places}个` },
      ],
    },
    paragraph(REMEDY_PARAGRAPH),
    paragraph('特此告知。'),
  ];
}

function withdrawalBlocks(
  content: AwardWithdrawnNotice,
  program: string,
  application: string,
): NoticeBlock[] {
  const reason = content.reason.trim();
  if (reason === '') throw new RangeError('A withdrawal must state its reason');
  const amount =
    content.awardAmountFen === null ? '' : `，奖补资金${amountInFiguresAndWords(content.awardAmountFen)}`;
  const payment = content.paymentCancelled
    ? '已为你单位办理的资金拨付手续同时撤销，相关款项不予拨付。'
    : '该项奖补资金尚未拨付，不再拨付。';

  return [
    paragraph(
      `${application}经评审列入${content.roundTitle}拟确定名单并予以公示。公示期间，我局收到` +
        '涉及你单位的异议。经调查核实，异议成立，具体情况如下：',
    ),
    paragraph(/[。！；]$/.test(reason) ? reason : `${reason}。`),
    paragraph(`根据上述事实，我局决定撤销对你单位的${program}奖补${amount}。${payment}`),
    paragraph(REMEDY_PARAGRAPH),
  ];
}

function checkScore(score: string, rank: number): void {
  if (!SCORE.test(score)) throw new RangeError(`Not a score in points: ${score}`);
  if (!Number.isInteger(rank) || rank < 1) throw new RangeError(`Not a rank: ${rank}`);
}
