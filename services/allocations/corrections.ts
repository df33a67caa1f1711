import crypto from 'node:crypto';
import Joi from 'joi';
import { UniqueConstraintError } from 'sequelize';
import { inTransaction } from '../../db';
import {
  AllocationAdjustment,
  AllocationLine,
  Application,
  DistrictAccount,
  Region,
  type Allocation,
} from '../../db/models';
import { recordAuditEvent } from '../audit';
import { validateInput } from '../validation';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isUuid } from '../identifiers/uuid';
import { fenFromColumn, fenToYuanString, parseYuan } from '../money/amount';
import { recoverSpending } from '../money/budget';
import { applicationPosition } from '../money/ledger';
import { createLineApplication, districtInputs, findAllocation, inputsAreSynthetic } from './allocations';
import { calculateAllocation, type Allocation as Calculation } from './calculate';

/*
 * Corrections after approval. When a district's figures are corrected, the allocation is
 * worked out again with the same budget and rules and the difference shown per district;
 * nothing already approved or paid moves by itself. The city decides each change as an
 * explicit adjustment: a top-up, paid through an application of its own like the line, or a
 * recovery (追回), settled when finance records the district's refund.
 */

export interface LineDifference {
  districtCode: string;
  districtName: string;
  /** What the approval gave. */
  approvedFen: string;
  /** Top-ups less recoveries decided since. */
  adjustedFen: string;
  /** What the formula gives with the figures as they are now. */
  recalculatedFen: string;
  /** recalculated − (approved + adjusted): positive calls for a top-up, negative for a recovery. */
  differenceFen: string;
}

export interface Recalculation {
  allocationId: string;
  year: number;
  /** True when today's figures include sample data: the recalculation is then a demonstration. */
  synthetic: boolean;
  calculation: Calculation;
  lines: LineDifference[];
}

/** Top-ups less recoveries of one line, due or settled. */
function netAdjustment(adjustments: AllocationAdjustment[]): bigint {
  return adjustments.reduce(
    (sum, a) => sum + (a.kind === 'top_up' ? 1n : -1n) * fenFromColumn(a.amountFen),
    0n,
  );
}

/** The approved allocation worked out again from today's figures, beside what was approved. */
export async function recalculation(allocationId: string): Promise<Recalculation> {
  const allocation = await findAllocation(allocationId);
  const approved = allocation.calculation as Calculation;
  const calculation = calculateAllocation(await districtInputs(allocation.year), {
    budgetFen: BigInt(approved.budgetFen),
    capFen: BigInt(approved.capFen),
    communityWeight: approved.communityWeight,
    olderResidentWeight: approved.olderResidentWeight,
  });
  const lines = await AllocationLine.findAll({ where: { allocationId } });
  const adjustments = await AllocationAdjustment.findAll({
    where: { allocationLineId: lines.map((line) => line.id) },
  });
  return {
    allocationId,
    year: allocation.year,
    synthetic: allocation.synthetic || (await inputsAreSynthetic(allocation.year)),
    calculation,
    lines: calculation.districts.map((district) => {
      const line = lines.find((l) => l.districtCode === district.districtCode);
      const approvedFen = line ? fenFromColumn(line.amountFen) : 0n;
      const adjustedFen = netAdjustment(adjustments.filter((a) => a.allocationLineId === line?.id));
      return {
        districtCode: district.districtCode,
        districtName: district.districtName,
        approvedFen: approvedFen.toString(),
        adjustedFen: adjustedFen.toString(),
        recalculatedFen: district.amountFen,
        differenceFen: (BigInt(district.amountFen) - approvedFen - adjustedFen).toString(),
      };
    }),
  };
}

const adjustmentSchema = Joi.object({
  districtCode: Joi.string().required(),
  kind: Joi.string().valid('top_up', 'recovery').required(),
  amount: Joi.string().required().description('yuan, up to two decimals'),
  reason: Joi.string().trim().min(4).max(2000).required(),
});

export interface AdjustmentResult {
  adjustment: AllocationAdjustment;
  /** For a top-up: the application whose workflow pays it. */
  application: Application | null;
  /** True when the idempotency key matched an earlier adjustment, which is returned. */
  replayed: boolean;
}

/** The adjustment an actor made earlier with the same idempotency key, if any. */
async function earlierAdjustment(actor: string, key: string | null): Promise<AdjustmentResult | null> {
  if (!key) return null;
  const adjustment = await AllocationAdjustment.findOne({ where: { createdBy: actor, idempotencyKey: key } });
  if (!adjustment) return null;
  const application = adjustment.applicationId ? await Application.findByPk(adjustment.applicationId) : null;
  return { adjustment, application, replayed: true };
}

