import type { DistrictAllocation, RedistributionRound } from '../allocations/calculate';
import { formatYuan } from '../money/words';
import { ISSUING_AUTHORITY, policyBasis, type AllocationNotice, type NoticeContent } from './content';
import { amountInFiguresAndWords, chineseDate, heading, paragraph, type NoticeBlock } from './wording';

/*
 * The wording of the notice that hands one district its share of the yearly allocation by
 * formula (因素法分配) of the neighbourhood mutual-aid funding, 二(四)3: the amount, how the
 * formula arrived at it, the account it goes to, and what the district does next. The figures
 * are checked here because a notice that contradicts itself must not be issued.
 */

/** Printed at the top when the account or the figures are invented for a demonstration. */
export const SYNTHETIC_MARK = '【合成数据，仅供演示】';

/** The clause the allocation rests on, as the policy words it. */
const POLICY_TEXT =
  '按照城乡社区规模和老年人口数量，给予每个区市每年不超过10万元的城乡社区邻里互助养老服务奖补';

/**
 * The printed title of an allocation notice, broken before the programme's name since it is
 * too long for one line; undefined for every other kind.
 */
export function allocationNoticeTitle(content: NoticeContent, program: string): string | undefined {
  return content.kind === 'allocation'
    ? `${ISSUING_AUTHORITY}关于下达${content.year}年度\n${program}资金的通知`
    : undefined;
}

/**
 * The body of an allocation notice.
 * @throws RangeError when the district is not in the calculation, its amount does not follow
 *   from its rounding or exceeds the cap, a figure is not a decimal, the account shows more than
 *   its last four digits, or the due date is not a date.
 */
export function allocationBlocks(content: AllocationNotice, program: string): NoticeBlock[] {
  const district = content.calculation.districts.find((d) => d.districtCode === content.districtCode);
  if (!district) throw new RangeError(`District ${content.districtCode} is not in the calculation`);
  if (!/^\d{4}$/.test(content.accountLast4)) {
    throw new RangeError('accountLast4 must be the last four digits only');
  }
  const amountFen = checkedAmount(district, BigInt(content.calculation.capFen));
  const dueOn = chineseDate(content.usageReportDue);

  return [
    // A single bold line: the mark must not push the seal onto a page of its own.
    ...(content.synthetic ? [heading(`${SYNTHETIC_MARK}账户或测算数据为合成数据，不作为拨付依据`)] : []),
    paragraph(
      `根据${policyBasis('二(四)3')}关于“${POLICY_TEXT}”的规定，经测算并经我局审定，现下达你单位` +
        `${content.year}年度${program}资金${amountInFiguresAndWords(amountFen)}，用于支持辖区城乡社区` +
        '开展探访问安、陪伴聊天、随手家务、应急帮扶等邻里互助养老服务。',
    ),
    heading('一、资金测算'),
    paragraph(
      '资金按城乡社区规模和老年人口数量两项因素分配：综合份额为社区数占比与老年人口占比的加权之和；' +
        '超过上限的部分在未达上限的区市间按份额再分配；精确金额取整到元，剩余的元按尾数从大到小补足' +
        '（最大余额法）。你单位测算情况如下：',
    ),
    calculationTable(content, district),
    heading('二、资金拨付'),
    {
      type: 'fields',
      rows: [
        { label: '收款账户名称', value: content.accountName },
        { label: '收款账号', value: `尾号${content.accountLast4}` },
        { label: '开户银行', value: content.bankName },
      ],
    },
    heading('三、有关要求'),
    {
      type: 'numbered',
      items: [
        '收到本通知后，请及时登录系统确认收到；确认后，资金按规定程序拨付至上述账户，拨付后另行通知。',
        '资金专款专用，用于城乡社区邻里互助养老服务，不得挤占、挪用。',
        `请于${dueOn}前登录系统报送资金使用情况，包括支出金额、开展的服务和受益老年人数。` +
          '逾期未报送的，将标记为逾期。',
      ],
    },
    paragraph('特此通知。'),
  ];
}

/** The final amount, once it is shown to follow from the rounding and to respect the cap. */
function checkedAmount(district: DistrictAllocation, capFen: bigint): bigint {
  const amountFen = BigInt(district.amountFen);
  const fromRounding = BigInt(district.floorFen) + (district.roundedUp ? 100n : 0n);
  if (amountFen !== fromRounding) {
    throw new RangeError(`${district.districtName}: the amount does not follow from its rounding`);
  }
  if (amountFen > capFen) throw new RangeError(`${district.districtName}: the amount exceeds the cap`);
  return amountFen;
}

