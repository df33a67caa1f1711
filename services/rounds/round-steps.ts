import crypto from 'node:crypto';
import { inTransaction } from '../../db';
import { Application, Appropriation, Bed, Objection, Region, Round, RuleEvaluation } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { loadCalendar } from '../calendar/store';
import { config } from '../config';
import { ConflictError, NotFoundError } from '../errors';
import { fenFromColumn } from '../money/amount';
import { gatherFacts } from '../applications/award-facts';
import { runChecks } from '../programs/checks';
import type { CompetitionDefinition, ProgramDefinition } from '../programs/definition';
import { evaluateAmount, evaluateRules } from '../programs/expressions';
import { parametersOn } from '../programs/parameters';
import { pinnedVersion } from '../programs/versions';
import { shanghaiDate } from '../time';
import { scoresOf } from './experts';
import { issuePublicNoticeList } from './notices';
import { promoteNext, rankCandidates, type Ranking, type RankingCandidate } from './ranking';
import { findRound } from './rounds';

/**
 * The ranking as a round keeps it: with, per removed winner, whom its removal promoted, and
 * per published candidate, when its own notice period ends (ISO 8601), so that objections
 * are taken for a candidate promoted late as for the first winners.
 */
export type StoredRanking = Ranking & {
  promotions?: Record<string, string | null>;
  noticePeriodEnds?: Record<string, string>;
};

/*
 * The round workflow's steps that read and write the record: who applied, the ranking,
 * its approval, the public notice lists and the outcomes. Each is an activity and
 * idempotent: run twice, it leaves the record as once.
 */

async function roundProgram(
  round: Round,
): Promise<{ definition: ProgramDefinition; competition: CompetitionDefinition }> {
  const { definition } = await pinnedVersion(round.programVersionId);
  if (!definition.competition)
    throw new ConflictError(`${definition.code} has no competition`, 'NOT_COMPETITIVE');
  return { definition, competition: definition.competition };
}

/** The applications submitted to the round. */
export async function roundApplicationIds(input: { roundId: string }): Promise<string[]> {
  const rows = await Application.findAll({
    attributes: ['id'],
    where: { roundId: input.roundId },
    order: [['submittedAt', 'ASC']],
  });
  return rows.map((row) => row.id);
}

/** Money left in the program year's appropriations. */
async function availableBudget(programCode: string, year: number): Promise<bigint> {
  const rows = await Appropriation.findAll({ where: { programCode, year } });
  return rows.reduce(
    (sum, row) =>
      sum + fenFromColumn(row.amountFen) - fenFromColumn(row.committedFen) - fenFromColumn(row.spentFen),
    0n,
  );
}

/**
 * One candidate's eligibility by the program's rules, as the award would judge it today,
 * stored with its trace (purpose `screening`) so that the explanation route shows why a
 * candidate was ranked or left unranked.
 */
async function candidateOf(
  roundId: string,
  application: Application,
  definition: ProgramDefinition,
  scores: RankingCandidate['scores'],
): Promise<{ candidate: RankingCandidate; facts: Record<string, unknown> }> {
  const onDate = shanghaiDate(application.submittedAt);
  const facts = await inTransaction(async (tx) => {
    const beds = await Bed.findAll({ where: { applicationId: application.id }, transaction: tx });
    const checks = await runChecks(tx, { application, definition, beds, onDate });
    return (await gatherFacts(tx, application, definition, beds, checks)).facts;
  });
  const rules = await evaluateRules(definition.eligibility, facts, parametersOn(definition, onDate));
  const failed = rules.filter((rule) => !rule.passed);
  const reasons = failed.map((rule) => rule.failMessage ?? rule.description);
  // Once per candidate and round: a retried ranking finds the evaluation it stored.
  await RuleEvaluation.findOrCreate({
    where: { actionKey: `round-${roundId}:eligibility:${application.id}` },
    defaults: {
      id: crypto.randomUUID(),
      actionKey: `round-${roundId}:eligibility:${application.id}`,
      applicationId: application.id,
      programVersionId: application.programVersionId as number,
      purpose: 'screening',
      outcome: failed.length === 0 ? 'eligible' : 'ineligible',
      trace: { programCode: definition.code, onDate, facts, rules, eligible: failed.length === 0, reasons },
      createdAt: new Date(),
    },
  });
  return {
    facts,
    candidate: {
      applicationId: application.id,
      reference: application.reference,
      submittedAt: application.submittedAt.toISOString(),
      organisationName: application.organisationName,
      districtCode: application.districtCode,
      eligible: failed.length === 0,
      ineligibleReasons: reasons,
      scores,
    },
  };
}

