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
  const client = await connectClient();
  try {
    await client.workflow.start('applicationWorkflow', {
      taskQueue: config().temporalTaskQueue,
      workflowId: applicationWorkflowId(input.applicationId),
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    log.error({ err: error, applicationId: input.applicationId }, 'workflow start failed');
    throw new UnavailableError(
      'The application was recorded but its review could not start; submit again with the same Idempotency-Key.',
    );
  }
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
  const client = await connectClient();
  const handle = client.workflow.getHandle(applicationWorkflowId(applicationId));
  try {
    return await handle.executeUpdate(update, { args: [arg] });
  } catch (error) {
    throw toAppError(error);
  }
}

export async function signalApplication(
  applicationId: string,
  signal: string,
  ...args: unknown[]
): Promise<void> {
  const client = await connectClient();
  await client.workflow.getHandle(applicationWorkflowId(applicationId)).signal(signal, ...args);
}

function toAppError(error: unknown): Error {
  if (error instanceof WorkflowNotFoundError) {
    return new ConflictError(
      'This application has finished; nothing more can be done to it.',
      'APPLICATION_CLOSED',
    );
  }
  if (error instanceof WorkflowUpdateFailedError) {
    const failure = findApplicationFailure(error.cause);
    if (failure?.type && ACTIVITY_ERROR_STATUS[failure.type] !== undefined) {
      return new AppError(ACTIVITY_ERROR_STATUS[failure.type] as number, failure.type, failure.message);
    }
  }
  const message = (error as Error).message ?? '';
  if (/workflow execution already completed/i.test(message)) {
    return new ConflictError(
      'This application has finished; nothing more can be done to it.',
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