/**
 * Decides a top-up or a recovery for one district's line. A top-up commits the money and
 * files an application that waits for finance; a recovery is recorded as due.
 * @throws ValidationError; ConflictError NOT_APPROVED, NOT_ACKNOWLEDGED, RECOVERY_EXCEEDS_PAID.
 */
export async function decideAdjustment(
  allocationId: string,
  body: unknown,
  actor: string,
  idempotencyKey: string | null = null,
): Promise<AdjustmentResult> {
  const earlier = await earlierAdjustment(actor, idempotencyKey);
  if (earlier) return earlier;
  try {
    return await recordAdjustment(allocationId, body, actor, idempotencyKey);
  } catch (caught) {
    // Two requests with the same key at once: the second finds the first's adjustment.
    const raced = caught instanceof UniqueConstraintError && (await earlierAdjustment(actor, idempotencyKey));
    if (raced) return raced;
    throw caught;
  }
}

async function recordAdjustment(
  allocationId: string,
  body: unknown,
  actor: string,
  idempotencyKey: string | null,
): Promise<AdjustmentResult> {
  const value = validateInput(adjustmentSchema, body, 'adjustment');
  const input = value as {
    districtCode: string;
    kind: 'top_up' | 'recovery';
    amount: string;
    reason: string;
  };
  const amountFen = parseYuan(input.amount);
  if (amountFen <= 0n) {
    throw new ValidationError('The adjustment must be a positive amount.', [
      { field: 'amount', message: 'must be more than 0' },
    ]);
  }
  const allocation = await findAllocation(allocationId);
  if (allocation.status === 'draft') {
    throw new ConflictError(
      'A draft is corrected by working it out again, not by adjustments.',
      'NOT_APPROVED',
    );
  }
  return inTransaction(async (tx) => {
    const line = await AllocationLine.findOne({
      where: { allocationId, districtCode: input.districtCode },
      transaction: tx,
      lock: tx.LOCK.UPDATE,
    });
    if (!line) throw new NotFoundError('Allocation line', `${allocationId}/${input.districtCode}`);
    if (!line.acknowledgedAt) {
      throw new ConflictError(
        'The district has not acknowledged its allocation yet; adjust it once it has.',
        'NOT_ACKNOWLEDGED',
      );
    }
    const earlier = await AllocationAdjustment.findAll({
      where: { allocationLineId: line.id },
      transaction: tx,
    });
    let application: Application | null = null;
    if (input.kind === 'top_up') {
      assertWithinCap(allocation, line, earlier, amountFen);
      const account = await DistrictAccount.findByPk(line.districtCode, { transaction: tx });
      if (!account)
        throw new ConflictError('The district has no treasury account on record.', 'NO_DISTRICT_ACCOUNT');
      application = await createLineApplication(
        tx,
        allocation,
        line.districtCode,
        account,
        amountFen,
        actor,
        'awaiting_payment',
      );
    } else {
      // What was paid is net of the recoveries already settled, which returned their money
      // to the budget; only those still due are counted against it.
      const paid = await paidFen(tx, line, earlier);
      const recovering = earlier
        .filter((a) => a.kind === 'recovery' && a.status === 'due')
        .reduce((sum, a) => sum + fenFromColumn(a.amountFen), 0n);
      if (recovering + amountFen > paid) {
        throw new ConflictError(
          `${fenToYuanString(paid)} yuan has been paid to this district and ` +
            `${fenToYuanString(recovering)} is already being recovered; a recovery cannot exceed the rest.`,
          'RECOVERY_EXCEEDS_PAID',
          { paidFen: paid.toString(), recoveringFen: recovering.toString() },
        );
      }
    }
    const adjustment = await AllocationAdjustment.create(
      {
        id: crypto.randomUUID(),
        allocationLineId: line.id,
        kind: input.kind,
        amountFen: amountFen.toString(),
        reason: input.reason,
        applicationId: application?.id ?? null,
        status: 'due',
        settledBy: null,
        settledAt: null,
        createdBy: actor,
        createdAt: new Date(),
        idempotencyKey,
      },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor,
      action: `allocation.${input.kind}_decided`,
      subjectType: 'allocation',
      subjectId: allocationId,
      after: {
        adjustmentId: adjustment.id,
        districtCode: line.districtCode,
        amountFen: amountFen.toString(),
        reason: input.reason,
        applicationId: application?.id ?? null,
      },
    });
    return { adjustment, application, replayed: false };
  });
}

/**
 * A district's year stays within the cap (at most 100,000 yuan for the mutual-aid funding):
 * its line, with every top-up and less every recovery, may not pass the allocation's cap.
 * @throws ConflictError CAP_EXCEEDED, with the room left.
 */
