import { Op, type Transaction } from 'sequelize';
import { inTransaction } from '../../db';
import { Expert, ExpertAssignment } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ForbiddenError, ValidationError } from '../errors';
import { moduleLogger } from '../logger';
import type { Deadline } from '../../workflows/stages';
import {
  assignmentTimes,
  assignmentView,
  drawExperts,
  findRound,
  lockApplication,
  parseInstant,
  roundDeadlines,
  type AssignmentView,
  type InstantInput,
} from './expert-assignments';

/*
 * The expert pool (评审专家库) and the random draw of experts for a competitive round
 * (双随机): the first draw for each application, and the replacement of an expert who
 * declares a conflict of interest or misses the scoring deadline. Each draw follows the
 * seeded order of services/rounds/draw.ts and is written to the audit trail with what it
 * takes to repeat it. Registration, scores and reminders live beside this file and are
 * re-exported here, so that callers need only this module.
 */

export { registerExpert } from './expert-pool';
export type { ExpertRegistration, ExpertView } from './expert-pool';
export type { AssignmentView, DrawRecord, ExclusionReason, InstantInput } from './expert-assignments';
export { recordScore, scoresOf } from './expert-scores';
export { weightedTotalHundredths } from './ranking-scores';
export type { ApplicationScores, RecordScoreInput, RecordedScore } from './expert-scores';
export { markReminded, openAssignments, sendScoringReminders } from './expert-reminders';
export type { OpenAssignment } from './expert-reminders';

const log = moduleLogger('experts');

export interface AssignExpertsInput {
  roundId: string;
  applicationId: string;
  /** How many experts score the application: the definition's expertsPerApplication. */
  count: number;
  scoringPeriod: Deadline;
  reminderAfter: Deadline;
  /** From the workflow's clock, ISO 8601 or a Date: deadlines count from here. Default: now. */
  now?: InstantInput;
}

export interface AssignExpertsResult {
  /** The application's open and scored assignments after the call, by draw position. */
  assignments: AssignmentView[];
  /** Those this call drew; empty when an earlier attempt had already drawn them. */
  drawn: AssignmentView[];
  /** How many experts short of `count` the application is because the pool ran out; 0 when complete. */
  shortfall: number;
}

/**
 * Draws the application's experts. Idempotent: once the application has `count` open or
 * scored assignments, a repeated call changes nothing and returns them. When fewer experts
 * are eligible than needed, assigns those there are and reports the `shortfall`.
 * @throws NotFoundError when the round does not exist or the application is not in it.
 */
export async function assignExperts(input: AssignExpertsInput): Promise<AssignExpertsResult> {
  const round = await findRound(input.roundId);
  const times = await assignmentTimes(parseInstant(input.now), input.scoringPeriod, input.reminderAfter);

  const result = await inTransaction(async (tx) => {
    const application = await lockApplication(tx, round.id, input.applicationId);
    const current = await liveAssignments(input.applicationId, tx);
    const needed = input.count - current.length;
    if (needed <= 0) return { assignments: current, drawn: [], shortfall: 0 };

    const { drawn, shortfall } = await drawExperts(tx, {
      round,
      application,
      needed,
      times,
      cause: { kind: 'initial' },
    });
    return { assignments: await liveAssignments(input.applicationId, tx), drawn, shortfall };
  });

  if (result.shortfall > 0) {
    log.warn(
      { roundId: round.id, applicationId: input.applicationId, shortfall: result.shortfall },
      'expert pool too small',
    );
  }
  return {
    assignments: result.assignments.map(assignmentView),
    drawn: result.drawn.map(assignmentView),
    shortfall: result.shortfall,
  };
}

async function liveAssignments(applicationId: string, tx: Transaction): Promise<ExpertAssignment[]> {
  return ExpertAssignment.findAll({
    where: { applicationId, status: { [Op.in]: ['assigned', 'scored'] } },
    order: [['drawPosition', 'ASC']],
    transaction: tx,
  });
}

export interface DeclareConflictInput {
  roundId: string;
  applicationId: string;
  /** The signed-in expert's user id. */
  expertUserId: string;
  /** What ties the expert to the applicant (利害关系); required. */
  reason: string;
  /** The replacement's deadline counts from here. Default: now. */
  now?: InstantInput;
}

/**
 * Records the expert's conflict of interest (回避): the open assignment becomes `conflict`,
 * closed, with the reason, and one replacement is drawn under the same rules, the declaring
 * expert excluded. The round's pinned definition gives the replacement's deadlines.
 * @returns the replacement, or null when the pool has no one left to draw.
 * @throws ValidationError when the reason is blank.
 * @throws ForbiddenError `NO_OPEN_ASSIGNMENT` when the user has no open assignment for the application.
 */
