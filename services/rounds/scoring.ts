import type { Deadline } from '../../workflows/stages';
import {
  assignExperts,
  declareConflict,
  openAssignments,
  recordScore,
  replaceOverdueExperts,
  scoresOf,
  sendScoringReminders,
  type RecordScoreInput,
} from './experts';

/*
 * The scoring part of a round as the round workflow drives it: draw, progress, the timed
 * work of reminders and replacements, and the experts' own actions.
 */

export async function drawApplicationExperts(input: {
  roundId: string;
  applicationId: string;
  count: number;
  scoringPeriod: Deadline;
  reminderAfter: Deadline;
}): Promise<{ shortfall: number }> {
  const result = await assignExperts({ ...input, now: new Date().toISOString() });
  return { shortfall: result.shortfall };
}

/**
 * Whether every screened application has its experts' scores — or can get no more, its
 * pool exhausted — and when the next reminder or deadline falls.
 */
export async function scoringProgress(input: {
  roundId: string;
  shortlisted: string[];
  count: number;
}): Promise<{ complete: boolean; nextTimerAt: string | null }> {
  const scores = new Map((await scoresOf(input.roundId)).map((entry) => [entry.applicationId, entry]));
  const complete = input.shortlisted.every((applicationId) => {
    const entry = scores.get(applicationId);
    return !entry || entry.scored.length >= input.count || entry.open === 0;
  });
  const times = (await openAssignments(input.roundId)).flatMap((open) =>
    open.remindedAt ? [open.dueAt] : [open.remindAt, open.dueAt],
  );
  const nextTimerAt = times.length > 0 ? times.reduce((a, b) => (a < b ? a : b)) : null;
  return { complete, nextTimerAt };
}

/** What falls due now: reminders to experts, and replacements for those past their deadline. */
export async function scoringTick(input: { roundId: string }): Promise<void> {
  const now = new Date().toISOString();
  await sendScoringReminders({ roundId: input.roundId, now });
  await replaceOverdueExperts({ roundId: input.roundId, now });
}

export async function recordExpertScore(input: RecordScoreInput): Promise<void> {
  await recordScore(input);
}

export async function declareExpertConflict(input: {
  roundId: string;
  applicationId: string;
  expertUserId: string;
  reason: string;
}): Promise<void> {
  await declareConflict(input as Parameters<typeof declareConflict>[0]);
}
