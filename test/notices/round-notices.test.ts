import { loadConfig, setConfig } from '../../services/config';
import { composeNotice } from '../../services/notices/compose';
import type {
  AwardWithdrawnNotice,
  PublicNoticeListNotice,
  RoundResultNotice,
} from '../../services/notices/content';
import { renderNoticePdf } from '../../services/notices/render';
import { pdfInfo, pdfText, pdfTextCompact } from './pdf-tools';

/* A competitive round's notices as the round would issue them. Townships and scores are invented. */

beforeAll(() => {
  setConfig(loadConfig({ ...process.env, PUBLIC_BASE_URL: 'https://subsidies.example.cn' }));
});

const PROGRAM = '镇域养老服务高质量发展示范点';
const ROUND_TITLE = '2026年度镇域养老服务高质量发展示范点竞争立项';
const REMEDY = ['六十日内向烟台市人民政府申请行政复议', '六个月内依法向人民法院提起行政诉讼'];

const letter = {
  documentNumber: '烟民养补〔2026〕第000031号',
  issuedOn: '2026-07-20',
  organisationName: '烟台市芝罘区示例街道办事处（虚构）',
  applicationReference: 'ZYSF-2026-000007',
  programName: PROGRAM,
  roundTitle: ROUND_TITLE,
};

function publicList(rows = 5, overrides: Partial<PublicNoticeListNotice> = {}): PublicNoticeListNotice {
  return {
    kind: 'public_notice_list',
    documentNumber: '烟民养补〔2026〕第000030号',
    issuedOn: '2026-07-01',
    organisationName: '社会公众',
    applicationReference: 'ROUND-2026-township-demonstration',
    noticeKey: 'round-6f1c0e1a-0000-4000-8000-000000000001:public-notice:1',
    programName: PROGRAM,
    roundTitle: ROUND_TITLE,
    roundYear: 2026,
    entries: Array.from({ length: rows }, (_, i) => ({
      rank: i + 1,
      organisationName: `示例镇${i + 1}（虚构）`,
      districtName: i % 2 === 0 ? '莱阳市' : '长岛综合试验区',
      score: (96 - i * 0.01).toFixed(2),
    })),
    periodFrom: '2026-07-01',
    periodTo: '2026-07-07',
    objectionUrl: 'https://subsidies.example.cn/public/rounds/6f1c0e1a/objections',
    ...overrides,
  };
}

function roundResult(overrides: Partial<RoundResultNotice> = {}): RoundResultNotice {
  return {
    ...letter,
    kind: 'round_result',
    noticeKey: 'ZYSF-2026-000007:round_result',
    score: '83.47',
    rank: 9,
    rankedCount: 23,
    places: 5,
    ...overrides,
  };
}

function awardWithdrawn(overrides: Partial<AwardWithdrawnNotice> = {}): AwardWithdrawnNotice {
  return {
    ...letter,
    kind: 'award_withdrawn',
    noticeKey: 'ZYSF-2026-000007:award_withdrawn',
    reason: '申报材料所列的3处日间照料中心中有2处尚未建成投用，申报内容与实际情况不符',
    awardAmountFen: 30_000_000n,
    paymentCancelled: true,
    ...overrides,
  };
}

