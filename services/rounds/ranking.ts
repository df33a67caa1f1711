import type { RubricCriterion } from '../programs/definition';
import {
  aggregate,
  compareFractions,
  compareText,
  divideHalfUp,
  formatHundredths,
  type Aggregate,
  type ExpertScoreInput,
} from './ranking-scores';
import {
  INELIGIBLE_NOTE,
  NO_SCORE_NOTE,
  promotedNote,
  promotionRule,
  rankedNote,
  removedNote,
  rulesText,
} from './ranking-text';

/*
 * Ranking a competitive round (竞争立项), such as the township demonstration grants
 * (镇域养老服务高质量发展示范点): the experts' totals in; out, an ordered list that says who is
 * proposed for an award and, in plain Chinese, why each candidate is or is not.
 *
 * - An expert's total is weightedTotalHundredths of the rubric, in hundredths of a point. The
 *   total recorded with the scores is trusted as the record; it is not recomputed here.
 * - A candidate's score is the mean of its experts' totals, after dropping the single highest
 *   and the single lowest when at least trimWhenAtLeast experts scored (aggregate in
 *   ranking-scores.ts says how equal totals are settled). No score, no rank.
 * - Means are compared exactly as fractions, never as rounded floats. Equal means go through
 *   the program's tie-breaks in order, then the reference, so two candidates are never equal
 *   and a ranking is never random.
 * - Ineligible candidates (an earlier winner who may not win again…) are listed, unranked.
 * - The top min(places, ⌊budget ÷ award⌋) are selected; promoteNext fills a place a winner
 *   gives up (递补) with the best candidate not yet selected.
 *
 * Pure: no I/O, no clock, no randomness; the candidates in any order give the same ranking.
 */

export { weightedTotalHundredths, type ExpertScoreInput } from './ranking-scores';

/** One application of the round, with its eligibility and the scores of its experts. */
export interface RankingCandidate {
  applicationId: string;
  reference: string;
  /** ISO 8601 with an offset; the earliest_submission tie-break compares instants. */
  submittedAt: string;
  organisationName: string;
  districtCode: string;
  eligible: boolean;
  /** In Chinese, quoted in the note of an ineligible candidate. */
  ineligibleReasons: string[];
  scores: ExpertScoreInput[];
}

/** The round's rules, from the program definition and the year's parameters and budget. */
export interface RankingRules {
  rubric: RubricCriterion[];
  trimWhenAtLeast: number;
  /** `criterion:<id>` or `earliest_submission`, in order; the reference decides last. */
  tieBreaks: string[];
  places: number;
  awardFen: bigint;
  budgetFen: bigint;
}

/** One line of the ranking. */
export interface RankedEntry {
  /** 1, 2, 3… for ranked candidates; null for the ineligible and those no expert scored. */
  rank: number | null;
  applicationId: string;
  reference: string;
  organisationName: string;
  districtCode: string;
  /** The mean as points with 2 decimals, half up, such as "83.47"; "" when no expert scored. */
  score: string;
  /** Σ of the used totals, in hundredths; the exact mean is scoreSum / scoreCount hundredths. */
  scoreSum: number;
  scoreCount: number;
  /** Per criterion id, the mean points of the used experts, 2 decimals half up. */
  criterionMeans: Record<string, string>;
  /** By expertId. */
  usedExperts: string[];
  /** The dropped highest, then the dropped lowest; empty when nothing was dropped. */
  droppedExperts: string[];
  /**
   * What separated this entry from the one just above it when their means were equal: one of
   * the rules' tie-breaks, or `reference`. Null when the means differ, and for the first.
   */
  tieBrokenBy: string | null;
  selected: boolean;
  /** Why the entry is selected or not, in plain Chinese. */
  note: string;
  /** Set by promoteNext when a winner gives up its place: the reason, as given. */
  removedReason: string | null;
}

/** A round's ranking: ranked entries first, in rank order, then the unranked. */
export interface Ranking {
  entries: RankedEntry[];
  places: number;
  /** min(places, ⌊budgetFen ÷ awardFen⌋). */
  affordablePlaces: number;
  /** The applicationIds selected, in rank order. */
  winners: string[];
  /** How the ranking was made, in plain Chinese, one line each; promotions append a line. */
  rules: string[];
}

