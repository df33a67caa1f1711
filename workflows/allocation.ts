import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import { applicationWorkflow } from './application';
import {
  applicationWorkflowId,
  awardedApplicationInput,
  type Actor,
  type RefusalType,
} from './application-messages';
import {
  acknowledgeAllocationUpdate,
  allocationStatusQuery,
  approveAllocationUpdate,
  reportUsageUpdate,
  type AllocationState,
  type AllocationWorkflowInput,
} from './allocation-messages';

/** The program whose yearly allocation this is (see services/allocations). */
const MUTUAL_AID_PROGRAM_CODE = 'neighbourhood-mutual-aid';

const act = proxyActivities<typeof activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

function refuse(type: RefusalType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/**
 * One year's allocation by formula: the city approves the draft; each district gets its
 * notice and acknowledges it, which starts its line's payment through the usual finance
 * path (an application workflow that begins at payment); by the due date each district
 * reports how the money was used — a reminder before, an overdue flag after.
 */
export async function allocationWorkflow(input: AllocationWorkflowInput): Promise<AllocationState> {
  const state: AllocationState = {
    allocationId: input.allocationId,
    status: 'draft',
    noticed: [],
    acknowledged: [],
    reported: [],
    overdue: [],
  };
  let lines: Awaited<ReturnType<typeof act.approveAllocation>> = [];
  let inFlight = 0;
  const whileBusy = async (work: () => Promise<void>): Promise<AllocationState> => {
    inFlight++;
    try {
      await work();
    } finally {
      inFlight--;
    }
    return { ...state };
  };
  const requireDistrictReviewer = (actor: Actor, districtCode: string): void => {
    if (actor.role !== 'district_reviewer' || actor.regionCode !== districtCode) {
      refuse('FORBIDDEN_REGION', `Only a district reviewer of ${districtCode} may act for its line.`);
    }
    if (!lines.some((line) => line.districtCode === districtCode)) {
      refuse('NOT_ALLOWED_NOW', `The allocation has no approved line for ${districtCode}.`);
    }
  };

  setHandler(allocationStatusQuery, () => ({ ...state }));

  setHandler(
    approveAllocationUpdate,
    ({ actor }) =>
      whileBusy(async () => {
        lines = await act.approveAllocation({ allocationId: input.allocationId, actor: actor.userId });
        state.status = 'approved';
      }),
    {
      validator: ({ actor }) => {
        if (actor.role !== 'city_reviewer')
          refuse('FORBIDDEN_ROLE', 'The allocation is approved by the city.');
        if (state.status !== 'draft' || inFlight > 0)
          refuse('NOT_ALLOWED_NOW', 'The allocation is not a draft.');
      },
    },
  );

  setHandler(
    acknowledgeAllocationUpdate,
    ({ actor, districtCode }) =>
      whileBusy(async () => {
        const line = await act.acknowledgeAllocationLine({
          allocationId: input.allocationId,
          districtCode,
          actor: actor.userId,
        });
        state.acknowledged.push(districtCode);
        // The line's payment follows the finance path of any award, in a workflow of its own.
        await startChild(applicationWorkflow, {
          workflowId: applicationWorkflowId(line.applicationId),
          parentClosePolicy: ParentClosePolicy.ABANDON,
          args: [
            awardedApplicationInput({
              applicationId: line.applicationId,
              reference: line.reference,
              programCode: MUTUAL_AID_PROGRAM_CODE,
              applicantUserId: actor.userId,
              districtCode,
              cityCode: input.cityCode,
              awardFen: line.amountFen,
            }),
          ],
        });
      }),
    {
      validator: ({ actor, districtCode }) => {
        requireDistrictReviewer(actor, districtCode);
        if (!state.noticed.includes(districtCode)) {
          refuse(
            'NOT_ALLOWED_NOW',
            'The allocation notice is still being issued; acknowledge it once it arrives.',
          );
        }
        if (state.acknowledged.includes(districtCode)) refuse('NOT_ALLOWED_NOW', 'Already acknowledged.');
      },
    },
  );

  setHandler(
    reportUsageUpdate,
    ({ actor, districtCode, report }) =>
      whileBusy(async () => {
        await act.recordUsageReport({
          allocationId: input.allocationId,
          districtCode,
          actor: actor.userId,
          report,
        });
        state.reported.push(districtCode);
        state.overdue = state.overdue.filter((code) => code !== districtCode);
      }),
    {
      validator: ({ actor, districtCode }) => {
        requireDistrictReviewer(actor, districtCode);
        if (!state.acknowledged.includes(districtCode)) {
          refuse('NOT_ALLOWED_NOW', 'Acknowledge the allocation before reporting on it.');
        }
        if (state.reported.includes(districtCode))
          refuse('NOT_ALLOWED_NOW', 'The usage has already been reported.');
      },
    },
  );

  await condition(() => state.status === 'approved' && inFlight === 0);
  // The notices go out after the approval has answered, one at a time: rendering fourteen
  // takes a while, and a burst of them would crowd the worker's other work.
  for (const line of lines) {
    await act.issueAllocationLineNotice({
      allocationId: input.allocationId,
      districtCode: line.districtCode,
    });
    state.noticed.push(line.districtCode);
  }
  const allReported = (): boolean => lines.every((line) => state.reported.includes(line.districtCode));

  if (!(await condition(allReported, Math.max(1, Date.parse(input.remindAt) - Date.now())))) {
    await act.remindUsageReports({ allocationId: input.allocationId });
  }
  if (!(await condition(allReported, Math.max(1, Date.parse(input.usageReportDue) - Date.now())))) {
    state.overdue = (await act.markUsageOverdue({ allocationId: input.allocationId })).overdue;
  }
  await condition(() => allReported() && inFlight === 0);
  await act.closeAllocation({ allocationId: input.allocationId });
  state.status = 'closed';
  await condition(allHandlersFinished);
  return { ...state };
}
