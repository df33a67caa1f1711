import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApplicationStatus, Role, StageTable } from './stages';

/*
 * The messages of the application workflow, shared by the workflow and the API.
 * Human steps are Updates: the caller learns at once whether the step was accepted
 * or refused and why. Facts from outside (the bank, the budget) arrive as Signals.
 */

/** Who is acting, as the API authenticated them. */
export interface Actor {
  userId: string;
  role: Role;
  regionCode: string;
}

export interface ApplicationWorkflowInput {
  applicationId: string;
  reference: string;
  programCode: string;
  applicantUserId: string;
  townshipCode: string;
  districtCode: string;
  cityCode: string;
  bedIds: string[];
  /** The program's review chain as it was when the application was submitted. */
  stages: StageTable;
  /** The competitive round it was submitted to: screening waits for the round to close. */
  roundId?: string | null;
  /**
   * An award decided elsewhere — a district's line of an allocation by formula — whose
   * application starts at payment: no review stages, the commitment already made.
   */
  startAwarded?: { awardFen: string } | null;
}

export interface ApplicationState {
  applicationId: string;
  status: ApplicationStatus;
  /** The stage under way, or the stage that is waiting for the applicant. */
  stageId: string | null;
  inspections: Record<string, 'pass' | 'fail'>;
  awardFen: string | null;
  paymentId: string | null;
  paymentPreparedBy: string | null;
}

export interface DecideInput {
  actor: Actor;
  /** The stage the reviewer believes they are deciding: a stale screen is refused. */
  stageId: string;
  decision: string;
  reasons?: string[];
}

export interface InspectionInput {
  actor: Actor;
  bedId: string;
  result: 'pass' | 'fail';
  note: string;
  evidenceDocumentIds: string[];
}

export interface DocumentInput {
  actor: Actor;
  documentId: string;
  bedId: string | null;
  kind: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
}

export interface RespondInput {
  actor: Actor;
  note: string;
}

export interface PaymentActionInput {
  actor: Actor;
}

export interface BankOutcome {
  paymentId: string;
  outcome: 'paid' | 'failed';
  reason?: string;
}

export const decideUpdate = defineUpdate<ApplicationState, [DecideInput]>('decide');
export const recordInspectionUpdate = defineUpdate<ApplicationState, [InspectionInput]>('recordInspection');
export const attachDocumentUpdate = defineUpdate<ApplicationState, [DocumentInput]>('attachDocument');
export const respondUpdate = defineUpdate<ApplicationState, [RespondInput]>('respond');
export const preparePaymentUpdate = defineUpdate<ApplicationState, [PaymentActionInput]>('preparePayment');
export const approvePaymentUpdate = defineUpdate<ApplicationState, [PaymentActionInput]>('approvePayment');

export const bankOutcomeSignal = defineSignal<[BankOutcome]>('bankOutcome');

/** From the round: its window has closed, screening may begin. */
export const screeningStartSignal = defineSignal('screeningStart');

/** From the round, once its public notice is over: awarded, or not among the winners. */
export type RoundOutcome =
  | { outcome: 'awarded' }
  | {
      outcome: 'not_selected';
      score: string | null;
      rank: number | null;
      rankedCount: number;
      places: number;
    };
export const roundOutcomeSignal = defineSignal<[RoundOutcome]>('roundOutcome');

/** From the round: an objection against this award was upheld. */
export const withdrawAwardSignal = defineSignal<[{ reason: string }]>('withdrawAward');
/** The budget changed: an application waiting for funds tries its commitment again. */
export const fundsAvailableSignal = defineSignal('fundsAvailable');

export const statusQuery = defineQuery<ApplicationState>('status');

/** Failure types the workflow uses to refuse a message; the API maps each to an HTTP status. */
export const REFUSAL_TYPES = {
  FORBIDDEN_ROLE: 403,
  FORBIDDEN_REGION: 403,
  FOUR_EYES: 403,
  NOT_ALLOWED_NOW: 409,
  BUSY: 409,
  VALIDATION_FAILED: 400,
} as const;
export type RefusalType = keyof typeof REFUSAL_TYPES;

export function applicationWorkflowId(applicationId: string): string {
  return `application-${applicationId}`;
}

/**
 * The input of an application whose award was decided elsewhere (a district's line of an
 * allocation by formula, or its top-up): no review, straight to payment, in the district.
 */
export function awardedApplicationInput(award: {
  applicationId: string;
  reference: string;
  programCode: string;
  applicantUserId: string;
  districtCode: string;
  cityCode: string;
  awardFen: string;
}): ApplicationWorkflowInput {
  return {
    applicationId: award.applicationId,
    reference: award.reference,
    programCode: award.programCode,
    applicantUserId: award.applicantUserId,
    townshipCode: award.districtCode,
    districtCode: award.districtCode,
    cityCode: award.cityCode,
    bedIds: [],
    stages: { first: 'none', stages: [] },
    startAwarded: { awardFen: award.awardFen },
  };
}