interface Scored {
  candidate: RankingCandidate;
  aggregate: Aggregate;
  submittedAt: number;
}

/**
 * Ranks a round's candidates and selects the winners.
 * @throws RangeError for rules that cannot be applied (a tie-break naming no criterion, places
 *   not a whole number, an award that is not positive, a negative budget) and for candidates
 *   that cannot be ranked (a repeated applicationId or reference, a submittedAt that is no
 *   date, scores ranking-scores.ts#aggregate refuses).
 */
export function rankCandidates(candidates: RankingCandidate[], rules: RankingRules): Ranking {
  checkRules(rules);
  checkUnique(candidates);
  const affordable = rules.budgetFen / rules.awardFen;
  const affordablePlaces = Number(affordable < BigInt(rules.places) ? affordable : rules.places);

  const scored = candidates.map((candidate) => scoreOf(candidate, rules));
  const byReference = (a: Scored, b: Scored): number =>
    compareText(a.candidate.reference, b.candidate.reference);
  const ranked = scored
    .filter((s) => s.candidate.eligible && s.aggregate.count > 0n)
    .sort((a, b) => compare(a, b, rules).order);
  const unscored = scored.filter((s) => s.candidate.eligible && s.aggregate.count === 0n);
  const ineligible = scored.filter((s) => !s.candidate.eligible);

  const entries = ranked.map((s, index): RankedEntry => {
    const rank = index + 1;
    const above = ranked[index - 1];
    const tieBrokenBy = above ? compare(above, s, rules).by : null;
    const selected = rank <= affordablePlaces;
    const note = rankedNote(rank, rules.places, affordablePlaces, tieBrokenBy, rules.rubric);
    return { ...entryOf(s, rules.rubric), rank, tieBrokenBy, selected, note };
  });
  for (const s of unscored.sort(byReference)) {
    entries.push({ ...entryOf(s, rules.rubric), note: NO_SCORE_NOTE });
  }
  for (const s of ineligible.sort(byReference)) {
    const reasons = s.candidate.ineligibleReasons;
    const note = reasons.length > 0 ? `${INELIGIBLE_NOTE}：${reasons.join('；')}` : INELIGIBLE_NOTE;
    entries.push({ ...entryOf(s, rules.rubric), note });
  }

  return {
    entries,
    places: rules.places,
    affordablePlaces,
    winners: winnersOf(entries),
    rules: rulesText(rules, ranked.length, affordablePlaces),
  };
}

/**
 * Takes a winner out (an objection upheld during 公示, a withdrawal…) and promotes the
 * best-ranked candidate that is neither selected nor removed earlier (递补). Pure: the input
 * is not changed; the result shares no object with it.
 * @returns the new ranking, and the promoted applicationId or null when nobody is left.
 * @throws RangeError when the application is not a current winner or the reason is empty.
 */
export function promoteNext(
  ranking: Ranking,
  removedApplicationId: string,
  reason: string,
): { ranking: Ranking; promoted: string | null } {
  if (reason.trim() === '') throw new RangeError('a winner is removed only with a reason');
  const entries = ranking.entries.map(copyEntry);
  const removed = entries.find((entry) => entry.applicationId === removedApplicationId);
  if (!removed || !removed.selected || removed.rank === null) {
    throw new RangeError(`application ${removedApplicationId} is not a winner of this ranking`);
  }

  removed.selected = false;
  removed.removedReason = reason;
  removed.note = removedNote(removed.rank, reason);
  const next = entries
    .filter((e) => e.rank !== null && !e.selected && e.removedReason === null)
    .sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0))[0];
  if (next && next.rank !== null) {
    next.selected = true;
    next.note = promotedNote(next.rank, removed.rank);
  }

  const rule = promotionRule(removed, reason, next ?? null);
  return {
    ranking: { ...ranking, entries, winners: winnersOf(entries), rules: [...ranking.rules, rule] },
    promoted: next?.applicationId ?? null,
  };
}

