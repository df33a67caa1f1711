import { Router } from 'express';
import { Allocation, AllocationLine, Application } from '../../../db/models';
import { CITY } from '../../../db/seed/regions';
import {
  approveAllocationUpdate,
  acknowledgeAllocationUpdate,
  reportUsageUpdate,
} from '../../../workflows/allocation-messages';
import { awardedApplicationInput } from '../../../workflows/application-messages';
import { draftAllocation, findAllocation, redraftAllocation } from '../../allocations/allocations';
import {
  decideAdjustment,
  listAdjustments,
  recalculation,
  settleRecovery,
} from '../../allocations/corrections';
import { validateUsageReport } from '../../allocations/lines';
import { allocationLineNoticePdf } from '../../allocations/notices';
import { actorOf, requireRole } from '../auth';
import { idempotencyKeyOf } from '../idempotency';
import { startAllocationWorkflow, startApplicationWorkflow, updateAllocation } from '../workflow-client';

/*
 * Allocations by formula (the neighbourhood mutual-aid funding): the city drafts the year's
 * allocation and approves it; each district acknowledges its notice and reports how the
 * money was used; corrections after approval are shown as a recalculation and decided as
 * adjustments. Steps that move the allocation go through its workflow as Updates.
 */
export const allocationsRouter = Router();

const STAFF = ['admin', 'city_reviewer', 'district_reviewer', 'finance_officer'] as const;

async function describeAllocation(allocation: Allocation): Promise<Record<string, unknown>> {
  const lines = await AllocationLine.findAll({
    where: { allocationId: allocation.id },
    order: [['districtCode', 'ASC']],
  });
  const applications = new Map(
    (await Application.findAll({ where: { id: lines.map((l) => l.applicationId as string) } })).map((a) => [
      a.id,
      a,
    ]),
  );
  return {
    id: allocation.id,
    programCode: allocation.programCode,
    year: allocation.year,
    status: allocation.status,
    synthetic: allocation.synthetic,
    budgetFen: String(allocation.budgetFen),
    totalFen: String(allocation.totalFen),
    usageReportDue: allocation.usageReportDue,
    approvedAt: allocation.approvedAt,
    calculation: allocation.calculation,
    lines: lines.map((line) => {
      const application = applications.get(line.applicationId as string);
      return {
        districtCode: line.districtCode,
        amountFen: String(line.amountFen),
        applicationId: line.applicationId,
        reference: application?.reference,
        paymentStatus: application?.status,
        acknowledgedAt: line.acknowledgedAt,
        usageReport: line.usageReport,
        usageReportedAt: line.usageReportedAt,
        usageRemindedAt: line.usageRemindedAt,
        usageOverdueAt: line.usageOverdueAt,
      };
    }),
    adjustments: await listAdjustments(allocation.id),
  };
}

/** Drafts the year's allocation from the accepted figures and starts its workflow. */
allocationsRouter.post('/', async (req, res) => {
  const user = requireRole(req, 'admin', 'city_reviewer');
  const allocation = await draftAllocation(req.body ?? {}, user.id);
  await ensureWorkflow(allocation);
  res.status(201).json(await describeAllocation(allocation));
});

/**
 * Starts the allocation's workflow unless it runs: a draft made outside the API (the
 * seed's example) gets its workflow on the first step taken through it.
 */
async function ensureWorkflow(allocation: Allocation): Promise<void> {
  await startAllocationWorkflow({
    allocationId: allocation.id,
    cityCode: CITY.code,
    usageReportDue: allocation.usageReportDue.toISOString(),
    remindAt: allocation.usageReminderAt.toISOString(),
  });
}

allocationsRouter.get('/', async (req, res) => {
  requireRole(req, ...STAFF);
  const allocations = await Allocation.findAll({ order: [['year', 'DESC']] });
  res.json(
    allocations.map((a) => ({
      id: a.id,
      programCode: a.programCode,
      year: a.year,
      status: a.status,
      synthetic: a.synthetic,
      budgetFen: String(a.budgetFen),
      totalFen: String(a.totalFen),
    })),
  );
});

/** The allocation with every district's inputs, shares and steps, its lines and adjustments. */
allocationsRouter.get('/:id', async (req, res) => {
  requireRole(req, ...STAFF);
  res.json(await describeAllocation(await findAllocation(String(req.params.id))));
});

