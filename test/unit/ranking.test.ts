import type { RubricCriterion } from '../../services/programs/definition';
import {
  promoteNext,
  rankCandidates,
  weightedTotalHundredths,
  type ExpertScoreInput,
  type RankingCandidate,
  type RankingRules,
} from '../../services/rounds/ranking';
import { repositoryDefinition } from '../support/programs';

/*
 * The township demonstration round, ranked by the real rubric and tie-breaks of its definition
 * file: five places of 300,000 yuan. Townships, references and scores are synthetic.
 */

const competition = repositoryDefinition('township-demonstration').competition!;
const AWARD_FEN = 30_000_000n;
const RULES: RankingRules = {
  rubric: competition.rubric,
  trimWhenAtLeast: competition.trimWhenAtLeast,
  tieBreaks: competition.tieBreaks,
  places: 5,
  awardFen: AWARD_FEN,
  budgetFen: 5n * AWARD_FEN,
};

type Points = [number, number, number, number, number];

// An expert's points in rubric order (服务网络, 服务质量, 运行机制, 创新, 实施方案), total computed.
function expert(expertId: string, points: Points): ExpertScoreInput {
  const criteria = Object.fromEntries(competition.rubric.map((c, i) => [c.id, points[i] ?? 0]));
  return { expertId, criteria, totalHundredths: weightedTotalHundredths(competition.rubric, criteria) };
}

// Experts e1, e2… each giving every criterion the same points: a total of points × 100.
function uniform(...points: number[]): ExpertScoreInput[] {
  return points.map((p, i) => expert(`e${i + 1}`, [p, p, p, p, p]));
}

function candidate(n: number, scores: ExpertScoreInput[], more: Partial<RankingCandidate> = {}) {
  return {
    applicationId: `app-${n}`,
    reference: `ZYSF-2025-${String(n).padStart(4, '0')}`,
    submittedAt: `2025-03-${String(n).padStart(2, '0')}T09:00:00+08:00`,
    organisationName: `示例镇${n}`,
    districtCode: '370602',
    eligible: true,
    ineligibleReasons: [],
    scores,
    ...more,
  };
}

// Candidates app-1 … app-n, app-1 best, each a point below the one before.
function field(n: number): RankingCandidate[] {
  return Array.from({ length: n }, (_, i) => candidate(i + 1, uniform(90 - i, 90 - i, 90 - i)));
}

const entry = (ranking: ReturnType<typeof rankCandidates>, id: string) =>
  ranking.entries.find((e) => e.applicationId === id)!;

describe('weightedTotalHundredths', () => {
  it('is exact on the real rubric, whose criteria are scored out of 100', () => {
    expect(expert('e1', [85, 90, 80, 70, 60]).totalHundredths).toBe(8050);
    expect(expert('e1', [100, 100, 100, 100, 100]).totalHundredths).toBe(10000);
    expect(expert('e1', [0, 0, 0, 0, 0]).totalHundredths).toBe(0);
  });

  it('scales a criterion with another max and rounds the sum once, half up', () => {
    const rubric = (max: number): RubricCriterion[] => [
      { id: 'a', name: '甲', weight: 2, min: 0, max },
      { id: 'b', name: '乙', weight: 2, min: 0, max },
      { id: 'c', name: '丙', weight: 96, min: 0, max: 100 },
    ];
    // 2 × 1 × 100 / 500 = 0.4 twice: 0.8 → 1, where rounding each term would give 0.
    expect(weightedTotalHundredths(rubric(500), { a: 1, b: 1, c: 0 })).toBe(1);
    // 2 × 1 × 100 / 400 = 0.5 twice: 1 exactly; then 0.5 alone rounds up.
    expect(weightedTotalHundredths(rubric(400), { a: 1, b: 1, c: 0 })).toBe(1);
    expect(weightedTotalHundredths(rubric(400), { a: 1, b: 0, c: 0 })).toBe(1);
    // 60 × 7 / 10 + 40 × 20 / 30 points = 42 + 26.666… = 68.67.
    const tens: RubricCriterion[] = [
      { id: 'a', name: '甲', weight: 60, min: 0, max: 10 },
      { id: 'b', name: '乙', weight: 40, min: 0, max: 30 },
    ];
    expect(weightedTotalHundredths(tens, { a: 7, b: 20 })).toBe(6867);
  });

  it('refuses a missing, unknown, fractional or out-of-range score', () => {
    const { criteria } = expert('e1', [80, 80, 80, 80, 80]);
    const total = (change: Record<string, number>) => () =>
      weightedTotalHundredths(competition.rubric, { ...criteria, ...change });
    expect(total({ service_quality: 101 })).toThrow(RangeError);
    expect(total({ service_quality: -1 })).toThrow(RangeError);
    expect(total({ service_quality: 80.5 })).toThrow(RangeError);
    expect(total({ unknown: 1 })).toThrow(RangeError);
    expect(() => weightedTotalHundredths(competition.rubric, { plan: 80 })).toThrow(RangeError);
  });
});

