import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { AnswerDeadline } from '../services/applications/answer-deadline';
import {
  approvePaymentUpdate,
  attachDocumentUpdate,
  bankOutcomeSignal,
  decideUpdate,
  fundsAvailableSignal,
  preparePaymentUpdate,
  recordInspectionUpdate,
  respondUpdate,
  statusQuery,
  type Actor,
  type ApplicationState,
  type ApplicationWorkflowInput,
  type BankOutcome,
  type DecideInput,
  type RefusalType,
} from './application-messages';
import { FINAL_STATUSES, findStage, positionAfter, regionForLevel, type StageDefinition } from './stages';
import { followStageDeadlines } from './stage-deadlines';
import { joinRound } from './application-round';

const act = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

function refuse(type: RefusalType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/**
 * One application from submission to payment (or refusal). The review chain comes from
 * the program's stage table, pinned at submission; this code knows no program. Each
 * human step is an Update whose validator refuses what is not allowed now; its handler
 * records the step through an activity and returns the new state.
 */
export async function applicationWorkflow(input: ApplicationWorkflowInput): Promise<ApplicationState> {
  const state: ApplicationState = {
    applicationId: input.applicationId,
    status: input.startAwarded ? 'awaiting_payment' : input.roundId ? 'awaiting_round' : 'under_review',
    stageId: input.startAwarded ? null : input.stages.first,
    inspections: {},
    awardFen: input.startAwarded?.awardFen ?? null,
    paymentId: null,
    paymentPreparedBy: null,
  };
  // Stage deadlines: reminders and escalations by durable timers, beside the steps below.
  const stageDeadlines = followStageDeadlines(input, () => state);
  // One step at a time: an Update whose handler is still writing keeps others out.
  let busy = false;
  let actions = 0;
  let fundsMayBeAvailable = false;
  // Set while the applicant has a time limit for answering a request for documents.
  let answerLimit = null as AnswerDeadline | null;
  const bankOutcomes: BankOutcome[] = [];
  const region = {
    townshipCode: input.townshipCode,
    districtCode: input.districtCode,
    cityCode: input.cityCode,
  };

  // Activity keys are deterministic, so a retried activity recognises its own earlier write.
  const nextActionKey = (): string => `${workflowInfo().workflowId}:${++actions}`;

  // Competitive programs only: the round decides after screening; see application-round.ts.
  const round = joinRound(input, {
    state,
    isBusy: () => busy,
    nextActionKey,
    settleAward: () => settleAward({ userId: 'system:round', role: 'admin', regionCode: input.cityCode }),
  });

  const currentStage = (): StageDefinition => {
    const stage = state.stageId ? findStage(input.stages, state.stageId) : undefined;
    if (!stage) throw ApplicationFailure.nonRetryable(`Unknown stage ${state.stageId}`, 'BROKEN_STAGE_TABLE');
    return stage;
  };

  const requireIdle = (): void => {
    if (busy) refuse('BUSY', 'Another action on this application is being recorded; try again in a moment.');
  };

  const requireStageActor = (actor: Actor, stage: StageDefinition): void => {
    if (actor.role !== stage.role) {
      refuse('FORBIDDEN_ROLE', `Stage ${stage.name} is decided by role ${stage.role}, not ${actor.role}.`);
    }
    const expected = regionForLevel(stage.level, region);
    if (actor.regionCode !== expected) {
      refuse('FORBIDDEN_REGION', `Stage ${stage.name} of this application is decided in region ${expected}.`);
    }
  };

  const requireStatus = (...allowed: ApplicationState['status'][]): void => {
    if (!allowed.includes(state.status)) {
      refuse('NOT_ALLOWED_NOW', `Not allowed while the application is ${state.status}.`);
    }
  };

  const whileBusy = async (work: () => Promise<void>): Promise<ApplicationState> => {
    busy = true;
    try {
      await work();
    } finally {
      busy = false;
    }
    return { ...state };
  };

  setHandler(statusQuery, () => ({ ...state }));

  setHandler(decideUpdate, (decide) => whileBusy(() => applyDecision(decide)), {
    validator: (decide) => {
      requireIdle();
      requireStatus('under_review');
      const stage = currentStage();
      if (decide.stageId !== stage.id) {
        refuse('NOT_ALLOWED_NOW', `The application is at stage ${stage.name}, not ${decide.stageId}.`);
      }
      requireStageActor(decide.actor, stage);
      const rule = stage.decisions[decide.decision];
      if (!rule) {
        const allowed = Object.keys(stage.decisions).join(', ');
        refuse(
          'VALIDATION_FAILED',
          `Stage ${stage.name} allows the decisions ${allowed}, not ${decide.decision}.`,
        );
      }
      if (rule.reasonsRequired && !(decide.reasons ?? []).some((r: string) => r.trim() !== '')) {
        refuse('VALIDATION_FAILED', `The decision ${decide.decision} must give its reasons.`);
      }
      if (stage.kind === 'inspection') {
        const missing = input.bedIds.filter((id) => !state.inspections[id]);
        if (missing.length > 0) {
          refuse(
            'NOT_ALLOWED_NOW',
            `Record the on-site result of every bed first: ${missing.length} still open.`,
          );
        }
      }
    },
  });

  async function applyDecision(decide: DecideInput): Promise<void> {
    const stage = currentStage();
    const rule = stage.decisions[decide.decision];
    if (!rule) return;
    const target = rule.target;
    const next = positionAfter(rule.target, stage.id);

    // Worked out before anything is written: a calendar year not loaded refuses the decision.
    const limit =
      target.to === 'applicant' && rule.answerWithin
        ? await act.answerDeadline({
            requestedAt: new Date().toISOString(),
            answerWithin: rule.answerWithin,
          })
        : null;
    const actionKey = nextActionKey();
    await act.recordDecision({
      applicationId: input.applicationId,
      actionKey,
      stageId: stage.id,
      stageName: stage.name,
      decision: decide.decision,
      actor: decide.actor,
      reasons: decide.reasons ?? [],
      nextStatus: next.status,
      nextStageId: next.stageId,
    });
    Object.assign(state, next);
    if (limit) answerLimit = limit;
    if (target.to === 'round') await round.reportScreening('shortlisted');
    if (target.to === 'refused') await round.reportScreening('refused');

    if (rule.notice) {
      await act.issueApplicationNotice({
        applicationId: input.applicationId,
        kind: rule.notice,
        noticeKey: `${actionKey}:${rule.notice}`,
        stageName: stage.name,
        reasons: decide.reasons ?? [],
        deadline: limit?.answerByText,
      });
    }
    if (target.to === 'award') await settleAward(decide.actor);
  }

  /** The applicant let the time limit for documents pass: refused, with a notice saying so. */
  async function lapse(limit: AnswerDeadline): Promise<void> {
    answerLimit = null;
    const stage = currentStage();
    await act.recordLapse({
      applicationId: input.applicationId,
      stageId: stage.id,
      answerBy: limit.answerBy,
    });
    state.status = 'refused';
    await round.reportScreening('refused');
    const actionKey = nextActionKey();
    await act.issueApplicationNotice({
      applicationId: input.applicationId,
      kind: 'refusal',
      noticeKey: `${actionKey}:refusal`,
      stageName: stage.name,
      reasons: [limit.lapseReason],
    });
  }

  async function settleAward(actor: Actor): Promise<void> {
    const actionKey = nextActionKey();
    const result = await act.settleAward({ applicationId: input.applicationId, actionKey, actor });
    if (result.outcome === 'ineligible') {
      state.status = 'refused';
      await act.issueApplicationNotice({
        applicationId: input.applicationId,
        kind: 'refusal',
        noticeKey: `${actionKey}:refusal`,
        stageName: currentStage().name,
        reasons: result.reasons,
      });
      return;
    }
    if (result.outcome === 'awaiting_funds') {
      state.status = 'awaiting_funds';
      return;
    }
    state.status = 'awaiting_payment';
    state.awardFen = result.awardFen;
    await act.issueApplicationNotice({
      applicationId: input.applicationId,
      kind: 'award',
      noticeKey: `${actionKey}:award`,
      stageName: currentStage().name,
      reasons: [],
    });
  }

  setHandler(
    recordInspectionUpdate,
    (inspection) =>
      whileBusy(async () => {
        await act.recordBedInspection({
          ...inspection,
          applicationId: input.applicationId,
          actionKey: nextActionKey(),
        });
        state.inspections[inspection.bedId] = inspection.result;
      }),
    {
      validator: (inspection) => {
        requireIdle();
        requireStatus('under_review');
        const stage = currentStage();
        if (stage.kind !== 'inspection')
          refuse('NOT_ALLOWED_NOW', `Beds are inspected on site, not at ${stage.name}.`);
        requireStageActor(inspection.actor, stage);
        if (!input.bedIds.includes(inspection.bedId)) {
          refuse('VALIDATION_FAILED', `Bed ${inspection.bedId} is not part of this application.`);
        }
      },
    },
  );

  setHandler(
    attachDocumentUpdate,
    (document) =>
      whileBusy(() =>
        act.recordDocument({ ...document, applicationId: input.applicationId, actionKey: nextActionKey() }),
      ),
    {
      validator: (document) => {
        requireIdle();
        if (document.bedId !== null && !input.bedIds.includes(document.bedId)) {
          refuse('VALIDATION_FAILED', `Bed ${document.bedId} is not part of this application.`);
        }
        if (document.actor.role === 'applicant') {
          if (document.actor.userId !== input.applicantUserId)
            refuse('FORBIDDEN_ROLE', 'Only the applicant may add documents.');
          const openForApplicant =
            state.status === 'awaiting_applicant' ||
            state.status === 'awaiting_round' ||
            (state.status === 'under_review' && state.stageId === input.stages.first);
          if (!openForApplicant) {
            refuse(
              'NOT_ALLOWED_NOW',
              'Documents can be added before acceptance or when the reviewers ask for them.',
            );
          }
          return;
        }
        // Reviewers attach evidence to the stage they are working on.
        requireStatus('under_review');
        requireStageActor(document.actor, currentStage());
      },
    },
  );

  setHandler(
    respondUpdate,
    (response) =>
      whileBusy(async () => {
        await act.recordApplicantResponse({
          applicationId: input.applicationId,
          actionKey: nextActionKey(),
          actor: response.actor,
          note: response.note,
          stageId: state.stageId ?? input.stages.first,
        });
        answerLimit = null;
        state.status = 'under_review';
      }),
    {
      validator: (response) => {
        requireIdle();
        requireStatus('awaiting_applicant');
        if (response.actor.userId !== input.applicantUserId) {
          refuse('FORBIDDEN_ROLE', 'Only the applicant can answer a request for more information.');
        }
        if (response.note.trim() === '') refuse('VALIDATION_FAILED', 'Say what was supplied or corrected.');
      },
    },
  );

  setHandler(
    preparePaymentUpdate,
    ({ actor }) =>
      whileBusy(async () => {
        const payment = await act.preparePayment({
          applicationId: input.applicationId,
          actor,
          reference: `PAY-${input.reference}-${actions + 1}`,
          actionKey: nextActionKey(),
        });
        state.status = 'payment_prepared';
        state.paymentId = payment.paymentId;
        state.paymentPreparedBy = actor.userId;
      }),
    {
      validator: ({ actor }) => {
        requireIdle();
        requireStatus('awaiting_payment');
        if (actor.role !== 'finance_officer')
          refuse('FORBIDDEN_ROLE', 'Payments are prepared by a finance officer.');
      },
    },
  );

  setHandler(
    approvePaymentUpdate,
    ({ actor }) =>
      whileBusy(async () => {
        await act.approvePayment({
          applicationId: input.applicationId,
          paymentId: state.paymentId ?? '',
          actor,
        });
        state.status = 'payment_sent';
      }),
    {
      validator: ({ actor }) => {
        requireIdle();
        requireStatus('payment_prepared');
        if (actor.role !== 'finance_officer')
          refuse('FORBIDDEN_ROLE', 'Payments are approved by a finance officer.');
        if (actor.userId === state.paymentPreparedBy) {
          refuse(
            'FOUR_EYES',
            'A payment must be approved by a different finance officer from the one who prepared it.',
          );
        }
      },
    },
  );

  setHandler(bankOutcomeSignal, (outcome) => {
    bankOutcomes.push(outcome);
  });
  setHandler(fundsAvailableSignal, () => {
    fundsMayBeAvailable = true;
  });

  const somethingToDo = (): boolean =>
    FINAL_STATUSES.includes(state.status) ||
    (state.status === 'awaiting_funds' && fundsMayBeAvailable && !busy) ||
    (state.status === 'payment_sent' && bankOutcomes.length > 0 && !busy) ||
    round.ready();

  while (!FINAL_STATUSES.includes(state.status)) {
    const limit: AnswerDeadline | null = state.status === 'awaiting_applicant' ? answerLimit : null;
    if (limit) {
      // A durable timer: the applicant's answer clears the limit and wakes this early.
      const woken = await condition(
        () => somethingToDo() || answerLimit !== limit,
        Math.max(1, Date.parse(limit.answerBy) - Date.now()),
      );
      // Past the limit, once no other step is being recorded.
      if (!woken && answerLimit === limit && state.status === 'awaiting_applicant' && !busy) {
        await whileBusy(() => lapse(limit));
      }
      if (!woken) continue;
    } else {
      // A request for documents with a time limit starts its timer on the next turn.
      await condition(
        () => somethingToDo() || (state.status === 'awaiting_applicant' && answerLimit !== null),
      );
      if (!somethingToDo()) continue;
    }
    if (round.ready()) await round.step();
    if (state.status === 'awaiting_funds' && fundsMayBeAvailable) {
      fundsMayBeAvailable = false;
      await settleAward({ userId: 'system:budget', role: 'admin', regionCode: input.cityCode });
    }
    const outcome = state.status === 'payment_sent' ? bankOutcomes.shift() : undefined;
    if (outcome && outcome.paymentId === state.paymentId) await applyBankOutcome(outcome);
  }

  async function applyBankOutcome(outcome: BankOutcome): Promise<void> {
    const actionKey = nextActionKey();
    if (outcome.outcome === 'paid') {
      // The notice first, so that an application recorded as paid always has its payment notice.
      await act.issueApplicationNotice({
        applicationId: input.applicationId,
        kind: 'payment',
        noticeKey: `${actionKey}:payment`,
        stageName: '资金拨付',
        reasons: [],
      });
    }
    await act.recordPaymentOutcome({ applicationId: input.applicationId, actionKey, ...outcome });
    if (outcome.outcome === 'failed') {
      // The commitment stands: finance corrects the account and prepares a new payment.
      state.status = 'awaiting_payment';
      state.paymentId = null;
      state.paymentPreparedBy = null;
      return;
    }
    state.status = 'paid';
  }

  await stageDeadlines.settled();
  await condition(allHandlersFinished);
  return { ...state };
}
