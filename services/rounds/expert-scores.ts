import crypto from 'node:crypto';
import { Op } from 'sequelize';
import { inTransaction } from '../../db';
import { Expert, ExpertAssignment, ExpertScore } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ConflictError, ForbiddenError, ValidationError } from '../errors';
import type { RubricCriterion } from '../programs/definition';
import { weightedTotalHundredths } from './ranking-scores';

/*
 * Experts' scores against the round's rubric: checked, weighted into an exact total in
 * hundredths of a point, and stored once per assignment.
 */

export interface RecordScoreInput {
  roundId: string;
  applicationId: string;
  /** The signed-in expert's user id. */
  expertUserId: string;
  /** Whole points per rubric criterion id. */
  scores: Record<string, number>;
  comment: string | null;
  rubric: RubricCriterion[];
  /** Points (0–100 scale) below which a comment is required. */
  commentRequiredBelow: number;
}

export interface RecordedScore {
  assignmentId: string;
  expertId: string;
  totalHundredths: number;
  scores: Record<string, number>;
}

type Problem = { field: string; message: string };

/** Each problem with the scores, against the rubric; empty when they are complete and in range. */
function scoreProblems(rubric: readonly RubricCriterion[], given: unknown): Problem[] {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    return [{ field: 'scores', message: 'must be an object of points per criterion id' }];
  }
  const scores = given as Record<string, unknown>;
  const problems: Problem[] = [];
  const known = new Set(rubric.map((criterion) => criterion.id));
  for (const criterion of rubric) {
    const field = `scores.${criterion.id}`;
    const range = `a whole number from ${criterion.min} to ${criterion.max}`;
    const value = scores[criterion.id];
    if (value === undefined || value === null)
      problems.push({ field, message: `is required: give ${range}` });
    else if (typeof value !== 'number' || !Number.isInteger(value)) {
      problems.push({ field, message: `must be ${range}, not ${JSON.stringify(value)}` });
    } else if (value < criterion.min || value > criterion.max) {
      problems.push({ field, message: `must be ${range}, not ${value}` });
    }
  }
  for (const id of Object.keys(scores)) {
    if (!known.has(id)) {
      problems.push({
        field: `scores.${id}`,
        message: `is not a criterion of the rubric (${[...known].join(', ')})`,
      });
    }
  }
  return problems;
}

/**
 * Stores the expert's score for the application and marks the assignment `scored`, with
 * the audit event `round.score_recorded` (the scores and whether a comment was given,
 * never the comment's text).
 * @throws ForbiddenError `NO_OPEN_ASSIGNMENT` when the expert has no open assignment for it.
 * @throws ConflictError `ALREADY_SCORED` when the expert has scored it already.
 * @throws ValidationError listing each `{ field: 'scores.<criterion>' | 'comment', message }`:
 *   a criterion missing, unknown, not whole or out of range; a blank comment under the threshold.
 */
export async function recordScore(input: RecordScoreInput): Promise<RecordedScore> {
  return inTransaction(async (tx) => {
    const expert = await Expert.findOne({ where: { userId: input.expertUserId }, transaction: tx });
    const assignment =
      expert &&
      (await ExpertAssignment.findOne({
        where: {
          roundId: input.roundId,
          applicationId: input.applicationId,
          expertId: expert.id,
          status: { [Op.in]: ['assigned', 'scored'] },
        },
        lock: tx.LOCK.UPDATE,
        transaction: tx,
      }));
    if (!assignment) {
      throw new ForbiddenError(
        'You have no open scoring assignment for this application.',
        'NO_OPEN_ASSIGNMENT',
      );
    }
    if (assignment.status === 'scored') {
      throw new ConflictError(
        'You have already scored this application; a score cannot be changed.',
        'ALREADY_SCORED',
      );
    }

    const problems = scoreProblems(input.rubric, input.scores);
    // Only scores without problems are weighted: the total refuses any score out of range.
    const totalHundredths =
      problems.length === 0 ? weightedTotalHundredths(input.rubric, input.scores) : null;
    const comment = input.comment?.trim() || null;
    const threshold = input.commentRequiredBelow * 100;
    if (totalHundredths !== null && totalHundredths < threshold && !comment) {
      problems.push({
        field: 'comment',
        message:
          `is required when the total is below ${input.commentRequiredBelow} points ` +
          `(this one is ${totalHundredths / 100})`,
      });
    }
    if (problems.length > 0 || totalHundredths === null) {
      throw new ValidationError('The score cannot be recorded; correct the fields listed.', problems);
    }

    const now = new Date();
    const scores = Object.fromEntries(
      input.rubric.map((criterion) => [criterion.id, input.scores[criterion.id] ?? 0]),
    );
    await ExpertScore.create(
      {
        id: crypto.randomUUID(),
        assignmentId: assignment.id,
        scores,
        totalHundredths,
        comment,
        createdAt: now,
      },
      { transaction: tx },
    );
    await assignment.update({ status: 'scored', closedAt: now }, { transaction: tx });
    await recordAuditEvent(tx, {
      actor: input.expertUserId,
      action: 'round.score_recorded',
      subjectType: 'application',
      subjectId: input.applicationId,
      before: { status: 'assigned' },
      after: {
        roundId: input.roundId,
        assignmentId: assignment.id,
        expertId: assignment.expertId,
        status: 'scored',
        scores,
        totalHundredths,
        commentGiven: comment !== null,
      },
    });
    return { assignmentId: assignment.id, expertId: assignment.expertId, totalHundredths, scores };
  });
}

/** One application's scores so far, for ranking. */
export interface ApplicationScores {
  applicationId: string;
  /** Scored assignments, by draw position. */
  scored: Array<{
    assignmentId: string;
    expertId: string;
    totalHundredths: number;
    criteria: Record<string, number>;
  }>;
  /** Assignments still waiting for a score. */
  open: number;
}

/** Every application of the round that has had experts drawn, by application id, with its scores. */
export async function scoresOf(roundId: string): Promise<ApplicationScores[]> {
  // Every status, so that an application whose experts all withdrew still appears.
  const assignments = await ExpertAssignment.findAll({
    where: { roundId },
    order: [
      ['applicationId', 'ASC'],
      ['drawPosition', 'ASC'],
    ],
  });
  const scored = assignments.filter((assignment) => assignment.status === 'scored');
  const scores = await ExpertScore.findAll({ where: { assignmentId: scored.map((a) => a.id) } });
  const scoreOf = new Map(scores.map((score) => [score.assignmentId, score]));

  const byApplication = new Map<string, ApplicationScores>();
  for (const assignment of assignments) {
    let entry = byApplication.get(assignment.applicationId);
    if (!entry) {
      entry = { applicationId: assignment.applicationId, scored: [], open: 0 };
      byApplication.set(assignment.applicationId, entry);
    }
    const score = scoreOf.get(assignment.id);
    if (assignment.status === 'assigned') entry.open++;
    else if (score) {
      entry.scored.push({
        assignmentId: assignment.id,
        expertId: assignment.expertId,
        totalHundredths: score.totalHundredths,
        criteria: score.scores,
      });
    }
  }
  return [...byApplication.values()];
}