describe('the public notice list (公示名单)', () => {
  it('publishes the round, the list, the period and how to object, addressed to no one', async () => {
    const text = await pdfTextCompact(await renderNoticePdf(publicList()));

    expect(text).toContain('2026年度镇域养老服务高质量发展示范点拟确定名单公示');
    expect(text).toContain(`根据${ROUND_TITLE}工作安排`);
    expect(text).toContain('公示时间：2026年7月1日至2026年7月7日');
    expect(text).toContain('异议提交网址：https://subsidies.example.cn/public/rounds/6f1c0e1a/objections');
    expect(text).toContain('须如实填写异议人姓名和联系方式（电话号码或电子邮箱），未填写的不予受理');
    expect(text).toContain('排名乡镇（街道）/单位名称所属区市评审得分');
    expect(text).toContain('1示例镇1（虚构）莱阳市96.00');
    expect(text).toContain('2示例镇2（虚构）长岛综合试验区95.99');
    expect(text).toContain('特此公示。');
    expect(text).toContain('烟台市民政局（印章）2026年7月1日');
    expect(text).toContain('批次编号：ROUND-2026-township-demonstration');
    expect(text).not.toContain('社会公众：');
    expect(text).not.toContain('申请编号');
  });

  it('continues a list of 300 on further pages, repeating the table header on each', async () => {
    const pdf = await renderNoticePdf(publicList(300));

    const pages = (await pdfText(pdf)).split('\f').map((page) => page.replace(/\s+/g, ''));
    const pagesWithRows = pages.filter((page) => page.includes('（虚构）'));

    expect(Number((await pdfInfo(pdf)).Pages)).toBeGreaterThan(5);
    expect(pagesWithRows.length).toBeGreaterThan(5);
    for (const page of pagesWithRows) expect(page).toContain('排名乡镇（街道）/单位名称所属区市评审得分');
    const all = pages.join('');
    for (const rank of [1, 150, 299, 300]) expect(all).toContain(`${rank}示例镇${rank}（虚构）`);
    const order = ['300示例镇300（虚构）', '特此公示。', '烟台市民政局（印章）'].map((t) => all.indexOf(t));
    expect(Math.min(...order)).toBeGreaterThanOrEqual(0);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('puts the whole title into the document metadata on one line', async () => {
    const info = await pdfInfo(await renderNoticePdf(publicList()));

    expect(info.Title).toBe('2026年度镇域养老服务高质量发展示范点拟确定名单公示 烟民养补〔2026〕第000030号');
  });

  it('refuses a period that ends before it starts, a URL that is not one, and an empty list', () => {
    expect(() => composeNotice(publicList(3, { periodTo: '2026-06-30' }))).toThrow(RangeError);
    expect(() => composeNotice(publicList(3, { objectionUrl: 'javascript:alert(1)' }))).toThrow(RangeError);
    expect(() => composeNotice(publicList(0))).toThrow(RangeError);
    expect(() => composeNotice(publicList(3, { periodFrom: '2026-02-30' }))).toThrow(RangeError);
  });
});

describe('the round result letter (评审结果告知书)', () => {
  it('gives the score, the rank among those ranked, the places and the remedy', async () => {
    const text = await pdfTextCompact(await renderNoticePdf(roundResult()));

    expect(text).toContain('评审结果告知书');
    expect(text).toContain('烟台市芝罘区示例街道办事处（虚构）：');
    expect(text).toContain('你单位综合得分为83.47分，在参加排名的23个申报单位中位列第9名');
    expect(text).toContain('择优确定5个名额，你单位未列入拟确定名单');
    expect(text).toContain('综合得分：83.47分');
    expect(text).toContain('排名：第9名（共23个）');
    expect(text).toContain('择优确定名额：5个');
    for (const phrase of REMEDY) expect(text).toContain(phrase);
    expect(text).toContain('申请编号：ZYSF-2026-000007');
  });

  it('says so when the candidate was not ranked at all', async () => {
    const text = await pdfTextCompact(await renderNoticePdf(roundResult({ score: null, rank: null })));

    expect(text).toContain('你单位未列入评审排名');
    expect(text).toContain('综合得分：未取得综合得分');
    expect(text).toContain('排名：未列入排名');
    for (const phrase of REMEDY) expect(text).toContain(phrase);
  });

  it('refuses a rank beyond those ranked, a score that is not one, and no places', () => {
    expect(() => composeNotice(roundResult({ rank: 24 }))).toThrow(RangeError);
    expect(() => composeNotice(roundResult({ score: '83,47' }))).toThrow(RangeError);
    expect(() => composeNotice(roundResult({ places: 0 }))).toThrow(RangeError);
  });
});

describe('the withdrawal of an award (撤销奖补决定书)', () => {
  it('states the upheld objection, the amount withdrawn, the cancelled payment and the remedy', async () => {
    const text = await pdfTextCompact(await renderNoticePdf(awardWithdrawn()));

    expect(text).toContain('撤销奖补决定书');
    expect(text).toContain(`经评审列入${ROUND_TITLE}拟确定名单并予以公示`);
    expect(text).toContain('经调查核实，异议成立');
    expect(text).toContain('有2处尚未建成投用，申报内容与实际情况不符。');
    expect(text).toContain(
      `决定撤销对你单位的${PROGRAM}奖补，奖补资金300,000.00元（大写：人民币叁拾万元整）。`,
    );
    expect(text).toContain('已为你单位办理的资金拨付手续同时撤销，相关款项不予拨付');
    for (const phrase of REMEDY) expect(text).toContain(phrase);
  });

  it('says no money will be paid when no payment had been prepared, and omits an unsettled amount', async () => {
    const text = await pdfTextCompact(
      await renderNoticePdf(awardWithdrawn({ paymentCancelled: false, awardAmountFen: null })),
    );

    expect(text).toContain(`决定撤销对你单位的${PROGRAM}奖补。该项奖补资金尚未拨付，不再拨付。`);
    expect(text).not.toContain('拨付手续同时撤销');
    expect(text).not.toContain('大写');
  });

  it('refuses a withdrawal without a reason', () => {
    expect(() => composeNotice(awardWithdrawn({ reason: '  ' }))).toThrow(RangeError);
  });
});
