import { inTransaction } from '../../db';
import { Application } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { loadCalendar } from '../calendar/store';
import { NotFoundError } from '../errors';
import { chineseDate } from '../notices/wording';
import { shanghaiDate } from '../time';
import type { Deadline } from '../../workflows/stages';

/*
 * The time limit for answering a request for documents (补正期限): a decision that returns an
 * application to its applicant may set one, in working days or clock time. Past it, the
 * application lapses (see recordLapse), so that one silent applicant cannot hold up a
 * competitive round or leave an application open for ever.
 */

export interface AnswerDeadline {
  /** The instant the applicant must answer by (ISO 8601). */
  answerBy: string;
  /** The last day to answer, as a notice prints it: 2026年12月20日. */
  answerByText: string;
  /** What the refusal says if the applicant does not answer in time. */
  lapseReason: string;
}

/**
 * The deadline `answerWithin` after `requestedAt`, by the working-day calendar.
 * @throws ConflictError `CALENDAR_YEAR_MISSING` when working days run into a year not loaded.
 */
export async function answerDeadline(input: {
  requestedAt: string;
  answerWithin: Deadline;
}): Promise<AnswerDeadline> {
  const calendar = await loadCalendar();
  const answerBy = calendar.deadlineAfter(new Date(input.requestedAt), input.answerWithin);
  // The deadline is the first instant after the period: its last day is the one before it.
  const lastDay = shanghaiDate(new Date(answerBy.getTime() - 1));
  const answerByText = chineseDate(lastDay);
  return {
    answerBy: answerBy.toISOString(),
    answerByText,
    lapseReason: `申请人未在补正期限（${answerByText}前）内补正材料，视为放弃申请。`,
  };
}

/**
 * Closes an application whose applicant did not answer a request for documents in time:
 * refused, with its audit event, in one transaction. Run again, it changes nothing.
 * @throws NotFoundError when there is no such application.
 */
export async function recordLapse(input: {
  applicationId: string;
  stageId: string;
  answerBy: string;
}): Promise<void> {
  await inTransaction(async (tx) => {
    const application = await Application.findByPk(input.applicationId, {
      transaction: tx,
      lock: tx.LOCK.UPDATE,
    });
    if (!application) throw new NotFoundError('Application', input.applicationId);
    if (application.status !== 'awaiting_applicant') return;

    await application.update({ status: 'refused', updatedAt: new Date() }, { transaction: tx });
    await recordAuditEvent(tx, {
      actor: 'system:deadlines',
      action: 'application.lapsed',
      subjectType: 'application',
      subjectId: application.id,
      before: { status: 'awaiting_applicant', stage: input.stageId },
      after: { status: 'refused', stage: input.stageId, answerBy: input.answerBy },
    });
  });
}