/**
 * Ranks the shortlisted applications by their experts' scores, the program's rules and the
 * year's budget, and stores the ranking on the round for the city to approve.
 */
export async function rankRound(input: {
  roundId: string;
  shortlisted: string[];
}): Promise<{ winners: string[] }> {
  const round = await findRound(input.roundId);
  if (round.ranking) return { winners: (round.ranking as Ranking).winners };
  const { definition, competition } = await roundProgram(round);
  const parameters = parametersOn(definition, shanghaiDate(round.opensAt));
  const scores = new Map(
    (await scoresOf(round.id)).map((application) => [
      application.applicationId,
      application.scored.map(({ expertId, totalHundredths, criteria }) => ({
        expertId,
        totalHundredths,
        criteria,
      })),
    ]),
  );
  const applications = await Application.findAll({ where: { id: input.shortlisted } });

  const candidates: RankingCandidate[] = [];
  let someFacts: Record<string, unknown> = {};
  for (const application of applications) {
    const { candidate, facts } = await candidateOf(
      round.id,
      application,
      definition,
      scores.get(application.id) ?? [],
    );
    candidates.push(candidate);
    someFacts = facts;
  }
  const award = await evaluateAmount(definition.amount, someFacts as never, parameters);
  const ranking = rankCandidates(candidates, {
    rubric: competition.rubric,
    trimWhenAtLeast: competition.trimWhenAtLeast,
    tieBreaks: competition.tieBreaks,
    places: Number(parameters[competition.winnersParameter]?.value ?? 0),
    awardFen: BigInt(award.amountFen),
    budgetFen: await availableBudget(round.programCode, round.year),
  });
  await storeRanking(round.id, ranking, 'round.ranked', { winners: ranking.winners, rules: ranking.rules });
  return { winners: ranking.winners };
}

async function storeRanking(roundId: string, ranking: Ranking, action: string, after: object): Promise<void> {
  await inTransaction(async (tx) => {
    const round = await Round.findByPk(roundId, { transaction: tx, lock: tx.LOCK.UPDATE });
    if (!round) throw new NotFoundError('Round', roundId);
    await round.update({ ranking }, { transaction: tx });
    await recordAuditEvent(tx, {
      actor: 'system:round',
      action,
      subjectType: 'round',
      subjectId: roundId,
      after,
    });
  });
}

/** The city approves the ranked list as a whole. */
export async function approveRanking(input: { roundId: string; actor: string }): Promise<void> {
  await inTransaction(async (tx) => {
    const round = await Round.findByPk(input.roundId, { transaction: tx, lock: tx.LOCK.UPDATE });
    if (!round) throw new NotFoundError('Round', input.roundId);
    if (round.approvedAt) return;
    await round.update({ approvedBy: input.actor, approvedAt: new Date() }, { transaction: tx });
    await recordAuditEvent(tx, {
      actor: input.actor,
      action: 'round.ranking_approved',
      subjectType: 'round',
      subjectId: round.id,
      after: { winners: (round.ranking as Ranking | null)?.winners ?? [] },
    });
  });
}

/**
 * Publishes (公示) the given winners as notice list number `sequence`, for the program's
 * notice period counted in working days from now. @returns when the period ends.
 */
