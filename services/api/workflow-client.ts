import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type UpdateDefinition,
} from '@temporalio/client';
import { AppError, ConflictError, UnavailableError } from '../errors';
import { moduleLogger } from '../logger';
import { connectClient } from '../temporal/connection';
import { config } from '../config';
import {
  REFUSAL_TYPES,
  applicationWorkflowId,
  type ApplicationState,
  type ApplicationWorkflowInput,
} from '../../workflows/application-messages';
import { roundWorkflowId, type RoundState, type RoundWorkflowInput } from '../../workflows/round-messages';
import {
  allocationWorkflowId,
  type AllocationState,
  type AllocationWorkflowInput,
} from '../../workflows/allocation-messages';

const log = moduleLogger('api.workflows');

/** Error codes from activities that reach the caller through an update, with their HTTP status. */
const ACTIVITY_ERROR_STATUS: Record<string, number> = {
  ...REFUSAL_TYPES,
  INSUFFICIENT_BUDGET: 409,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  VALIDATION_FAILED: 400,
  PARAMETER_MISSING: 409,
};

/** Starts an application's workflow; starting one that already runs is harmless. */
export async function startApplicationWorkflow(input: ApplicationWorkflowInput): Promise<void> {
  await startOnce(
    'applicationWorkflow',
    applicationWorkflowId(input.applicationId),
    input,
    'The application was recorded but its review could not start; submit again with the same Idempotency-Key.',
  );
}

/**
 * Sends an Update to an application's workflow and returns its result. A refusal by the
 * validator or a domain error in the handler becomes an AppError with its stable code.
 */
export async function updateApplication<Arg>(
  applicationId: string,
  update: UpdateDefinition<ApplicationState, [Arg]>,
  arg: Arg,
): Promise<ApplicationState> {
  return updateWorkflow(applicationWorkflowId(applicationId), update, arg);
}

/** The same for a competitive round's workflow. */
export async function updateRound<Arg>(
  roundId: string,
  update: UpdateDefinition<RoundState, [Arg]>,
  arg: Arg,
): Promise<RoundState> {
  return updateWorkflow(roundWorkflowId(roundId), update, arg, 'round');
}

async function updateWorkflow<State, Arg>(
  workflowId: string,
  update: UpdateDefinition<State, [Arg]>,
  arg: Arg,
  what: 'application' | 'round' | 'allocation' = 'application',
): Promise<State> {
  const client = await connectClient();
  try {
    return await client.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg] });
  } catch (error) {
    throw toAppError(error, what);
  }
}

/** Starts a round's workflow; starting one that already runs is harmless. */
export async function startRoundWorkflow(input: RoundWorkflowInput): Promise<void> {
  await startOnce(
    'roundWorkflow',
    roundWorkflowId(input.roundId),
    input,
    'The round was recorded but its workflow could not start; try again shortly.',
  );
}

/** Starts an allocation's workflow; starting one that already runs is harmless. */
export async function startAllocationWorkflow(input: AllocationWorkflowInput): Promise<void> {
  await startOnce(
    'allocationWorkflow',
    allocationWorkflowId(input.allocationId),
    input,
    'The allocation was recorded but its workflow could not start; try again shortly.',
  );
}

/** The same Update path for an allocation's workflow. */
export async function updateAllocation<Arg>(
  allocationId: string,
  update: UpdateDefinition<AllocationState, [Arg]>,
  arg: Arg,
): Promise<AllocationState> {
  return updateWorkflow(allocationWorkflowId(allocationId), update, arg, 'allocation');
}

/** Starts a workflow under its id, once: the record it drives is already written. */
async function startOnce(
  workflowType: string,
  workflowId: string,
  input: unknown,
  failure: string,
): Promise<void> {
  const client = await connectClient();
  try {
    await client.workflow.start(workflowType, {
      taskQueue: config().temporalTaskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    log.error({ err: error, workflowId }, 'workflow start failed');
    throw new UnavailableError(failure);
  }
}

/** Signals a round's workflow, e.g. that an objection was filed. */
export async function signalRound(roundId: string, signal: string, ...args: unknown[]): Promise<void> {
  const client = await connectClient();
  await client.workflow.getHandle(roundWorkflowId(roundId)).signal(signal, ...args);
}

export async function signalApplication(
  applicationId: string,
  signal: string,
  ...args: unknown[]
): Promise<void> {
  const client = await connectClient();
  await client.workflow.getHandle(applicationWorkflowId(applicationId)).signal(signal, ...args);
}

function toAppError(error: unknown, what: string): Error {
  if (error instanceof WorkflowNotFoundError) {
    return new ConflictError(
      `This ${what} has finished; nothing more can be done to it.`,
      'APPLICATION_CLOSED',
    );
  }
  if (error instanceof WorkflowUpdateFailedError) {
    const failure = findApplicationFailure(error.cause);
    const [details, meta] = (failure?.details ?? []) as [unknown, { status?: number } | undefined];
    const status = meta?.status ?? (failure?.type ? ACTIVITY_ERROR_STATUS[failure.type] : undefined);
    if (failure?.type && status !== undefined) {
      return new AppError(status, failure.type, failure.message, details ?? undefined);
    }
  }
  const message = (error as Error).message ?? '';
  if (/workflow execution already completed/i.test(message)) {
    return new ConflictError(
      `This ${what} has finished; nothing more can be done to it.`,
      'APPLICATION_CLOSED',
    );
  }
  return error as Error;
}

function findApplicationFailure(error: unknown): ApplicationFailure | undefined {
  for (let current = error; current; current = (current as Error).cause) {
    if (current instanceof ApplicationFailure && current.type) return current;
  }
  return undefined;
}
