import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  sleep,
  type SignalDefinition,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import {
  applicationWorkflowId,
  roundOutcomeSignal,
  screeningStartSignal,
  withdrawAwardSignal,
  type Actor,
} from './application-messages';
import {
  approveRankingUpdate,
  declareConflictUpdate,
  objectionFiledSignal,
  resolveObjectionUpdate,
  roundStatusQuery,
  scoreUpdate,
  screenedSignal,
  type ResolveObjectionInput,
  type RoundState,
  type RoundStatus,
  type RoundWorkflowInput,
} from './round-messages';
import type { RefusalType } from './application-messages';

const act = proxyActivities<typeof activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

function refuse(type: RefusalType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

async function sleepUntil(isoTime: string): Promise<void> {
  const remaining = Date.parse(isoTime) - Date.now();
  if (remaining > 0) await sleep(remaining);
}

/**
 * One competitive round (竞争立项), from its window to its last award: the window opens and
 * closes on durable timers; the applications are screened by their own workflows; experts
 * are drawn at random and score; the round is ranked and the city approves the list; the
 * winners are published (公示) and objections resolved, an upheld one promoting the next
 * candidate with its own notice period; each winner is awarded when its period ends, and
 * the others get their letters when nothing is left open.
 */
export async function roundWorkflow(input: RoundWorkflowInput): Promise<RoundState> {
  const { roundId, competition } = input;
  const state: RoundState = {
    roundId,
    status: 'scheduled',
    applications: 0,
    screened: 0,
    shortlisted: [],
    winners: [],
    pendingObjections: [],
  };
  const screening = new Map<string, 'shortlisted' | 'refused'>();
  const objections = new Map<string, string>();
  // Resolved here; a read of the record that started before the resolution must not revive it.
  const resolvedObjections = new Set<string>();
  const noticeEnds = new Map<string, number>();
  const awarded = new Set<string>();
  const removed = new Set<string>();
  let approved = false;
  // Scores from many experts may be recorded at once; approval and objections wait for them.
  let inFlight = 0;
  // Bumped by every message handled, so that the main loop wakes to look again.
  let changes = 0;
  let noticeSequence = 0;

  const whileBusy = async (work: () => Promise<void>): Promise<RoundState> => {
    inFlight++;
    try {
      await work();
    } finally {
      inFlight--;
      changes++;
    }
    return { ...state, pendingObjections: [...objections.keys()] };
  };
  const requireIdle = (): void => {
    if (inFlight > 0)
      refuse('BUSY', 'Another action on this round is being recorded; try again in a moment.');
  };
  const requireStatus = (status: RoundStatus, doing: string): void => {
    if (state.status !== status)
      refuse('NOT_ALLOWED_NOW', `${doing} is not possible while the round is ${state.status}.`);
  };
  const requireRole = (actor: Actor, role: Actor['role'], doing: string): void => {
    if (actor.role !== role) refuse('FORBIDDEN_ROLE', `${doing} is for the role ${role}, not ${actor.role}.`);
  };
  const requireShortlisted = (applicationId: string): void => {
    if (!state.shortlisted.includes(applicationId)) {
      refuse(
        'VALIDATION_FAILED',
        `Application ${applicationId} is not among the round's screened applications.`,
      );
    }
  };
  const setStatus = async (status: RoundStatus): Promise<void> => {
    await act.setRoundStatus({ roundId, status });
    state.status = status;
  };
  const signalApplication = async <A extends unknown[]>(
    applicationId: string,
    signal: SignalDefinition<A>,
    ...args: A
  ): Promise<void> => {
    try {
      await getExternalWorkflowHandle(applicationWorkflowId(applicationId)).signal(signal, ...args);
    } catch (error) {
      // An application whose workflow has ended has nothing left to hear.
      log.warn('application could not be signalled', { applicationId, error: String(error) });
    }
  };

  setHandler(roundStatusQuery, () => ({ ...state, pendingObjections: [...objections.keys()] }));
  setHandler(screenedSignal, ({ applicationId, outcome }) => {
    screening.set(applicationId, outcome);
    state.screened = screening.size;
    changes++;
  });
  setHandler(objectionFiledSignal, ({ objectionId, applicationId }) => {
    if (!resolvedObjections.has(objectionId)) objections.set(objectionId, applicationId);
    changes++;
  });

  setHandler(
    scoreUpdate,
    (score) =>
      whileBusy(() =>
        act.recordExpertScore({
          roundId,
          applicationId: score.applicationId,
          expertUserId: score.actor.userId,
          scores: score.scores,
          comment: score.comment ?? null,
          rubric: competition.rubric,
          commentRequiredBelow: competition.commentRequiredBelow,
        }),
      ),
    {
      validator: (score) => {
        requireStatus('scoring', 'Scoring');
        requireRole(score.actor, 'expert', 'Scoring');
        requireShortlisted(score.applicationId);
      },
    },
  );

  setHandler(
    declareConflictUpdate,
    (conflict) =>
      whileBusy(async () => {
        await act.declareExpertConflict({
          roundId,
          applicationId: conflict.applicationId,
          expertUserId: conflict.actor.userId,
          reason: conflict.reason,
        });
      }),
    {
      validator: (conflict) => {
        requireStatus('scoring', 'Declaring a conflict of interest');
        requireRole(conflict.actor, 'expert', 'Declaring a conflict of interest');
        requireShortlisted(conflict.applicationId);
        if (conflict.reason.trim() === '')
          refuse('VALIDATION_FAILED', 'Say what the conflict of interest is.');
      },
    },
  );

  setHandler(
    approveRankingUpdate,
    ({ actor }) =>
      whileBusy(async () => {
        await act.approveRanking({ roundId, actor: actor.userId });
        approved = true;
      }),
    {
      validator: ({ actor }) => {
        requireIdle();
        requireStatus('ranked', 'Approving the ranking');
        requireRole(actor, 'city_reviewer', 'Approving the ranking');
      },
    },
  );

  setHandler(resolveObjectionUpdate, (resolution) => whileBusy(() => resolveObjection(resolution)), {
    validator: ({ actor, objectionId, resolution }) => {
      requireIdle();
      requireRole(actor, 'city_reviewer', 'Resolving an objection');
      if (!objections.has(objectionId)) refuse('NOT_ALLOWED_NOW', `Objection ${objectionId} is not pending.`);
      if (resolution.trim() === '') refuse('VALIDATION_FAILED', 'Give the reasons for the resolution.');
    },
  });

  async function resolveObjection(input: ResolveObjectionInput): Promise<void> {
    const applicationId = objections.get(input.objectionId) as string;
    await act.resolveObjection({
      objectionId: input.objectionId,
      upheld: input.upheld,
      resolution: input.resolution,
      actor: input.actor.userId,
    });
    objections.delete(input.objectionId);
    resolvedObjections.add(input.objectionId);
    if (!input.upheld || removed.has(applicationId)) return;

    removed.add(applicationId);
    const { promoted } = await act.removeCandidate({ roundId, applicationId, reason: input.resolution });
    state.winners = state.winners.filter((winner) => winner !== applicationId);
    noticeEnds.delete(applicationId);
    if (awarded.has(applicationId)) {
      await signalApplication(applicationId, withdrawAwardSignal, { reason: input.resolution });
    }
    if (promoted) {
      // The promoted candidate gets a notice period of its own before its award.
      state.winners.push(promoted);
      await publish([promoted]);
    }
  }

  async function publish(applicationIds: string[]): Promise<void> {
    // A promotion after the first periods ended puts the round back in notice for it.
    if (state.status === 'awarding') await setStatus('public_notice');
    const { periodEndsAt } = await act.publishNoticeList({
      roundId,
      sequence: ++noticeSequence,
      applicationIds,
    });
    for (const id of applicationIds) noticeEnds.set(id, Date.parse(periodEndsAt));
  }

  // The window, on durable timers.
  await sleepUntil(input.opensAt);
  await setStatus('open');
  await sleepUntil(input.closesAt);
  await setStatus('screening');

  // Screening: each application's own workflow runs the program's screening stages.
  const applicationIds = await act.roundApplicationIds({ roundId });
  state.applications = applicationIds.length;
  for (const id of applicationIds) await signalApplication(id, screeningStartSignal);
  // Screening ends for every application: a request for documents (补正) carries the program's
  // time limit (answerWithin), past which the application lapses and reports itself refused.
  await condition(() => applicationIds.every((id) => screening.has(id)));
  state.shortlisted = applicationIds.filter((id) => screening.get(id) === 'shortlisted');

  if (state.shortlisted.length > 0) {
    await scoreRound();
    // Ranked only once the ranking is stored: the city reads it before approving.
    state.winners = (await act.rankRound({ roundId, shortlisted: state.shortlisted })).winners;
    await setStatus('ranked');
    await condition(() => approved && inFlight === 0);

    await setStatus('public_notice');
    if (state.winners.length > 0) await publish([...state.winners]);
    await awardAsNoticesEnd();

    for (const outcome of await act.notSelectedOutcomes({ roundId, shortlisted: state.shortlisted })) {
      const { applicationId, ...letter } = outcome;
      if (awarded.has(applicationId)) continue;
      await signalApplication(applicationId, roundOutcomeSignal, { outcome: 'not_selected', ...letter });
    }
  }
  await setStatus('closed');
  await condition(allHandlersFinished);
  return { ...state, pendingObjections: [...objections.keys()] };

  /**
   * Waits for a message after the one counted as `seen`, or `timeoutMs` when given. Callers
   * take `seen` before they look at the record, so that a message arriving while they look
   * is not missed. @returns false when the time ran out first.
   */
  async function changedWithin(seen: number, timeoutMs: number | undefined): Promise<boolean> {
    if (timeoutMs === undefined) {
      await condition(() => changes !== seen);
      return true;
    }
    return condition(() => changes !== seen, Math.max(1, timeoutMs));
  }

  /** Draws the experts, then waits for their scores, reminding and replacing on the deadlines. */
  async function scoreRound(): Promise<void> {
    await setStatus('scoring');
    for (const applicationId of state.shortlisted) {
      await act.assignExperts({
        roundId,
        applicationId,
        count: competition.expertsPerApplication,
        scoringPeriod: competition.scoringPeriod,
        reminderAfter: competition.reminderAfter,
      });
    }
    for (;;) {
      const seen = changes;
      const progress = await act.scoringProgress({
        roundId,
        shortlisted: state.shortlisted,
        count: competition.expertsPerApplication,
      });
      if (progress.complete) return;
      const timeout = progress.nextTimerAt ? Date.parse(progress.nextTimerAt) - Date.now() : undefined;
      if (!(await changedWithin(seen, timeout))) await act.scoringTick({ roundId });
    }
  }

  /** Each winner's award goes out when its notice period ends; the round waits for all. */
  async function awardAsNoticesEnd(): Promise<void> {
    for (;;) {
      const seen = changes;
      for (const { objectionId, applicationId } of await act.pendingObjections({ roundId })) {
        if (!resolvedObjections.has(objectionId)) objections.set(objectionId, applicationId);
      }
      for (const [applicationId, endsAt] of [...noticeEnds]) {
        if (endsAt > Date.now()) continue;
        noticeEnds.delete(applicationId);
        awarded.add(applicationId);
        await signalApplication(applicationId, roundOutcomeSignal, { outcome: 'awarded' });
      }
      if (noticeEnds.size === 0 && state.status === 'public_notice') await setStatus('awarding');
      if (noticeEnds.size === 0 && objections.size === 0 && inFlight === 0) return;
      await changedWithin(
        seen,
        noticeEnds.size > 0 ? Math.min(...noticeEnds.values()) - Date.now() : undefined,
      );
    }
  }
}
