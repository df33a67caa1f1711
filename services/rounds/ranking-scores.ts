import type { RubricCriterion } from '../programs/definition';

/*
 * The arithmetic of a competitive round's ranking: an expert's weighted total, the trimmed
 * mean over experts, and exact comparison and rounding. Means are kept as a sum and a count
 * and compared by cross-multiplying in bigint, so that two candidates a hair apart are never
 * made equal (or unequal) by floating point. Pure: no I/O, no clock, no randomness.
 */

/** One expert's scores of one application, as recorded when the expert submitted them. */
export interface ExpertScoreInput {
  expertId: string;
  /** The weighted total, as weightedTotalHundredths gave it when the scores were recorded. */
  totalHundredths: number;
  /** Whole points per criterion id of the rubric. */
  criteria: Record<string, number>;
}

/** What the ranking keeps of one candidate's scores: the experts counted and the sums. */
export interface Aggregate {
  /** Experts whose totals count, by expertId. */
  used: ExpertScoreInput[];
  /** The dropped highest, then the dropped lowest; empty when nothing was trimmed. */
  dropped: ExpertScoreInput[];
  /** Σ of the used totals, in hundredths of a point. */
  sum: bigint;
  count: bigint;
  /** Per criterion id, Σ of the used experts' points. */
  criterionSums: Map<string, bigint>;
}

/**
 * One expert's total, in hundredths of a point: Σ weight × score × 100 / max, half up.
 * Exact when every max is 100 (the total is then Σ weight × score); otherwise the sum is kept
 * as an exact fraction and rounded once, at the end, half up.
 * @throws RangeError when a criterion of the rubric has no score, a score names no criterion,
 *   or a score is not a whole number from the criterion's min to its max.
 */
export function weightedTotalHundredths(rubric: RubricCriterion[], scores: Record<string, number>): number {
  const known = new Set(rubric.map((criterion) => criterion.id));
  for (const id of Object.keys(scores)) {
    if (!known.has(id)) throw new RangeError(`a score was given for "${id}", which is no criterion`);
  }

  let numerator = 0n;
  let denominator = 1n;
  for (const criterion of rubric) {
    if (!Number.isInteger(criterion.max) || criterion.max <= 0) {
      throw new RangeError(`criterion "${criterion.id}" has a max that is not a positive integer`);
    }
    const score = scores[criterion.id];
    if (score === undefined) throw new RangeError(`criterion "${criterion.id}" has no score`);
    if (!Number.isInteger(score) || score < criterion.min || score > criterion.max) {
      throw new RangeError(
        `the score ${score} of "${criterion.id}" is not a whole number ` +
          `from ${criterion.min} to ${criterion.max}`,
      );
    }
    const term = BigInt(criterion.weight) * BigInt(score) * 100n;
    const max = BigInt(criterion.max);
    numerator = numerator * max + term * denominator;
    denominator *= max;
  }

  return Number(divideHalfUp(numerator, denominator));
}

/**
 * The experts that count and their sums. With at least `trimWhenAtLeast` scores (and never
 * fewer than 3, so that something is left), the single highest and the single lowest total
 * are dropped. Equal totals are settled by expertId, compared by code unit, never by locale:
 * of equal highest totals the smaller expertId is dropped, of equal lowest the larger — so
 * when every total is equal, the two ends of the id order go.
 * @throws RangeError when an expert appears twice, a total is not a safe integer, or an
 *   expert gave no whole-number score for a criterion of the rubric.
 */
export function aggregate(
  scores: ExpertScoreInput[],
  trimWhenAtLeast: number,
  rubric: RubricCriterion[],
): Aggregate {
  const byExpert = [...scores].sort((a, b) => compareText(a.expertId, b.expertId));
  byExpert.forEach((score, index) => {
    if (index > 0 && byExpert[index - 1]?.expertId === score.expertId) {
      throw new RangeError(`expert ${score.expertId} scored the same application twice`);
    }
    if (!Number.isSafeInteger(score.totalHundredths)) {
      throw new RangeError(`expert ${score.expertId} has a total that is not a whole number`);
    }
  });

  let used = byExpert;
  const dropped: ExpertScoreInput[] = [];
  if (byExpert.length >= Math.max(trimWhenAtLeast, 3)) {
    const highest = pick(byExpert, (a, b) => a.totalHundredths > b.totalHundredths);
    const rest = byExpert.filter((score) => score !== highest);
    // Walking in expertId order and replacing on ≤ keeps the larger id among equal lowest.
    const lowest = pick(rest, (a, b) => a.totalHundredths <= b.totalHundredths);
    used = rest.filter((score) => score !== lowest);
    dropped.push(highest, lowest);
  }

  const criterionSums = new Map<string, bigint>();
  for (const criterion of rubric) {
    let sum = 0n;
    for (const score of used) {
      const points = score.criteria[criterion.id];
      if (points === undefined || !Number.isInteger(points)) {
        throw new RangeError(`expert ${score.expertId} gave no score for "${criterion.id}"`);
      }
      sum += BigInt(points);
    }
    criterionSums.set(criterion.id, sum);
  }
  const sum = used.reduce((total, score) => total + BigInt(score.totalHundredths), 0n);
  return { used, dropped, sum, count: BigInt(used.length), criterionSums };
}

/**
 * Compares a / b with c / d exactly (b, d > 0): negative when a / b is smaller, zero when
 * equal, positive when larger.
 */
export function compareFractions(a: bigint, b: bigint, c: bigint, d: bigint): number {
  const left = a * d;
  const right = c * b;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** numerator / denominator (denominator > 0) rounded half up, that is half toward +∞. */
export function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  const doubled = 2n * numerator + denominator;
  const twice = 2n * denominator;
  const quotient = doubled / twice;
  // bigint division truncates toward zero; the floor is one less for a negative remainder.
  return doubled % twice < 0n ? quotient - 1n : quotient;
}

/** Hundredths as points with exactly two decimals: 8347n → "83.47". */
export function formatHundredths(hundredths: bigint): string {
  const sign = hundredths < 0n ? '-' : '';
  const absolute = hundredths < 0n ? -hundredths : hundredths;
  return `${sign}${absolute / 100n}.${(absolute % 100n).toString().padStart(2, '0')}`;
}

/** Text by UTF-16 code unit, the same on every machine whatever its locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// The first element that `better` prefers over every one before it; `items` is not empty.
function pick<T>(items: T[], better: (candidate: T, best: T) => boolean): T {
  let best = items[0] as T;
  for (const item of items.slice(1)) if (better(item, best)) best = item;
  return best;
}
