import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import { Application, Expert, ExpertAssignment, Round, type AssignmentStatus } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { loadCalendar } from '../calendar/store';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { pinnedVersion } from '../programs/versions';
import type { Deadline } from '../../workflows/stages';
import { drawOrder, nextExperts } from './draw';

/*
 * The machinery every expert draw shares, whether it is a round's first draw or the
 * replacement of an expert who declared a conflict or missed the deadline: who may be
 * drawn, the assignments written, and the audit event that lets anyone repeat the draw.
 * Callers hold the application's row lock, so two draws for one application never interleave.
 */

const DRAW_ACTOR = 'system:expert-draw';

/** One expert's assignment to one application, as activities and the API return it. */
export interface AssignmentView {
  id: string;
  roundId: string;
  applicationId: string;
  expertId: string;
  /** The expert's place, 1 first, in the application's draw order over the pool at the time. */
  drawPosition: number;
  status: AssignmentStatus;
  /** ISO 8601 instants. */
  assignedAt: string;
  dueAt: string;
  remindAt: string;
}

/** Why an expert of the pool was passed over for an application. */
export type ExclusionReason = 'own_district' | 'already_drawn' | 'conflict' | 'overdue';

/** Why a draw happened: the round's first draw, or the replacement of closed assignments. */
export type DrawCause =
  | { kind: 'initial' }
  | { kind: 'conflict'; assignmentId: string }
  | { kind: 'overdue'; assignmentIds: string[] };

/** The absolute times of an assignment drawn now. */
export interface AssignmentTimes {
  assignedAt: Date;
  dueAt: Date;
  remindAt: Date;
}

export interface DrawOutcome {
  drawn: ExpertAssignment[];
  /** How many more experts were needed than the pool could give. */
  shortfall: number;
}

/** The record of a draw in the audit trail: with the round's seed, enough to repeat it. */
export interface DrawRecord {
  roundId: string;
  applicationId: string;
  seed: string;
  formula: string;
  cause: DrawCause;
  /** Every active expert of the pool, in the application's draw order. */
  candidateOrder: string[];
  excluded: Array<{ expertId: string; reason: ExclusionReason }>;
  needed: number;
  drawn: Array<{ expertId: string; drawPosition: number }>;
  shortfall: number;
}

/** Turns a stored assignment into its plain, serialisable view. */
export function assignmentView(assignment: ExpertAssignment): AssignmentView {
  return {
    id: assignment.id,
    roundId: assignment.roundId,
    applicationId: assignment.applicationId,
    expertId: assignment.expertId,
    drawPosition: assignment.drawPosition,
    status: assignment.status,
    assignedAt: assignment.assignedAt.toISOString(),
    dueAt: assignment.dueAt.toISOString(),
    remindAt: assignment.remindAt.toISOString(),
  };
}

/** An instant: a Date, ISO 8601 text (what a Temporal payload carries), or absent for now. */
export type InstantInput = Date | string | undefined;

/**
 * Reads an instant handed in by a workflow or a caller; absent means the current time.
 * @throws ValidationError when it is not a valid instant.
 */
export function parseInstant(value: InstantInput, field = 'now'): Date {
  const instant = value === undefined ? new Date() : new Date(value);
  if (Number.isNaN(instant.getTime())) {
    throw new ValidationError(
      `"${String(value)}" is not an instant; send ISO 8601 such as 2025-06-01T08:00:00Z.`,
      [{ field, message: 'must be an ISO 8601 instant' }],
    );
  }
  return instant;
}

/** @throws NotFoundError when the round does not exist. */
export async function findRound(roundId: string): Promise<Round> {
  const round = await Round.findByPk(roundId);
  if (!round) throw new NotFoundError('Round', roundId);
  return round;
}

/**
 * The scoring period and reminder of the round's pinned program version.
 * @throws ConflictError `NOT_COMPETITIVE` when that version has no competition section.
 */
export async function roundDeadlines(
  round: Round,
): Promise<{ scoringPeriod: Deadline; reminderAfter: Deadline }> {
  const { definition } = await pinnedVersion(round.programVersionId);
  if (!definition.competition) {
    throw new ConflictError(
      `Round ${round.id} runs a program version with no competition section, so it has no experts.`,
      'NOT_COMPETITIVE',
    );
  }
  const { scoringPeriod, reminderAfter } = definition.competition;
  return { scoringPeriod, reminderAfter };
}