describe('rankCandidates: the score of one candidate', () => {
  it('drops the highest and the lowest of five totals', () => {
    const ranking = rankCandidates([candidate(1, uniform(70, 90, 80, 60, 80))], RULES);

    expect(entry(ranking, 'app-1')).toMatchObject({
      score: '76.67',
      scoreSum: 23000,
      scoreCount: 3,
      usedExperts: ['e1', 'e3', 'e5'],
      droppedExperts: ['e2', 'e4'],
    });
    expect(entry(ranking, 'app-1').criterionMeans.service_quality).toBe('76.67');
  });

  it('drops the smaller expertId of equal highest totals and the larger of equal lowest', () => {
    const ranking = rankCandidates([candidate(1, uniform(80, 90, 70, 90, 70))], RULES);

    expect(entry(ranking, 'app-1').droppedExperts).toEqual(['e2', 'e5']);
    expect(entry(ranking, 'app-1').usedExperts).toEqual(['e1', 'e3', 'e4']);
  });

  it('means all of four totals, rounding the display half up', () => {
    const scores = uniform(90, 80, 70, 61);
    const ranking = rankCandidates([candidate(1, scores)], RULES);
    expect(entry(ranking, 'app-1')).toMatchObject({ score: '75.25', scoreCount: 4, droppedExperts: [] });

    // (80.01 + 80.00) / 2 = 80.005 → 80.01. The ranking takes recorded totals as they are.
    const half = [
      { ...expert('e1', [80, 80, 80, 80, 80]), totalHundredths: 8001 },
      expert('e2', [80, 80, 80, 80, 80]),
    ];
    expect(entry(rankCandidates([candidate(1, half)], RULES), 'app-1').score).toBe('80.01');
  });

  it('does not rank a candidate that no expert scored', () => {
    const ranking = rankCandidates([candidate(3, []), ...field(2)], RULES);

    expect(entry(ranking, 'app-3')).toMatchObject({
      rank: null,
      score: '',
      scoreCount: 0,
      selected: false,
      note: '无专家评分，不参与排名',
      criterionMeans: {},
    });
    expect(ranking.winners).toEqual(['app-1', 'app-2']);
    expect(ranking.entries.map((e) => e.rank)).toEqual([1, 2, null]);
  });
});

describe('rankCandidates: a tie at the last place', () => {
  // app-1 … app-4 clearly ahead; app-5 and app-6 both 70.00 on average.
  const tied = (five: Partial<RankingCandidate>, six: Partial<RankingCandidate>) =>
    rankCandidates([...field(4), candidate(6, uniform(70, 70, 70), six), candidate(5, [], five)], RULES);

  it('is broken by the higher service-quality mean', () => {
    const scores = ['e1', 'e2', 'e3'].map((id) => expert(id, [65, 76, 70, 70, 70]));
    const ranking = tied({ scores }, {});

    expect(scores[0]!.totalHundredths).toBe(7000);
    expect(entry(ranking, 'app-5')).toMatchObject({ rank: 5, selected: true, tieBrokenBy: null });
    expect(entry(ranking, 'app-6')).toMatchObject({
      rank: 6,
      selected: false,
      tieBrokenBy: 'criterion:service_quality',
      note: '综合得分第6名（与第5名综合得分相同，按服务内容与质量平均分排在其后），未进入前5名',
    });
  });

  it('is broken by the earlier submission when the criteria are equal too', () => {
    const five = { scores: uniform(70, 70, 70), submittedAt: '2025-03-05T01:00:00Z' };
    const ranking = tied(five, { submittedAt: '2025-03-05T08:59:59+08:00' });

    // app-6 came a second before app-5, though its text sorts after: instants are compared.
    expect(entry(ranking, 'app-6')).toMatchObject({ rank: 5, tieBrokenBy: null, selected: true });
    expect(entry(ranking, 'app-5')).toMatchObject({ rank: 6, tieBrokenBy: 'earliest_submission' });
  });

  it('is broken by the reference when everything else is equal', () => {
    const submittedAt = '2025-03-05T09:00:00+08:00';
    const ranking = tied({ scores: uniform(70, 70, 70), submittedAt }, { submittedAt });

    expect(entry(ranking, 'app-5')).toMatchObject({ rank: 5, selected: true });
    expect(entry(ranking, 'app-6')).toMatchObject({ rank: 6, tieBrokenBy: 'reference' });
  });

  it('compares a criterion over the experts whose totals count, not the dropped ones', () => {
    // e1's 100 for service quality is dropped with e1 (the smaller id of five equal totals).
    const scores = [expert('e1', [45, 100, 70, 70, 70]), ...uniform(70, 70, 70, 70, 70).slice(1)];
    const ranking = tied({ scores, submittedAt: '2025-03-07T09:00:00+08:00' }, {});

    expect(entry(ranking, 'app-5').droppedExperts).toEqual(['e1', 'e5']);
    expect(entry(ranking, 'app-6')).toMatchObject({ rank: 5, selected: true });
    expect(entry(ranking, 'app-5')).toMatchObject({ rank: 6, tieBrokenBy: 'earliest_submission' });
  });
});

