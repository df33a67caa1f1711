import { inTransaction } from '../../db';
import {
  Allocation,
  AllocationInput,
  AllocationLine,
  Application,
  Appropriation,
  AuditEvent,
  User,
} from '../../db/models';
import { seed } from '../../db/seed';
import { DISTRICTS } from '../../db/seed/regions';
import {
  approveAllocation,
  draftAllocation,
  redraftAllocation,
} from '../../services/allocations/allocations';
import { decideAdjustment, recalculation } from '../../services/allocations/corrections';
import { acknowledgeLine, recordUsageReport } from '../../services/allocations/lines';
import { fenFromColumn } from '../../services/money/amount';
import { fundAppropriation } from '../../services/money/budget';
import { releaseTestDatabase, useTestDatabase } from '../support/database';

/*
 * The allocation's records without the workflow: what a draft needs, what changes a draft and
 * what does not change an approved allocation, and the refusals of adjustments and reports.
 */

const PROGRAM = 'neighbourhood-mutual-aid';
const DUE = '2099-03-31T23:59:59+08:00';
let admin: string;
let nextYear = 2040;

beforeAll(async () => {
  await useTestDatabase();
  await seed({ year: 2039 });
  admin = ((await User.findOne({ where: { username: 'admin' } })) as User).id;
});
afterAll(releaseTestDatabase);

/** A year with figures for every district (or all but `missing`) and `budgetYuan` appropriated. */
async function prepareYear(options: { missing?: string; budgetYuan?: bigint } = {}): Promise<number> {
  const year = nextYear++;
  await AllocationInput.bulkCreate(
    DISTRICTS.filter((d) => d.code !== options.missing).map((district, i) => ({
      year,
      districtCode: district.code,
      urbanCommunities: 10 + i,
      ruralCommunities: 50 + 13 * i,
      olderResidents: 20_000 + 7_000 * i,
      importId: null,
      synthetic: false,
      updatedBy: admin,
      updatedAt: new Date(),
    })),
  );
  await inTransaction((tx) =>
    fundAppropriation(tx, {
      programCode: PROGRAM,
      year,
      fundSourceCode: 'city_special',
      amountFen: (options.budgetYuan ?? 1_000_000n) * 100n,
      actor: admin,
    }),
  );
  return year;
}

describe('drafting', () => {
  it('names the districts whose figures are missing', async () => {
    const year = await prepareYear({ missing: 'changdao' });
    await expect(draftAllocation({ year, usageReportDue: DUE }, admin)).rejects.toMatchObject({
      code: 'INPUTS_INCOMPLETE',
      message: expect.stringContaining('长岛综合试验区'),
    });
  });

  it('refuses a budget the appropriations cannot cover, and a usage date in the past', async () => {
    const year = await prepareYear({ budgetYuan: 500_000n });
    await expect(draftAllocation({ year, usageReportDue: DUE }, admin)).rejects.toMatchObject({
      code: 'INSUFFICIENT_BUDGET',
      details: { availableFen: '50000000', budgetFen: '100000000' },
    });
    await expect(draftAllocation({ year, usageReportDue: '2001-01-01' }, admin)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(
      draftAllocation({ year, usageReportDue: DUE, reminderBefore: 'P99999999999D' }, admin),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'reminderBefore', message: expect.stringContaining('at most a year') }],
    });
    await expect(redraftAllocation('not-an-allocation', admin)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // A smaller budget, given explicitly, fits.
    const draft = await draftAllocation({ year, usageReportDue: DUE, budget: '500000' }, admin);
    expect(draft.totalFen).toBe('50000000');
    expect(draft.synthetic).toBe(false);
  });

  it('works a draft out again from corrected figures, and refuses to once approved', async () => {
    const year = await prepareYear();
    const draft = await draftAllocation({ year, usageReportDue: DUE, reminderBefore: 'P10D' }, admin);
    expect(draft.usageReminderAt.getTime()).toBe(new Date(DUE).getTime() - 10 * 86_400_000);
    const before = (draft.calculation as { districts: Array<{ amountFen: string }> }).districts[0]!.amountFen;

    await AllocationInput.update(
      { olderResidents: 1 },
      { where: { year, districtCode: DISTRICTS[0]!.code } },
    );
    const redrafted = await redraftAllocation(draft.id, admin);
    const after = (redrafted.calculation as { districts: Array<{ amountFen: string }> }).districts[0]!
      .amountFen;
    expect(BigInt(after)).toBeLessThan(BigInt(before));
    expect(redrafted.totalFen).toBe('100000000');
    expect(await AuditEvent.count({ where: { action: 'allocation.redrafted', subjectId: draft.id } })).toBe(
      1,
    );

    await approveAllocation({ allocationId: draft.id, actor: admin });
    await expect(redraftAllocation(draft.id, admin)).rejects.toMatchObject({ code: 'NOT_A_DRAFT' });
  });
});