// Negative when a ranks above b; `by` names what decided when the means are equal.
function compare(a: Scored, b: Scored, rules: RankingRules): { order: number; by: string | null } {
  const byMean = compareFractions(b.aggregate.sum, b.aggregate.count, a.aggregate.sum, a.aggregate.count);
  if (byMean !== 0) return { order: byMean, by: null };

  for (const tieBreak of rules.tieBreaks) {
    let order: number;
    if (tieBreak === 'earliest_submission') order = a.submittedAt - b.submittedAt;
    else {
      // Each over its own used experts: the mean of the same experts the score came from.
      const id = tieBreak.slice('criterion:'.length);
      const sumOf = (s: Scored): bigint => s.aggregate.criterionSums.get(id) ?? 0n;
      order = compareFractions(sumOf(b), b.aggregate.count, sumOf(a), a.aggregate.count);
    }
    if (order !== 0) return { order: Math.sign(order), by: tieBreak };
  }
  return { order: compareText(a.candidate.reference, b.candidate.reference), by: 'reference' };
}

function scoreOf(candidate: RankingCandidate, rules: RankingRules): Scored {
  const submittedAt = Date.parse(candidate.submittedAt);
  if (Number.isNaN(submittedAt)) {
    throw new RangeError(`${candidate.reference} has a submittedAt that is no date`);
  }
  return {
    candidate,
    aggregate: aggregate(candidate.scores, rules.trimWhenAtLeast, rules.rubric),
    submittedAt,
  };
}

function entryOf({ candidate, aggregate: scores }: Scored, rubric: RubricCriterion[]): RankedEntry {
  const scored = scores.count > 0n;
  const criterionMeans: Record<string, string> = {};
  if (scored) {
    for (const { id } of rubric) {
      const sum = scores.criterionSums.get(id) ?? 0n;
      criterionMeans[id] = formatHundredths(divideHalfUp(sum * 100n, scores.count));
    }
  }
  return {
    rank: null,
    applicationId: candidate.applicationId,
    reference: candidate.reference,
    organisationName: candidate.organisationName,
    districtCode: candidate.districtCode,
    score: scored ? formatHundredths(divideHalfUp(scores.sum, scores.count)) : '',
    scoreSum: Number(scores.sum),
    scoreCount: Number(scores.count),
    criterionMeans,
    usedExperts: scores.used.map((s) => s.expertId),
    droppedExperts: scores.dropped.map((s) => s.expertId),
    tieBrokenBy: null,
    selected: false,
    note: '',
    removedReason: null,
  };
}

function checkRules(rules: RankingRules): void {
  const ids = new Set(rules.rubric.map((criterion) => criterion.id));
  for (const tieBreak of rules.tieBreaks) {
    const criterion = tieBreak.startsWith('criterion:') ? tieBreak.slice('criterion:'.length) : null;
    if (tieBreak !== 'earliest_submission' && (criterion === null || !ids.has(criterion))) {
      throw new RangeError(
        `tie-break "${tieBreak}" is neither a criterion of the rubric nor earliest_submission`,
      );
    }
  }
  if (!Number.isSafeInteger(rules.places) || rules.places < 0) {
    throw new RangeError(`places must be a whole number, not ${rules.places}`);
  }
  if (rules.awardFen <= 0n) throw new RangeError('the award must be a positive number of fen');
  if (rules.budgetFen < 0n) throw new RangeError('the budget cannot be negative');
}

function checkUnique(candidates: RankingCandidate[]): void {
  const seen = new Set<string>();
  for (const { applicationId, reference } of candidates) {
    for (const key of [`id:${applicationId}`, `reference:${reference}`]) {
      if (seen.has(key)) throw new RangeError(`${key} appears twice among the candidates`);
      seen.add(key);
    }
  }
}

function winnersOf(entries: RankedEntry[]): string[] {
  return entries.filter((entry) => entry.selected).map((entry) => entry.applicationId);
}

function copyEntry(entry: RankedEntry): RankedEntry {
  return {
    ...entry,
    criterionMeans: { ...entry.criterionMeans },
    usedExperts: [...entry.usedExperts],
    droppedExperts: [...entry.droppedExperts],
  };
}