/**
 * When an assignment made at `now` is due and when its expert is reminded. The reminder
 * never comes after the deadline, whatever the definition says.
 * @throws as WorkingDayCalendar.deadlineAfter, for a working-day period beyond the loaded years.
 */
export async function assignmentTimes(
  now: Date,
  scoringPeriod: Deadline,
  reminderAfter: Deadline,
): Promise<AssignmentTimes> {
  const calendar = await loadCalendar();
  const dueAt = calendar.deadlineAfter(now, scoringPeriod);
  const remindAt = calendar.deadlineAfter(now, reminderAfter);
  return { assignedAt: now, dueAt, remindAt: remindAt > dueAt ? dueAt : remindAt };
}

/**
 * Locks the application's row for the rest of the transaction, so that draws for it run
 * one at a time.
 * @throws NotFoundError when the application is not in the round.
 */
export async function lockApplication(
  tx: Transaction,
  roundId: string,
  applicationId: string,
): Promise<Application> {
  const application = await Application.findOne({
    where: { id: applicationId, roundId },
    lock: tx.LOCK.UPDATE,
    transaction: tx,
  });
  if (!application) throw new NotFoundError('Application in round', `${applicationId} / ${roundId}`);
  return application;
}

/**
 * Draws up to `needed` experts for the application from the active pool, in the seeded
 * order, passing over experts of the application's district and every expert it has
 * already had (in any status). Writes the assignments and the `round.experts_drawn` event.
 * The caller holds {@link lockApplication}.
 */
export async function drawExperts(
  tx: Transaction,
  draw: { round: Round; application: Application; needed: number; times: AssignmentTimes; cause: DrawCause },
): Promise<DrawOutcome> {
  const { round, application, needed, times } = draw;
  const pool = await Expert.findAll({ where: { active: true }, transaction: tx });
  const earlier = await ExpertAssignment.findAll({
    where: { applicationId: application.id },
    transaction: tx,
  });

  const earlierStatus = new Map(earlier.map((assignment) => [assignment.expertId, assignment.status]));
  const excluded = new Map<string, ExclusionReason>();
  for (const expert of pool) {
    const status = earlierStatus.get(expert.id);
    if (expert.districtCode === application.districtCode) excluded.set(expert.id, 'own_district');
    else if (status === 'conflict' || status === 'overdue') excluded.set(expert.id, status);
    else if (status) excluded.set(expert.id, 'already_drawn');
  }
  const order = drawOrder(
    round.drawSeed,
    application.id,
    pool.map((expert) => expert.id),
  );
  const chosen = nextExperts(order, new Set(excluded.keys()), needed);

  const drawn: ExpertAssignment[] = [];
  for (const expertId of chosen) {
    drawn.push(
      await ExpertAssignment.create(
        {
          id: crypto.randomUUID(),
          roundId: round.id,
          applicationId: application.id,
          expertId,
          drawPosition: order.indexOf(expertId) + 1,
          status: 'assigned',
          ...times,
          remindedAt: null,
          conflictReason: null,
          closedAt: null,
        },
        { transaction: tx },
      ),
    );
  }

  const record: DrawRecord = {
    roundId: round.id,
    applicationId: application.id,
    seed: round.drawSeed,
    formula: 'order by hex(sha256("<seed>:<applicationId>:<expertId>")) ascending',
    cause: draw.cause,
    candidateOrder: order,
    excluded: order.flatMap((expertId) => {
      const reason = excluded.get(expertId);
      return reason ? [{ expertId, reason }] : [];
    }),
    needed,
    drawn: drawn.map(({ expertId, drawPosition }) => ({ expertId, drawPosition })),
    shortfall: needed - drawn.length,
  };
  await recordAuditEvent(tx, {
    actor: DRAW_ACTOR,
    action: 'round.experts_drawn',
    subjectType: 'application',
    subjectId: application.id,
    after: record,
  });
  return { drawn, shortfall: record.shortfall };
}