describe('an approved allocation', () => {
  let allocation: Allocation;
  let year: number;

  beforeAll(async () => {
    year = await prepareYear();
    allocation = await draftAllocation({ year, usageReportDue: DUE }, admin);
  });

  it('is not adjusted while a draft', async () => {
    await expect(
      decideAdjustment(
        allocation.id,
        { districtCode: 'zhifu', kind: 'top_up', amount: '100', reason: '数据更正' },
        admin,
      ),
    ).rejects.toMatchObject({ code: 'NOT_APPROVED' });
  });

  it('commits each line once, however often it is approved', async () => {
    const first = await approveAllocation({ allocationId: allocation.id, actor: admin });
    const again = await approveAllocation({ allocationId: allocation.id, actor: admin });
    expect(again).toEqual(first);
    expect(first).toHaveLength(DISTRICTS.length);
    const [row] = await Appropriation.findAll({ where: { programCode: PROGRAM, year } });
    expect(fenFromColumn(row!.committedFen)).toBe(100000000n);
  });

  it('refuses adjustments before acknowledgement, and recoveries of money not paid', async () => {
    const topUp = { districtCode: 'fushan', kind: 'top_up', amount: '100', reason: '数据更正' };
    await expect(decideAdjustment(allocation.id, topUp, admin)).rejects.toMatchObject({
      code: 'NOT_ACKNOWLEDGED',
    });
    await acknowledgeLine({ allocationId: allocation.id, districtCode: 'fushan', actor: admin });
    const recovery = { ...topUp, kind: 'recovery' };
    await expect(decideAdjustment(allocation.id, recovery, admin)).rejects.toMatchObject({
      code: 'RECOVERY_EXCEEDS_PAID',
    });
    await expect(
      decideAdjustment(allocation.id, { ...topUp, amount: '-5', reason: '' }, admin),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('keeps its lines when figures change; the recalculation shows the difference', async () => {
    const lines = await recalculation(allocation.id);
    expect(lines.lines.every((line) => line.differenceFen === '0')).toBe(true);

    // 芝罘区 has the smallest figures in prepareYear, well below the cap, so more communities
    // must raise its share; the largest districts already sit at the cap and would not move.
    await AllocationInput.update({ ruralCommunities: 900 }, { where: { year, districtCode: 'zhifu' } });
    const after = await recalculation(allocation.id);
    const zhifu = after.lines.find((line) => line.districtCode === 'zhifu')!;
    expect(BigInt(zhifu.differenceFen)).toBeGreaterThan(0n);
    expect(zhifu.approvedFen).toBe(lines.lines.find((l) => l.districtCode === 'zhifu')!.approvedFen);
    expect(after.lines.reduce((sum, line) => sum + BigInt(line.differenceFen), 0n)).toBe(0n);
  });

  it('takes one usage report per district, once paid, never above the allocation', async () => {
    const report = { spent: '10.00', activities: '开展邻里互助探访关爱服务', beneficiaries: 3 };
    const usage = { allocationId: allocation.id, districtCode: 'fushan', actor: admin, report };
    await expect(recordUsageReport(usage)).rejects.toMatchObject({ code: 'NOT_PAID' });
    // The bank's confirmation, as the finance path would record it.
    const line = await AllocationLine.findOne({
      where: { allocationId: allocation.id, districtCode: 'fushan' },
    });
    await Application.update({ status: 'paid' }, { where: { id: line!.applicationId! } });

    await expect(
      recordUsageReport({
        allocationId: allocation.id,
        districtCode: 'fushan',
        actor: admin,
        report: { ...report, spent: '100000000.01' },
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await recordUsageReport({ allocationId: allocation.id, districtCode: 'fushan', actor: admin, report });
    await expect(
      recordUsageReport({ allocationId: allocation.id, districtCode: 'fushan', actor: admin, report }),
    ).rejects.toMatchObject({ code: 'USAGE_REPORTED' });
  });
});