export async function declareConflict(input: DeclareConflictInput): Promise<AssignmentView | null> {
  const reason = input.reason.trim();
  if (!reason) {
    throw new ValidationError('Say why you cannot score this application.', [
      { field: 'reason', message: 'is required: name the tie to the applicant' },
    ]);
  }
  const now = parseInstant(input.now);
  const round = await findRound(input.roundId);
  const { scoringPeriod, reminderAfter } = await roundDeadlines(round);
  const times = await assignmentTimes(now, scoringPeriod, reminderAfter);

  return inTransaction(async (tx) => {
    const application = await lockApplication(tx, round.id, input.applicationId);
    const expert = await Expert.findOne({ where: { userId: input.expertUserId }, transaction: tx });
    const assignment =
      expert &&
      (await ExpertAssignment.findOne({
        where: { applicationId: application.id, expertId: expert.id, status: 'assigned' },
        transaction: tx,
      }));
    if (!assignment) {
      throw new ForbiddenError(
        'You have no open scoring assignment for this application, so there is nothing to withdraw from.',
        'NO_OPEN_ASSIGNMENT',
      );
    }

    await assignment.update(
      { status: 'conflict', conflictReason: reason, closedAt: now },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor: input.expertUserId,
      action: 'round.expert_conflict_declared',
      subjectType: 'application',
      subjectId: application.id,
      before: { status: 'assigned' },
      after: {
        roundId: round.id,
        assignmentId: assignment.id,
        expertId: assignment.expertId,
        status: 'conflict',
        reason,
      },
    });

    const { drawn } = await drawExperts(tx, {
      round,
      application,
      needed: 1,
      times,
      cause: { kind: 'conflict', assignmentId: assignment.id },
    });
    const replacement = drawn[0];
    return replacement ? assignmentView(replacement) : null;
  });
}

/** An overdue assignment and the expert drawn in its place, if the pool had one. */
export interface OverdueReplacement {
  overdueAssignmentId: string;
  applicationId: string;
  expertId: string;
  replacement: AssignmentView | null;
}

/**
 * Closes as `overdue` every assignment of the round still unscored at its deadline
 * (due_at ≤ now) and draws a replacement for each, due a full scoring period after `now`.
 * Each application is handled in its own transaction. Idempotent: a repeated call finds
 * nothing overdue and returns an empty list.
 * @throws NotFoundError when the round does not exist.
 */
export async function replaceOverdueExperts(input: {
  roundId: string;
  now?: InstantInput;
}): Promise<OverdueReplacement[]> {
  const now = parseInstant(input.now);
  const round = await findRound(input.roundId);
  const { scoringPeriod, reminderAfter } = await roundDeadlines(round);
  const times = await assignmentTimes(now, scoringPeriod, reminderAfter);
  const late = await ExpertAssignment.findAll({
    where: { roundId: round.id, status: 'assigned', dueAt: { [Op.lte]: now } },
    attributes: ['applicationId'],
  });
  const applicationIds = [...new Set(late.map((assignment) => assignment.applicationId))].sort();

  const replacements: OverdueReplacement[] = [];
  for (const applicationId of applicationIds) {
    const replaced = await inTransaction(async (tx) => {
      const application = await lockApplication(tx, round.id, applicationId);
      // Read again under the lock: an expert may have scored since the list above was made.
      const overdue = await ExpertAssignment.findAll({
        where: { applicationId, status: 'assigned', dueAt: { [Op.lte]: now } },
        order: [['drawPosition', 'ASC']],
        transaction: tx,
      });
      if (overdue.length === 0) return [];

      for (const assignment of overdue) {
        await assignment.update({ status: 'overdue', closedAt: now }, { transaction: tx });
      }
      await recordAuditEvent(tx, {
        actor: 'system:expert-draw',
        action: 'round.experts_overdue',
        subjectType: 'application',
        subjectId: applicationId,
        before: { status: 'assigned' },
        after: {
          roundId: round.id,
          status: 'overdue',
          assignments: overdue.map((a) => ({ id: a.id, expertId: a.expertId, dueAt: a.dueAt.toISOString() })),
        },
      });
      const { drawn } = await drawExperts(tx, {
        round,
        application,
        needed: overdue.length,
        times,
        cause: { kind: 'overdue', assignmentIds: overdue.map((a) => a.id) },
      });
      return overdue.map((assignment, index) => {
        const replacement = drawn[index];
        return {
          overdueAssignmentId: assignment.id,
          applicationId,
          expertId: assignment.expertId,
          replacement: replacement ? assignmentView(replacement) : null,
        };
      });
    });
    replacements.push(...replaced);
  }
  return replacements;
}
