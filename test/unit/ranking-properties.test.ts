import fc from 'fast-check';
import {
  promoteNext,
  rankCandidates,
  type ExpertScoreInput,
  type RankingCandidate,
  type RankingRules,
} from '../../services/rounds/ranking';
import { repositoryDefinition } from '../support/programs';

/*
 * Random rounds under the real rubric: few distinct totals, points and submission times, so
 * that ties at every level are common. Whatever the round, the winners fit the places and the
 * budget, every candidate is listed once, input order does not matter, and a candidate whose
 * every expert scored higher never ranks below.
 */

const competition = repositoryDefinition('township-demonstration').competition!;

const expertScore = (expertId: string, totals: fc.Arbitrary<number>): fc.Arbitrary<ExpertScoreInput> =>
  fc.record({
    expertId: fc.constant(expertId),
    totalHundredths: totals,
    criteria: fc.record(
      Object.fromEntries(competition.rubric.map((c) => [c.id, fc.integer({ min: 68, max: 70 })])),
    ),
  });

// Up to `most` experts with distinct ids, drawn from a pool shared by all candidates.
const scoresOf = (totals: fc.Arbitrary<number>, least: number, most: number) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: least, maxLength: most })
    .chain((ids) => fc.tuple(...ids.map((id) => expertScore(`expert-${id}`, totals))));

const anyTotal = fc.integer({ min: 6990, max: 7010 });

const candidateOf = (n: number, scores: fc.Arbitrary<ExpertScoreInput[]>): fc.Arbitrary<RankingCandidate> =>
  fc.record({
    applicationId: fc.constant(`app-${n}`),
    reference: fc.constant(`ZYSF-2025-${String(n).padStart(4, '0')}`),
    submittedAt: fc.constantFrom('2025-03-01T09:00:00+08:00', '2025-03-01T01:00:00Z', '2025-03-02T09:00:00Z'),
    organisationName: fc.constant(`示例镇${n}`),
    districtCode: fc.constant('370602'),
    eligible: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
    ineligibleReasons: fc.constant(['已获评示范点']),
    scores,
  });

const candidates = fc
  .integer({ min: 0, max: 12 })
  .chain((count) =>
    fc.tuple(...Array.from({ length: count }, (_, i) => candidateOf(i + 1, scoresOf(anyTotal, 0, 7)))),
  );

const AWARD_FEN = 30_000_000n;
const rules: fc.Arbitrary<RankingRules> = fc.record({
  rubric: fc.constant(competition.rubric),
  trimWhenAtLeast: fc.constantFrom(3, 5),
  tieBreaks: fc.constantFrom(competition.tieBreaks, [], ['earliest_submission']),
  places: fc.integer({ min: 0, max: 7 }),
  awardFen: fc.constant(AWARD_FEN),
  budgetFen: fc.bigInt({ min: 0n, max: 8n * AWARD_FEN }),
});

// A Fisher–Yates shuffle driven by the random keys fast-check gives, so that it shrinks.
function shuffle<T>(items: T[], keys: number[]): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = (keys[i % Math.max(keys.length, 1)] ?? 0) % (i + 1);
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

describe('rankCandidates over random rounds', () => {
  it('never selects more winners than the places or the budget allow', () => {
    fc.assert(
      fc.property(candidates, rules, (list, round) => {
        const ranking = rankCandidates(list, round);
        const ranked = ranking.entries.filter((e) => e.rank !== null).length;

        expect(ranking.winners.length).toBeLessThanOrEqual(round.places);
        expect(BigInt(ranking.winners.length) * round.awardFen).toBeLessThanOrEqual(round.budgetFen);
        expect(ranking.winners.length).toBe(Math.min(ranking.affordablePlaces, ranked));
      }),
    );
  });

  it('ranks exactly the eligible scored candidates 1, 2, 3… and lists every candidate once', () => {
    fc.assert(
      fc.property(candidates, rules, (list, round) => {
        const ranking = rankCandidates(list, round);
        const rankable = list.filter((c) => c.eligible && c.scores.length > 0).map((c) => c.applicationId);
        const ranked = ranking.entries.filter((e) => e.rank !== null);

        expect(ranked.map((e) => e.rank)).toEqual(rankable.map((_, i) => i + 1));
        expect([...ranked.map((e) => e.applicationId)].sort()).toEqual([...rankable].sort());
        expect(ranking.entries.map((e) => e.applicationId).sort()).toEqual(
          list.map((c) => c.applicationId).sort(),
        );
        expect(ranking.entries.slice(0, ranked.length)).toEqual(ranked);
      }),
    );
  });

  it('gives the same ranking whatever the order of the candidates and of their scores', () => {
    const keys = fc.array(fc.nat(), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(candidates, rules, keys, (list, round, order) => {
        const shuffled = shuffle(list, order).map((c) => ({ ...c, scores: shuffle(c.scores, order) }));

        expect(rankCandidates(shuffled, round)).toEqual(rankCandidates(list, round));
      }),
    );
  });

  it('never ranks a candidate below one whose every expert total was lower', () => {
    const pair = fc
      .tuple(fc.integer({ min: 1, max: 10000 }), fc.integer({ min: 1, max: 7 }))
      .chain(([pivot, experts]) =>
        fc.tuple(
          candidateOf(101, scoresOf(fc.integer({ min: pivot, max: 10000 }), experts, experts)),
          candidateOf(102, scoresOf(fc.integer({ min: 0, max: pivot - 1 }), experts, experts)),
        ),
      );
    fc.assert(
      fc.property(candidates, pair, rules, (others, [higher, lower], round) => {
        const list = [...others, { ...lower, eligible: true }, { ...higher, eligible: true }];
        const ranks = rankCandidates(list, round).entries.map((e) => e.applicationId);

        expect(ranks.indexOf('app-101')).toBeLessThan(ranks.indexOf('app-102'));
      }),
    );
  });

  it('keeps the winners within the affordable places however many winners leave', () => {
    fc.assert(
      fc.property(candidates, rules, fc.nat({ max: 6 }), (list, round, leaving) => {
        let ranking = rankCandidates(list, round);
        const removed = new Set<string>();
        for (let i = 0; i < leaving && ranking.winners.length > 0; i++) {
          const gone = ranking.winners[i % ranking.winners.length]!;
          removed.add(gone);
          ranking = promoteNext(ranking, gone, '主动放弃').ranking;
        }

        expect(ranking.winners.length).toBeLessThanOrEqual(ranking.affordablePlaces);
        expect(ranking.winners.filter((id) => removed.has(id))).toEqual([]);
        const ranks = ranking.winners.map((id) => ranking.entries.find((e) => e.applicationId === id)!.rank!);
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      }),
    );
  });
});