export async function publishNoticeList(input: {
  roundId: string;
  sequence: number;
  applicationIds: string[];
}): Promise<{ periodEndsAt: string }> {
  const round = await findRound(input.roundId);
  const { competition } = await roundProgram(round);
  const ranking = round.ranking as Ranking;
  const now = new Date();
  const calendar = await loadCalendar();
  const periodEnds = await recordNoticePeriod(
    round.id,
    input.applicationIds,
    calendar.deadlineAfter(now, competition.noticePeriod),
  );
  const regions = new Map((await Region.findAll()).map((region) => [region.code, region.name]));
  const entries = ranking.entries
    .filter((entry) => input.applicationIds.includes(entry.applicationId))
    .map((entry) => ({
      rank: entry.rank ?? 0,
      organisationName: entry.organisationName,
      districtName: regions.get(entry.districtCode) ?? entry.districtCode,
      score: entry.score,
    }));
  const base = (config().publicBaseUrl ?? 'http://localhost:3000').replace(/\/+$/, '');
  await issuePublicNoticeList({
    roundId: round.id,
    sequence: input.sequence,
    entries,
    periodFrom: shanghaiDate(now),
    periodTo: shanghaiDate(new Date(periodEnds.getTime() - 1)),
    objectionUrl: `${base}/public/rounds/${round.id}/objections`,
  });
  return { periodEndsAt: periodEnds.toISOString() };
}

/**
 * Stores when the published candidates' notice period ends, unless a first run of the same
 * publication stored it already. @returns the period's end as stored.
 */
async function recordNoticePeriod(roundId: string, applicationIds: string[], endsAt: Date): Promise<Date> {
  return inTransaction(async (tx) => {
    const round = await Round.findByPk(roundId, { transaction: tx, lock: tx.LOCK.UPDATE });
    if (!round) throw new NotFoundError('Round', roundId);
    const ranking = round.ranking as StoredRanking;
    const stored = applicationIds.map((id) => ranking.noticePeriodEnds?.[id]).find(Boolean);
    if (stored) return new Date(stored);

    const ends = Object.fromEntries(applicationIds.map((id) => [id, endsAt.toISOString()]));
    const noticePeriodEnds = { ...(ranking.noticePeriodEnds ?? {}), ...ends };
    await round.update({ ranking: { ...ranking, noticePeriodEnds } }, { transaction: tx });
    return endsAt;
  });
}

/**
 * Takes a winner off the list after an upheld objection and promotes the next ranked
 * candidate (递补). @returns the promoted application, or null when none is left.
 */
export async function removeCandidate(input: {
  roundId: string;
  applicationId: string;
  reason: string;
}): Promise<{ promoted: string | null }> {
  const round = await findRound(input.roundId);
  const current = round.ranking as StoredRanking;
  // A retried activity finds the removal done and returns the promotion it made then.
  const done = current.promotions?.[input.applicationId];
  if (done !== undefined) return { promoted: done };
  const { ranking, promoted } = promoteNext(current, input.applicationId, input.reason);
  const stored: StoredRanking = {
    ...ranking,
    promotions: { ...(current.promotions ?? {}), [input.applicationId]: promoted },
  };
  await storeRanking(round.id, stored, 'round.candidate_removed', {
    removed: input.applicationId,
    reason: input.reason,
    promoted,
  });
  return { promoted };
}

/** The letter each candidate not selected gets: its score, rank, and the number of places. */
export async function notSelectedOutcomes(input: { roundId: string; shortlisted: string[] }): Promise<
  Array<{
    applicationId: string;
    score: string | null;
    rank: number | null;
    rankedCount: number;
    places: number;
  }>
> {
  const round = await findRound(input.roundId);
  const ranking = round.ranking as Ranking;
  const rankedCount = ranking.entries.filter((entry) => entry.rank !== null).length;
  return ranking.entries
    .filter((entry) => !entry.selected && input.shortlisted.includes(entry.applicationId))
    .map((entry) => ({
      applicationId: entry.applicationId,
      score: entry.score === '' ? null : entry.score,
      rank: entry.rank,
      rankedCount,
      places: ranking.affordablePlaces,
    }));
}

/**
 * The round's objections still pending in the record. The public route signals each one to
 * the workflow; reading them back as well means one whose signal was lost is still heard.
 */
export async function pendingObjections(input: {
  roundId: string;
}): Promise<Array<{ objectionId: string; applicationId: string }>> {
  const rows = await Objection.findAll({
    attributes: ['id', 'applicationId'],
    where: { roundId: input.roundId, status: 'pending' },
  });
  return rows.map((row) => ({ objectionId: row.id, applicationId: row.applicationId }));
}
