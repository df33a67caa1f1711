import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './application-messages';

/*
 * The messages of an allocation's workflow, shared with the API. The city approves; each
 * district acknowledges its line and reports how the money was used.
 */

export interface AllocationWorkflowInput {
  allocationId: string;
  cityCode: string;
  /** ISO instants: when usage reports are due, and when the reminder goes out. */
  usageReportDue: string;
  remindAt: string;
}

export interface AllocationState {
  allocationId: string;
  status: 'draft' | 'approved' | 'closed';
  /** Districts whose allocation notice has been issued: only they can acknowledge it. */
  noticed: string[];
  acknowledged: string[];
  reported: string[];
  overdue: string[];
}

export interface DistrictActionInput {
  actor: Actor;
  districtCode: string;
}

export interface UsageReportInput extends DistrictActionInput {
  report: { spent: string; activities: string; beneficiaries: number };
}

export const approveAllocationUpdate = defineUpdate<AllocationState, [{ actor: Actor }]>('approveAllocation');
export const acknowledgeAllocationUpdate = defineUpdate<AllocationState, [DistrictActionInput]>(
  'acknowledgeAllocation',
);
export const reportUsageUpdate = defineUpdate<AllocationState, [UsageReportInput]>('reportUsage');
export const allocationStatusQuery = defineQuery<AllocationState>('allocationStatus');

export function allocationWorkflowId(allocationId: string): string {
  return `allocation-${allocationId}`;
}