describe('rankCandidates: places and budget', () => {
  it('selects every ranked candidate when there are fewer than the places', () => {
    const ranking = rankCandidates(field(3), RULES);

    expect(ranking.winners).toEqual(['app-1', 'app-2', 'app-3']);
    expect(entry(ranking, 'app-3').note).toBe('综合得分第3名，拟确定为示范点');
    expect(ranking.rules).toContain('参与排名的申报仅3个，少于可安排的名额，全部拟确定为示范点。');
  });

  it('selects only as many as the budget pays for', () => {
    const ranking = rankCandidates(field(7), { ...RULES, budgetFen: 4n * AWARD_FEN + 29_999_999n });

    expect(ranking.affordablePlaces).toBe(4);
    expect(ranking.winners).toEqual(['app-1', 'app-2', 'app-3', 'app-4']);
    expect(entry(ranking, 'app-5').note).toBe('综合得分第5名，预算仅能安排4个示范点，未能入选');
    expect(entry(ranking, 'app-7').note).toBe('综合得分第7名，未进入前5名');
    expect(ranking.rules.join('\n')).toContain('预算仅能安排4个示范点');
  });

  it('lists an ineligible earlier winner after the ranked, unranked, with its reason', () => {
    const reason = '该乡镇（街道）已被确定为示范点，不再重复奖补';
    const earlier = candidate(9, uniform(99, 99, 99), { eligible: false, ineligibleReasons: [reason] });
    const ranking = rankCandidates([earlier, ...field(6), candidate(8, [])], RULES);

    const order = ['app-1', 'app-2', 'app-3', 'app-4', 'app-5', 'app-6', 'app-8', 'app-9'];
    expect(ranking.entries.map((e) => e.applicationId)).toEqual(order);
    expect(entry(ranking, 'app-9')).toMatchObject({ rank: null, selected: false, score: '99.00' });
    expect(entry(ranking, 'app-9').note).toBe(`不符合申报条件，不参与排名：${reason}`);
    expect(ranking.winners).toEqual(['app-1', 'app-2', 'app-3', 'app-4', 'app-5']);
  });

  it('refuses a tie-break that names no criterion and a repeated reference', () => {
    expect(() => rankCandidates(field(2), { ...RULES, tieBreaks: ['criterion:nothing'] })).toThrow(
      RangeError,
    );
    const [first] = field(1);
    expect(() => rankCandidates([first!, { ...first!, applicationId: 'other' }], RULES)).toThrow(RangeError);
  });
});

describe('promoteNext', () => {
  it('promotes the next ranked candidate each time a winner leaves, then reports none left', () => {
    const ranking = rankCandidates(field(7), RULES);
    const before = structuredClone(ranking);

    const first = promoteNext(ranking, 'app-2', '公示期间被举报材料不实，经核查属实');
    expect(first.promoted).toBe('app-6');
    expect(first.ranking.winners).toEqual(['app-1', 'app-3', 'app-4', 'app-5', 'app-6']);
    expect(entry(first.ranking, 'app-2')).toMatchObject({
      selected: false,
      removedReason: expect.any(String),
    });
    expect(entry(first.ranking, 'app-2').note).toContain('现取消入选：公示期间被举报材料不实');
    expect(entry(first.ranking, 'app-6').note).toBe('综合得分第6名，因第2名取消入选，递补确定为示范点');
    expect(ranking).toEqual(before);

    const second = promoteNext(first.ranking, 'app-6', '主动放弃');
    expect(second.promoted).toBe('app-7');
    expect(second.ranking.winners).toEqual(['app-1', 'app-3', 'app-4', 'app-5', 'app-7']);

    const third = promoteNext(second.ranking, 'app-1', '主动放弃');
    expect(third.promoted).toBeNull();
    expect(third.ranking.winners).toEqual(['app-3', 'app-4', 'app-5', 'app-7']);
    expect(third.ranking.rules.at(-1)).toBe(
      'ZYSF-2025-0001（综合得分第1名）取消入选：主动放弃；已无可递补的申报。',
    );
  });

  it('refuses to remove a candidate that is not a winner, or without a reason', () => {
    const ranking = rankCandidates(field(7), RULES);

    expect(() => promoteNext(ranking, 'app-6', '主动放弃')).toThrow(RangeError);
    expect(() => promoteNext(ranking, 'app-1', ' ')).toThrow(RangeError);
  });
});
