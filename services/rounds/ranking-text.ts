import { fenToYuanString } from '../money/amount';
import type { RubricCriterion } from '../programs/definition';

/*
 * The Chinese a ranking is published with: each entry's note and the lines that explain how
 * the ranking was made. Applicants and the public read these during 公示, so they say what
 * happened in plain words and name the rule, not the code.
 */

// TODO(rounds): take the award's name from the program definition — when a second competitive
// program arrives; the township demonstration grants are the only one so far.
const AWARD = '示范点';

// What the notes need of an entry and of the rules; kept structural so that this file and
// ranking.ts do not import each other.
interface Listed {
  reference: string;
  rank: number | null;
}
interface DescribedRules {
  rubric: RubricCriterion[];
  trimWhenAtLeast: number;
  tieBreaks: string[];
  places: number;
  awardFen: bigint;
  budgetFen: bigint;
}

/** The note of an eligible candidate that no expert scored. */
export const NO_SCORE_NOTE = '无专家评分，不参与排名';

/** The start of an ineligible candidate's note; its reasons follow. */
export const INELIGIBLE_NOTE = '不符合申报条件，不参与排名';

/** Why a ranked candidate is selected or not, and what settled an equal score. */
export function rankedNote(
  rank: number,
  places: number,
  affordablePlaces: number,
  tieBrokenBy: string | null,
  rubric: RubricCriterion[],
): string {
  const tie = tieBrokenBy
    ? `（与第${rank - 1}名综合得分相同，按${tieBreakName(tieBrokenBy, rubric)}排在其后）`
    : '';
  if (rank <= affordablePlaces) return `综合得分第${rank}名${tie}，拟确定为${AWARD}`;
  if (rank <= places) {
    return `综合得分第${rank}名${tie}，预算仅能安排${affordablePlaces}个${AWARD}，未能入选`;
  }
  return `综合得分第${rank}名${tie}，未进入前${places}名`;
}

/** The note of a winner that has given up its place. */
export function removedNote(rank: number, reason: string): string {
  return `综合得分第${rank}名，原拟确定为${AWARD}，现取消入选：${reason}`;
}

/** The note of a candidate promoted into a place given up. */
export function promotedNote(rank: number, removedRank: number): string {
  return `综合得分第${rank}名，因第${removedRank}名取消入选，递补确定为${AWARD}`;
}

/** The line appended to a ranking's rules when a winner is removed. */
export function promotionRule(removed: Listed, reason: string, promoted: Listed | null): string {
  const taken = `${removed.reference}（综合得分第${removed.rank}名）取消入选：${reason}`;
  return promoted
    ? `${taken}；由${promoted.reference}（综合得分第${promoted.rank}名）递补。`
    : `${taken}；已无可递补的申报。`;
}

/** How the ranking was made, one line each, in plain Chinese. */
export function rulesText(rules: DescribedRules, rankedCount: number, affordablePlaces: number): string[] {
  const criteria = rules.rubric.map((c) => `${c.name}（权重${c.weight}%，${c.min}–${c.max}分）`).join('、');
  const trimAt = Math.max(rules.trimWhenAtLeast, 3);
  const tieBreaks = rules.tieBreaks.map((t) => `${tieBreakName(t, rules.rubric)}${tieBreakDirection(t)}`);

  const lines = [
    `每位专家按评分细则逐项打整数分：${criteria}。各项按“权重 × 得分 ÷ 该项满分”折算后相加，` +
      '满分100分，四舍五入保留两位小数。',
    `评分专家不少于${trimAt}人的，去掉一个最高分和一个最低分后取平均分；最高分并列时去掉专家编号` +
      `较小的一个，最低分并列时去掉专家编号较大的一个。评分专家少于${trimAt}人的，取全部专家的平均分。`,
    '综合得分按平均分由高到低排列，比较时不作四舍五入，公布时保留两位小数。',
    tieBreaks.length > 0
      ? `综合得分相同的，依次比较：${tieBreaks.join('；')}；仍相同的，按申报编号升序排列。`
      : '综合得分相同的，按申报编号升序排列。',
    '无专家评分的申报不参与排名；不符合申报条件的申报列于名单之后，不参与排名。',
    `本轮名额${rules.places}个，每个奖补${fenToYuanString(rules.awardFen)}元，` +
      `预算${fenToYuanString(rules.budgetFen)}元` +
      (affordablePlaces < rules.places ? `，预算仅能安排${affordablePlaces}个${AWARD}` : '') +
      `；综合得分前${affordablePlaces}名拟确定为${AWARD}。`,
  ];
  if (rankedCount < affordablePlaces) {
    lines.push(`参与排名的申报仅${rankedCount}个，少于可安排的名额，全部拟确定为${AWARD}。`);
  }
  return lines;
}

// How a tie-break is named in a note: 服务内容与质量平均分, 申报时间, 申报编号.
function tieBreakName(tieBreak: string, rubric: RubricCriterion[]): string {
  if (tieBreak === 'earliest_submission') return '申报时间';
  if (tieBreak === 'reference') return '申报编号';
  const id = tieBreak.slice('criterion:'.length);
  return `${rubric.find((criterion) => criterion.id === id)?.name ?? id}平均分`;
}

function tieBreakDirection(tieBreak: string): string {
  return tieBreak === 'earliest_submission' ? '早者在前' : '高者在前';
}