/** Works a draft out again from the figures as they are now. */
allocationsRouter.post('/:id/redraft', async (req, res) => {
  const user = requireRole(req, 'admin', 'city_reviewer');
  res.json(await describeAllocation(await redraftAllocation(String(req.params.id), user.id)));
});

/** The city approves the draft as a whole: lines, commitments and notices follow. */
allocationsRouter.post('/:id/approval', async (req, res) => {
  const user = requireRole(req, 'city_reviewer');
  const allocation = await findAllocation(String(req.params.id));
  await ensureWorkflow(allocation);
  const state = await updateAllocation(allocation.id, approveAllocationUpdate, { actor: actorOf(user) });
  res.json({
    status: state.status,
    allocation: await describeAllocation(await findAllocation(allocation.id)),
  });
});

/** A district reviewer acknowledges the district's allocation notice; payment may follow. */
allocationsRouter.post('/:id/lines/:districtCode/acknowledgement', async (req, res) => {
  const user = requireRole(req, 'district_reviewer');
  const allocation = await findAllocation(String(req.params.id));
  const state = await updateAllocation(allocation.id, acknowledgeAllocationUpdate, {
    actor: actorOf(user),
    districtCode: String(req.params.districtCode),
  });
  res.json(state);
});

/** The district's allocation notice (PDF). */
allocationsRouter.get('/:id/lines/:districtCode/notice', async (req, res) => {
  const user = requireRole(req, ...STAFF);
  const districtCode = String(req.params.districtCode);
  if (user.role === 'district_reviewer' && user.regionCode !== districtCode) {
    requireRole(req, 'admin', 'city_reviewer', 'finance_officer');
  }
  const { fileName, pdf } = await allocationLineNoticePdf(String(req.params.id), districtCode);
  res.type('application/pdf');
  res.set('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(fileName)}`);
  res.send(pdf);
});

/** The district's report of how the money was used. */
allocationsRouter.post('/:id/lines/:districtCode/usage-report', async (req, res) => {
  const user = requireRole(req, 'district_reviewer');
  const report = validateUsageReport(req.body ?? {});
  const allocation = await findAllocation(String(req.params.id));
  const state = await updateAllocation(allocation.id, reportUsageUpdate, {
    actor: actorOf(user),
    districtCode: String(req.params.districtCode),
    report,
  });
  res.status(201).json(state);
});

/** The allocation worked out again from today's figures, with the difference per district. */
allocationsRouter.get('/:id/recalculation', async (req, res) => {
  requireRole(req, ...STAFF);
  res.json(await recalculation(String(req.params.id)));
});

/** A top-up or a recovery for one district, decided by the city after a correction. */
allocationsRouter.post('/:id/adjustments', async (req, res) => {
  const user = requireRole(req, 'admin', 'city_reviewer');
  const { adjustment, application, replayed } = await decideAdjustment(
    String(req.params.id),
    req.body ?? {},
    user.id,
    idempotencyKeyOf(req),
  );
  if (application) {
    // A top-up is paid like the line itself: its own application, starting at payment. Also
    // on a replay: the first request may have failed between recording and starting.
    await startApplicationWorkflow(
      awardedApplicationInput({
        applicationId: application.id,
        reference: application.reference,
        programCode: application.programCode,
        applicantUserId: user.id,
        districtCode: application.districtCode,
        cityCode: CITY.code,
        awardFen: String(application.awardFen),
      }),
    );
  }
  if (replayed) res.set('Idempotent-Replayed', 'true');
  res.status(201).json({
    id: adjustment.id,
    kind: adjustment.kind,
    amountFen: String(adjustment.amountFen),
    status: adjustment.status,
    applicationId: application?.id ?? null,
    reference: application?.reference ?? null,
  });
});

/** Finance records that a district refunded a recovery. */
allocationsRouter.post('/:id/adjustments/:adjustmentId/settlement', async (req, res) => {
  const user = requireRole(req, 'finance_officer');
  const adjustment = await settleRecovery({
    allocationId: String(req.params.id),
    adjustmentId: String(req.params.adjustmentId),
    actor: user.id,
  });
  res.json({ id: adjustment.id, status: adjustment.status, settledAt: adjustment.settledAt });
});