/** This district's figures beside the city's, row by row as the formula takes them. */
function calculationTable(content: AllocationNotice, district: DistrictAllocation): NoticeBlock {
  const { calculation } = content;
  const capYuan = `${formatYuan(BigInt(calculation.capFen))}元`;
  const rounds = new Map(calculation.rounds.map((round) => [round.round, round]));
  const unallocatedFen = BigInt(calculation.unallocatedFen);
  const cityTotal = (count: (d: DistrictAllocation) => number): number =>
    calculation.districts.reduce((sum, d) => sum + count(d), 0);

  const rows: string[][] = [
    ['城市社区数', `${district.urbanCommunities}个`, `全市${cityTotal((d) => d.urbanCommunities)}个`],
    ['农村社区数', `${district.ruralCommunities}个`, `全市${cityTotal((d) => d.ruralCommunities)}个`],
    ['城乡社区合计', `${district.communities}个`, `全市${calculation.totals.communities}个`],
    ['老年人口数', `${district.olderResidents}人`, `全市${calculation.totals.olderResidents}人`],
    ['社区规模占比', percent(district.communityShare), `权重${percent(calculation.communityWeight)}`],
    ['老年人口占比', percent(district.olderResidentShare), `权重${percent(calculation.olderResidentWeight)}`],
    ['综合份额', percent(district.blendedShare), '各区市合计100%'],
    ...district.offers.map((offer) => [
      offer.round === 1 ? '第1轮分配' : `第${offer.round}轮再分配`,
      `${exactYuan(offer.offeredFen)}${offer.capped ? '，达到上限' : ''}`,
      roundSummary(rounds.get(offer.round)),
    ]),
    ['是否达到上限', district.capped ? '是' : '否', `每个区市上限${capYuan}`],
    ['精确金额', exactYuan(district.exactFen), '—'],
    ['取整到元', `${formatYuan(BigInt(district.floorFen))}元`, `尾数${exactYuan(district.remainderFen)}`],
    ['最大余额法补足', district.roundedUp ? '增加1元' : '未增加', '按尾数从大到小补足剩余的元'],
    ['下达金额', `${formatYuan(BigInt(district.amountFen))}元`, `全市合计${exactYuan(calculation.totalFen)}`],
    ['年度资金总额', '—', exactYuan(calculation.budgetFen)],
    ...(unallocatedFen > 0n
      ? [['未分配资金', '—', `${formatYuan(unallocatedFen)}元（各区市均达上限）`]]
      : []),
  ];
  return {
    type: 'table',
    columns: [
      { header: '测算项目', width: 0.19 },
      { header: '你单位', width: 0.31 },
      { header: '全市', width: 0.5 },
    ],
    rows,
  };
}

function roundSummary(round: RedistributionRound | undefined): string {
  if (!round) return '—';
  const capped = round.capped.length > 0 ? `，${round.capped.length}个达到上限` : '';
  return `本轮${round.sharing.length}个区市分配${exactYuan(round.placedFen)}${capped}`;
}

/** A decimal string moved `places` digits: 2 to the left for fen → yuan, 2 to the right for %. */
function shiftDecimal(value: string, places: number): { whole: string; fraction: string } {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) throw new RangeError(`Not a decimal figure: ${value}`);
  const [, whole = '', fraction = ''] = match;
  const point = whole.length + places;
  // Pad with zeros so that the point falls inside the digits, with one digit before it.
  const digits = '0'.repeat(Math.max(1 - point, 0)) + (whole + fraction).padEnd(point, '0');
  const at = Math.max(point, 1);
  return { whole: digits.slice(0, at).replace(/^0+(?=\d)/, ''), fraction: digits.slice(at) };
}

/** "9876543.2100" fen → "98,765.4321元": grouped like every amount, exact to the last digit. */
function exactYuan(decimalFen: string): string {
  const { whole, fraction } = shiftDecimal(decimalFen, -2);
  const cents = fraction.padEnd(2, '0');
  const beyondCents = cents.slice(2).replace(/0+$/, '');
  return `${formatYuan(BigInt(whole) * 100n + BigInt(cents.slice(0, 2)))}${beyondCents}元`;
}

/** "0.068652" → "6.8652%", "0.5" → "50%". */
function percent(decimal: string): string {
  const { whole, fraction } = shiftDecimal(decimal, 2);
  return fraction === '' ? `${whole}%` : `${whole}.${fraction}%`;
}