function assertWithinCap(
  allocation: Allocation,
  line: AllocationLine,
  earlier: AllocationAdjustment[],
  topUpFen: bigint,
): void {
  const capFen = BigInt((allocation.calculation as { capFen: string }).capFen);
  const netFen = fenFromColumn(line.amountFen) + netAdjustment(earlier);
  if (netFen + topUpFen > capFen) {
    const roomFen = capFen > netFen ? capFen - netFen : 0n;
    throw new ConflictError(
      `The district's allocation would pass the cap of ${fenToYuanString(capFen)} yuan a year; ` +
        `at most ${fenToYuanString(roomFen)} yuan can be added.`,
      'CAP_EXCEEDED',
      { capFen: capFen.toString(), netFen: netFen.toString(), roomFen: roomFen.toString() },
    );
  }
}

/** What has reached the district for this line: the line's payment and its top-ups. */
async function paidFen(
  tx: import('sequelize').Transaction,
  line: AllocationLine,
  adjustments: AllocationAdjustment[],
): Promise<bigint> {
  const applicationIds = lineApplicationIds(line, adjustments);
  let spent = 0n;
  for (const id of applicationIds) {
    for (const position of await applicationPosition(tx, id)) spent += position.spentFen;
  }
  return spent;
}

function lineApplicationIds(line: AllocationLine, adjustments: AllocationAdjustment[]): string[] {
  return [
    line.applicationId as string,
    ...adjustments
      .filter((a) => a.kind === 'top_up' && a.applicationId)
      .map((a) => a.applicationId as string),
  ];
}

/**
 * Finance records that the district refunded a recovery: the money returns to the budget.
 * @throws ConflictError NOT_A_RECOVERY, ALREADY_SETTLED.
 */
export async function settleRecovery(input: {
  allocationId: string;
  adjustmentId: string;
  actor: string;
}): Promise<AllocationAdjustment> {
  return inTransaction(async (tx) => {
    const adjustment = isUuid(input.adjustmentId)
      ? await AllocationAdjustment.findByPk(input.adjustmentId, { transaction: tx, lock: tx.LOCK.UPDATE })
      : null;
    const line = adjustment
      ? await AllocationLine.findByPk(adjustment.allocationLineId, { transaction: tx })
      : null;
    if (!adjustment || !line || line.allocationId !== input.allocationId) {
      throw new NotFoundError('Adjustment', input.adjustmentId);
    }
    if (adjustment.kind !== 'recovery') {
      throw new ConflictError('A top-up is settled by its payment, not here.', 'NOT_A_RECOVERY');
    }
    if (adjustment.status === 'settled') {
      throw new ConflictError('This recovery has already been recorded as refunded.', 'ALREADY_SETTLED');
    }
    const earlier = await AllocationAdjustment.findAll({
      where: { allocationLineId: line.id },
      transaction: tx,
    });
    await recoverSpending(tx, {
      applicationIds: lineApplicationIds(line, earlier),
      amountFen: fenFromColumn(adjustment.amountFen),
      actor: input.actor,
      reason: `allocation recovery ${adjustment.id}`,
    });
    await adjustment.update(
      { status: 'settled', settledBy: input.actor, settledAt: new Date() },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor: input.actor,
      action: 'allocation.recovery_settled',
      subjectType: 'allocation',
      subjectId: input.allocationId,
      before: { status: 'due' },
      after: {
        adjustmentId: adjustment.id,
        districtCode: line.districtCode,
        amountFen: String(adjustment.amountFen),
      },
    });
    return adjustment;
  });
}

/** The adjustments of an allocation, a top-up settled once its application is paid. */
export async function listAdjustments(allocationId: string): Promise<Array<Record<string, unknown>>> {
  const lines = await AllocationLine.findAll({ where: { allocationId } });
  const adjustments = await AllocationAdjustment.findAll({
    where: { allocationLineId: lines.map((l) => l.id) },
    order: [['createdAt', 'ASC']],
  });
  const applications = new Map(
    (
      await Application.findAll({
        where: { id: adjustments.map((a) => a.applicationId).filter((id): id is string => id !== null) },
      })
    ).map((a) => [a.id, a]),
  );
  const names = new Map(
    (await Region.findAll({ where: { level: 'district' } })).map((r) => [r.code, r.name]),
  );
  return adjustments.map((a) => {
    const districtCode = lines.find((l) => l.id === a.allocationLineId)?.districtCode ?? '';
    const application = a.applicationId ? applications.get(a.applicationId) : undefined;
    return {
      id: a.id,
      districtCode,
      districtName: names.get(districtCode) ?? districtCode,
      kind: a.kind,
      amountFen: String(a.amountFen),
      reason: a.reason,
      status: application ? (application.status === 'paid' ? 'settled' : 'due') : a.status,
      applicationId: a.applicationId,
      applicationReference: application?.reference ?? null,
      createdAt: a.createdAt,
      settledAt: a.settledAt,
    };
  });
}
