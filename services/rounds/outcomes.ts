import { inTransaction } from '../../db';
import { Application, Payment } from '../../db/models';
import { NotFoundError } from '../errors';
import { cancelPayment } from '../money/payments';
import { releaseCommitment } from '../money/budget';
import { releaseClaims } from '../programs/checks';
import { setApplicationStatus } from '../applications/review';
import { issueAwardWithdrawn, issueRoundResult } from './notices';

/*
 * What a competitive round does to one application, as the application's workflow records
 * it: screening starts, the candidate is not selected, or its award is withdrawn after an
 * upheld objection. Each is idempotent: a retried activity finds its own earlier write.
 */

const ACTOR = 'system:round';

async function findApplication(applicationId: string): Promise<Application> {
  const application = await Application.findByPk(applicationId);
  if (!application) throw new NotFoundError('Application', applicationId);
  return application;
}

/** The round has closed: the application leaves the waiting room for screening. */
export async function recordScreeningStart(input: {
  applicationId: string;
  actionKey: string;
}): Promise<void> {
  const application = await findApplication(input.applicationId);
  if (application.status !== 'awaiting_round') return;
  await inTransaction((tx) =>
    setApplicationStatus(tx, application.id, 'under_review', ACTOR, 'round.screening_started', {
      stage: application.stage,
    }),
  );
}

/** Not among the winners: the status is final, and a letter gives the score, rank and remedy. */
export async function recordNotSelected(input: {
  applicationId: string;
  actionKey: string;
  score: string | null;
  rank: number | null;
  rankedCount: number;
  places: number;
}): Promise<void> {
  const application = await findApplication(input.applicationId);
  // The letter first, so that an application recorded as not selected always has it.
  await issueRoundResult({
    applicationId: application.id,
    noticeKey: `${input.actionKey}:round_result`,
    score: input.score,
    rank: input.rank,
    rankedCount: input.rankedCount,
    places: input.places,
  });
  if (application.status === 'not_selected') return;
  await inTransaction(async (tx) => {
    await releaseClaims(tx, application.id, ACTOR);
    await setApplicationStatus(tx, application.id, 'not_selected', ACTOR, 'round.not_selected', {
      score: input.score,
      rank: input.rank,
      rankedCount: input.rankedCount,
      places: input.places,
    });
  });
}

/**
 * Withdraws an award after an upheld objection: a prepared payment is cancelled, the
 * commitment and the funding claims released, the status made final, and the applicant
 * told why. Money already sent to the bank is out of reach here.
 */
export async function withdrawAward(input: {
  applicationId: string;
  actionKey: string;
  reason: string;
}): Promise<void> {
  const application = await findApplication(input.applicationId);
  const prepared = await Payment.findOne({ where: { applicationId: application.id, status: 'prepared' } });
  if (prepared) await cancelPayment({ paymentId: prepared.id, cancelledBy: ACTOR, reason: input.reason });
  const paymentCancelled =
    prepared !== null ||
    (await Payment.count({ where: { applicationId: application.id, status: 'cancelled' } })) > 0;

  if (application.status !== 'award_withdrawn') {
    await inTransaction(async (tx) => {
      await releaseCommitment(tx, { applicationId: application.id, actor: ACTOR, reason: input.reason });
      await releaseClaims(tx, application.id, ACTOR);
      await setApplicationStatus(tx, application.id, 'award_withdrawn', ACTOR, 'round.award_withdrawn', {
        reason: input.reason,
        paymentCancelled,
      });
    });
  }
  await issueAwardWithdrawn({
    applicationId: application.id,
    noticeKey: `${input.actionKey}:award_withdrawn`,
    reason: input.reason,
    paymentCancelled,
  });
}
