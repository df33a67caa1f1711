import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '../services/errors';
import * as review from '../services/applications/review';
import { settleAward as settle } from '../services/applications/award';
import { issueApplicationNotice as issueNotice } from '../services/applications/notices';
import * as disbursement from '../services/applications/disbursement';
import * as allocations from '../services/allocations/allocations';
import * as allocationLines from '../services/allocations/lines';
import * as allocationNotices from '../services/allocations/notices';

/*
 * Activities: thin wrappers over the domain services, which do the work in transactions.
 * An error the user caused (a 4xx AppError) is not worth retrying: it becomes a
 * non-retryable ApplicationFailure carrying its stable code; anything else is retried.
 */
function activity<A extends unknown[], R>(work: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await work(...args);
    } catch (error) {
      if (error instanceof AppError && error.status < 500) {
        throw ApplicationFailure.create({
          type: error.code,
          message: error.message,
          nonRetryable: true,
          // The HTTP status travels too, so that the API answers as the service meant.
          details: [error.details ?? null, { status: error.status }],
        });
      }
      throw error;
    }
  };
}

export const recordDecision = activity(review.recordDecision);
export const recordBedInspection = activity(review.recordBedInspection);
export const recordDocument = activity(review.recordDocument);
export const recordApplicantResponse = activity(review.recordApplicantResponse);
export const settleAward = activity(settle);
export const issueApplicationNotice = activity(issueNotice);
export const preparePayment = activity(disbursement.preparePayment);
export const approvePayment = activity(disbursement.approvePayment);
export const recordPaymentOutcome = activity(disbursement.recordPaymentOutcome);

// Time limits for answering a request for documents (补正期限), and the lapse past them.
import * as answers from '../services/applications/answer-deadline';
export const answerDeadline = activity(answers.answerDeadline);
export const recordLapse = activity(answers.recordLapse);

// Stage deadlines: reminders and escalations past a stage's SLA.
import * as deadlines from '../services/applications/deadlines';
export const scheduleStageDeadline = activity(deadlines.scheduleStageDeadline);
export const sendStageReminder = activity(deadlines.sendStageReminder);
export const escalateStage = activity(deadlines.escalateStage);
export const closeStageDeadline = activity(deadlines.closeStageDeadline);

// Competitive rounds: what a round does to one application, and the round's own steps.
import * as roundOutcomes from '../services/rounds/outcomes';
export const recordScreeningStart = activity(roundOutcomes.recordScreeningStart);
export const recordNotSelected = activity(roundOutcomes.recordNotSelected);
export const withdrawAward = activity(roundOutcomes.withdrawAward);
import * as rounds from '../services/rounds/rounds';
import * as roundSteps from '../services/rounds/round-steps';
import * as scoring from '../services/rounds/scoring';
import { recordObjectionResolution } from '../services/rounds/objections';
export const setRoundStatus = activity(rounds.setRoundStatus);
export const roundApplicationIds = activity(roundSteps.roundApplicationIds);
export const assignExperts = activity(scoring.drawApplicationExperts);
export const scoringProgress = activity(scoring.scoringProgress);
export const scoringTick = activity(scoring.scoringTick);
export const recordExpertScore = activity(scoring.recordExpertScore);
export const declareExpertConflict = activity(scoring.declareExpertConflict);
export const rankRound = activity(roundSteps.rankRound);
export const approveRanking = activity(roundSteps.approveRanking);
export const publishNoticeList = activity(roundSteps.publishNoticeList);
export const removeCandidate = activity(roundSteps.removeCandidate);
export const notSelectedOutcomes = activity(roundSteps.notSelectedOutcomes);
export const pendingObjections = activity(roundSteps.pendingObjections);
export const resolveObjection = activity(async (input: Parameters<typeof recordObjectionResolution>[0]) => {
  await recordObjectionResolution(input);
});

// Allocations by formula: approval, each district's notice, acknowledgement and usage reports.
export const approveAllocation = activity(allocations.approveAllocation);
export const issueAllocationLineNotice = activity(allocationNotices.issueAllocationLineNotice);
export const acknowledgeAllocationLine = activity(allocationLines.acknowledgeLine);
export const recordUsageReport = activity(allocationLines.recordUsageReport);
export const remindUsageReports = activity(allocationLines.remindUsageReports);
export const markUsageOverdue = activity(allocationLines.markUsageOverdue);
export const closeAllocation = activity(allocationLines.closeAllocation);
