import {
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { ScheduledDeadline } from '../services/applications/deadlines';
import {
  FINAL_STATUSES,
  findStage,
  type ApplicationStatus,
  type StageDefinition,
  type StageTable,
} from './stages';

/*
 * Stage deadlines inside the application workflow: each time the application enters a
 * stage with an SLA, its deadline is written as absolute times and a durable timer waits
 * for each; the deciding reviewers are reminded at the SLA, their supervisor alerted at
 * the escalation, unless the application has left the stage by then. Watchers run beside
 * the workflow's own steps and never hold them up.
 */

const act = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  // A mail server may be down for a while; still, give up well before the next alert is due.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 20 },
});

/** Where the application stands, as the application workflow's state says. */
export interface StagePosition {
  status: ApplicationStatus;
  stageId: string | null;
}

export interface StageEntry {
  applicationId: string;
  /** Unique to this entry into the stage; the activities are idempotent on it. */
  entryKey: string;
  stage: StageDefinition;
  /** True once the application has left this entry of the stage. */
  left: () => boolean;
}

/**
 * Watches one entry into a stage: schedules its deadline, reminds at the SLA, escalates
 * after it, and closes the deadline once the stage is left. Leaving cancels the timers
 * still pending. Never throws: a failed alert is logged and must not fail the application.
 */
export async function watchStageDeadline(entry: StageEntry): Promise<void> {
  const { stage, entryKey, left } = entry;
  if (!stage.sla) return;
  try {
    // Not cancelled by leaving: the row must exist before it can be closed.
    const deadline = await act.scheduleStageDeadline({
      applicationId: entry.applicationId,
      entryKey,
      stageId: stage.id,
      enteredAt: new Date(Date.now()).toISOString(),
      sla: stage.sla,
      escalation: stage.escalation,
    });

    const alerts = new CancellationScope();
    const alerting = alerts.run(() => alertWhenOverdue(entry, deadline)).catch(reportUnlessCancelled(entry));
    await condition(left);
    alerts.cancel();
    await alerting;

    await act.closeStageDeadline({ entryKey });
  } catch (error) {
    reportUnlessCancelled(entry)(error);
  }
}

async function alertWhenOverdue(entry: StageEntry, deadline: ScheduledDeadline): Promise<void> {
  const { name, role, level, escalateTo } = entry.stage;
  const input = { entryKey: entry.entryKey, stage: { id: entry.stage.id, name, role, level, escalateTo } };

  await sleepUntil(deadline.dueAt);
  await act.sendStageReminder(input);

  if (!deadline.escalateAt) return;
  await sleepUntil(deadline.escalateAt);
  await act.escalateStage(input);
}

/** A durable timer to an absolute time; Date.now() is the workflow's own, replayed, clock. */
async function sleepUntil(isoTime: string): Promise<void> {
  const remaining = Date.parse(isoTime) - Date.now();
  if (remaining > 0) await sleep(remaining);
}

function reportUnlessCancelled(entry: StageEntry): (error: unknown) => void {
  return (error) => {
    if (isCancellation(error)) return;
    const message = error instanceof Error ? error.message : String(error);
    log.error('stage deadline watcher failed', { entryKey: entry.entryKey, stage: entry.stage.id, message });
  };
}

/**
 * Follows the application through its stages in the background: on every entry into a
 * stage under review (a first one, a next one, or a return after the applicant answered),
 * a watcher starts for that entry. Leaving a stage means its id changes, the status is no
 * longer under review, or the application is final.
 * @returns `settled()`, which resolves once the application is final and every watcher
 *   has closed its deadline: await it before the workflow returns.
 */
export function followStageDeadlines(
  input: { applicationId: string; stages: StageTable },
  position: () => StagePosition,
): { settled(): Promise<void> } {
  const watchers: Promise<void>[] = [];
  let entries = 0;
  const isFinal = (): boolean => FINAL_STATUSES.includes(position().status);
  const stageUnderReview = (): string | null => {
    const { status, stageId } = position();
    return status === 'under_review' ? stageId : null;
  };

  const follow = async (): Promise<void> => {
    for (;;) {
      const stageId = stageUnderReview();
      const stage = stageId === null ? undefined : findStage(input.stages, stageId);
      if (stage) {
        const entry = ++entries;
        watchers.push(
          watchStageDeadline({
            applicationId: input.applicationId,
            entryKey: `${workflowInfo().workflowId}:stage-${entry}:${stage.id}`,
            stage,
            left: () => entries !== entry || stageUnderReview() !== stage.id,
          }),
        );
      }
      if (isFinal()) return;
      await condition(() => stageUnderReview() !== stageId || isFinal());
    }
  };
  // Only a cancelled workflow stops it early, and then the workflow's own steps report that.
  const following = follow().catch(() => undefined);

  return {
    settled: async () => {
      await following;
      await Promise.all(watchers);
    },
  };
}
