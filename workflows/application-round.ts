import { getExternalWorkflowHandle, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from '../activities';
import {
  roundOutcomeSignal,
  screeningStartSignal,
  withdrawAwardSignal,
  type ApplicationState,
  type ApplicationWorkflowInput,
  type RoundOutcome,
} from './application-messages';
import { roundWorkflowId, screenedSignal } from './round-messages';

/*
 * An application's part in a competitive round, beside its own steps: it waits for the
 * round to close before screening, tells the round how screening ended, and takes the
 * round's outcome — the award, a letter with its score and rank, or a withdrawn award.
 */

const act = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/** Statuses at which an award exists that an upheld objection can still withdraw. */
const WITHDRAWABLE = ['awaiting_funds', 'awaiting_payment', 'payment_prepared'];

export interface RoundHooks {
  state: ApplicationState;
  isBusy(): boolean;
  nextActionKey(): string;
  settleAward(): Promise<void>;
}

export interface RoundParticipation {
  /** True when a message from the round waits to be acted on. */
  ready(): boolean;
  /** Acts on it. */
  step(): Promise<void>;
  /** Tells the round that screening ended, shortlisted or refused. */
  reportScreening(outcome: 'shortlisted' | 'refused'): Promise<void>;
}

export function joinRound(input: ApplicationWorkflowInput, hooks: RoundHooks): RoundParticipation {
  const { state } = hooks;
  let screeningMayStart = false;
  const outcomes: RoundOutcome[] = [];
  let withdrawal: { reason: string } | null = null;

  setHandler(screeningStartSignal, () => {
    screeningMayStart = true;
  });
  setHandler(roundOutcomeSignal, (outcome) => {
    outcomes.push(outcome);
  });
  setHandler(withdrawAwardSignal, (request) => {
    withdrawal = request;
  });

  const ready = (): boolean =>
    !hooks.isBusy() &&
    ((state.status === 'awaiting_round' && screeningMayStart) ||
      (state.status === 'in_round' && outcomes.length > 0) ||
      (withdrawal !== null && WITHDRAWABLE.includes(state.status)));

  async function step(): Promise<void> {
    if (state.status === 'awaiting_round' && screeningMayStart) {
      await act.recordScreeningStart({
        applicationId: input.applicationId,
        actionKey: hooks.nextActionKey(),
      });
      state.status = 'under_review';
      return;
    }
    const outcome = state.status === 'in_round' ? outcomes.shift() : undefined;
    if (outcome?.outcome === 'awarded') {
      await hooks.settleAward();
      return;
    }
    if (outcome?.outcome === 'not_selected') {
      await act.recordNotSelected({
        applicationId: input.applicationId,
        actionKey: hooks.nextActionKey(),
        ...outcome,
      });
      state.status = 'not_selected';
      return;
    }
    if (withdrawal && WITHDRAWABLE.includes(state.status)) {
      const { reason } = withdrawal;
      withdrawal = null;
      await act.withdrawAward({
        applicationId: input.applicationId,
        actionKey: hooks.nextActionKey(),
        reason,
      });
      state.status = 'award_withdrawn';
      state.paymentId = null;
    }
  }

  async function reportScreening(outcome: 'shortlisted' | 'refused'): Promise<void> {
    if (!input.roundId) return;
    await getExternalWorkflowHandle(roundWorkflowId(input.roundId)).signal(screenedSignal, {
      applicationId: input.applicationId,
      outcome,
    });
  }

  return { ready, step, reportScreening };
}
