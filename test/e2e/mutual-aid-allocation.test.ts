import { inTransaction } from '../../db';
import { Allocation, AllocationInput, Appropriation, AuditEvent } from '../../db/models';
import { DISTRICTS } from '../../db/seed/regions';
import { fenFromColumn } from '../../services/money/amount';
import { fundAppropriation } from '../../services/money/budget';
import { simulateBankResponse } from '../../services/money/bank';
import { ApiClient } from '../support/http';
import { eventually, pdfText } from '../support/pdf';
import { createUser, Logins } from '../support/rounds';
import { startSystem, type RunningSystem } from '../support/system';

/*
 * The neighbourhood mutual-aid funding from the seeded example to money in the districts'
 * accounts: the draft worked out from sample figures, the city's approval, a notice to each
 * district, acknowledgement, payment through the finance path, usage reports with their
 * reminder and overdue flag, and a correction after payment settled by explicit adjustments.
 */

const PROGRAM = 'neighbourhood-mutual-aid';
let system: RunningSystem;
let logins: Logins;
const demo: Record<string, ApiClient> = {};
const as = (name: string): ApiClient => demo[name] as ApiClient;

beforeAll(async () => {
  system = await startSystem();
  for (const name of ['district', 'city', 'finance1', 'finance2', 'admin'])
    demo[name] = await ApiClient.login(system.url, name);
  logins = new Logins(system.url);
  // A district reviewer for every district but Zhifu, whose reviewer the seed provides.
  for (const district of DISTRICTS.filter((d) => d.code !== 'zhifu')) {
    await createUser(`reviewer-${district.code}`, 'district_reviewer', district.code);
  }
}, 120_000);
afterAll(() => system?.stop());

const reviewerOf = (code: string): Promise<ApiClient> =>
  code === 'zhifu' ? Promise.resolve(as('district')) : logins.as(`reviewer-${code}`);

interface Line {
  districtCode: string;
  amountFen: string;
  applicationId: string;
  paymentStatus: string;
  usageOverdueAt: string | null;
  usageRemindedAt: string | null;
}

async function pay(applicationId: string): Promise<void> {
  const prepared = await as('finance1').post(`/applications/${applicationId}/payment`);
  expect(prepared.status).toBe(201);
  const approval = await as('finance2').post(`/payments/${prepared.body.paymentId}/approval`);
  expect(approval.body.status).toBe('payment_sent');
  const file = await as('finance1').get(approval.body.batchFile as string);
  const report = simulateBankResponse(file.body as Buffer);
  await as('finance1').upload('/bank/confirmations', {
    name: report.fileName,
    content: report.content,
    type: 'application/xml',
  });
  await eventually(
    () => as('finance1').get(`/applications/${applicationId}`),
    (r) => r.body.status === 'paid',
  );
}

/** Pays a district's line once finance has it, as a usage report needs. */
async function payLine(allocationId: string, districtCode: string): Promise<void> {
  const shown = await as('city').get(`/allocations/${allocationId}`);
  const line = (shown.body.lines as Line[]).find((l) => l.districtCode === districtCode)!;
  await eventually(
    () => as('finance1').get(`/applications/${line.applicationId}`),
    (r) => r.body.status === 'awaiting_payment',
  );
  await pay(line.applicationId);
}

async function spentFen(year: number): Promise<bigint> {
  const rows = await Appropriation.findAll({ where: { programCode: PROGRAM, year } });
  return rows.reduce((sum, row) => sum + fenFromColumn(row.spentFen), 0n);
}

describe('the seeded example allocation', () => {
  let allocationId: string;

  it('is a draft for every district, worked out from sample figures and marked synthetic', async () => {
    const list = await as('city').get('/allocations');
    const seeded = (
      list.body as Array<{ id: string; year: number; synthetic: boolean; status: string }>
    ).find((a) => a.year === new Date().getFullYear());
    expect(seeded).toMatchObject({ status: 'draft', synthetic: true });
    allocationId = seeded!.id;

    const shown = await as('city').get(`/allocations/${allocationId}`);
    const calculation = shown.body.calculation;
    expect(calculation.districts).toHaveLength(DISTRICTS.length);
    expect(calculation.totalFen).toBe('100000000');
    const amounts = calculation.districts.map((d: { amountFen: string }) => BigInt(d.amountFen));
    expect(amounts.reduce((a: bigint, b: bigint) => a + b, 0n)).toBe(100000000n);
    expect(amounts.every((a: bigint) => a <= 10000000n && a % 100n === 0n)).toBe(true);
    // The sample figures put the largest districts at the cap; what they lose goes to the rest.
    expect(calculation.districts.filter((d: { capped: boolean }) => d.capped).length).toBeGreaterThan(0);
    expect(calculation.rounds.length).toBeGreaterThan(1);
  });

  it('is approved by the city only, once, and sends each district its notice', async () => {
    const byDistrict = await as('district').post(`/allocations/${allocationId}/approval`);
    expect(byDistrict.status).toBe(403);

    const approved = await as('city').post(`/allocations/${allocationId}/approval`);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    const lines = approved.body.allocation.lines as Line[];
    expect(lines).toHaveLength(DISTRICTS.length);
    expect(lines.every((line) => line.paymentStatus === 'awaiting_acknowledgement')).toBe(true);

    const again = await as('city').post(`/allocations/${allocationId}/approval`);
    expect(again.status).toBe(409);

    const notice = await eventually(
      () => as('district').get(`/allocations/${allocationId}/lines/zhifu/notice`),
      (r) => r.status === 200,
    );
    const text = pdfText(notice.body as Buffer).replace(/\s+/g, '');
    expect(text).toContain('芝罘区');
    expect(text).toContain('合成数据');
    const zhifu = lines.find((line) => line.districtCode === 'zhifu')!;
    expect(text).toContain(`${Number(BigInt(zhifu.amountFen) / 100n).toLocaleString('en-US')}.00元`);
    await eventually(
      async () => system.mails.filter((mail) => /资金下达通知 LLHZ-/.test(mail.subject ?? '')).length,
      (count) => count >= DISTRICTS.length,
    );
  });

  it('pays a district once it acknowledges, and takes its usage report', async () => {
    const early = await as('district').post(`/allocations/${allocationId}/lines/zhifu/usage-report`, {
      spent: '1000.00',
      activities: '开展邻里互助助餐、探访关爱服务',
      beneficiaries: 120,
    });
    expect(early.status).toBe(409);

    const wrongDistrict = await as('district').post(
      `/allocations/${allocationId}/lines/fushan/acknowledgement`,
    );
    expect(wrongDistrict.status).toBe(403);

    const acknowledged = await as('district').post(
      `/allocations/${allocationId}/lines/zhifu/acknowledgement`,
    );
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.acknowledged).toEqual(['zhifu']);
    const twice = await as('district').post(`/allocations/${allocationId}/lines/zhifu/acknowledgement`);
    expect(twice.status).toBe(409);

    const shown = await as('city').get(`/allocations/${allocationId}`);
    const zhifu = (shown.body.lines as Line[]).find((line) => line.districtCode === 'zhifu')!;
    await eventually(
      () => as('finance1').get(`/applications/${zhifu.applicationId}`),
      (r) => r.body.status === 'awaiting_payment',
    );
    const before = await spentFen(new Date().getFullYear());
    await pay(zhifu.applicationId);
    expect((await spentFen(new Date().getFullYear())) - before).toBe(BigInt(zhifu.amountFen));

    const tooMuch = await as('district').post(`/allocations/${allocationId}/lines/zhifu/usage-report`, {
      spent: '100000000.00',
      activities: '开展邻里互助助餐、探访关爱服务',
      beneficiaries: 120,
    });
    expect(tooMuch.status).toBe(400);
    const reported = await as('district').post(`/allocations/${allocationId}/lines/zhifu/usage-report`, {
      spent: '52000.00',
      activities: '开展邻里互助助餐、探访关爱服务，培训互助志愿者',
      beneficiaries: 860,
    });
    expect(reported.status).toBe(201);
    expect(reported.body.reported).toEqual(['zhifu']);
  });

  it('shows a correction after payment as a difference, and moves money only by adjustments', async () => {
    const year = new Date().getFullYear();
    const approved = (await as('city').get(`/allocations/${allocationId}`)).body.lines as Line[];
    // Zhifu's figures were wrong: corrected after approval and payment, through the audited route.
    const corrected = await as('city').request('PATCH', `/allocation-inputs/${year}/zhifu`, {
      olderResidents: 120_000,
      urbanCommunities: 80,
      reason: '区民政局来函更正老年人口数和城市社区数',
    });
    expect(corrected.status).toBe(200);
    const audited = await AuditEvent.findOne({
      where: { action: 'allocation_input.corrected', subjectId: `${year}/zhifu` },
    });
    expect(audited?.after).toMatchObject({ olderResidents: 120_000, urbanCommunities: 80 });
    const recalculated = await as('city').get(`/allocations/${allocationId}/recalculation`);
    expect(recalculated.status).toBe(200);
    expect(recalculated.body.synthetic).toBe(true);
    const differences = recalculated.body.lines as Array<{ districtCode: string; differenceFen: string }>;
    const zhifuDifference = BigInt(differences.find((d) => d.districtCode === 'zhifu')!.differenceFen);
    expect(zhifuDifference).toBeLessThan(0n);
    // The same budget, placed again: what one district loses, the others gain.
    expect(differences.reduce((sum, d) => sum + BigInt(d.differenceFen), 0n)).toBe(0n);
    // Nothing moved by itself.
    const after = (await as('city').get(`/allocations/${allocationId}`)).body.lines as Line[];
    expect(after.map((l) => l.amountFen)).toEqual(approved.map((l) => l.amountFen));

    const zhifuLine = after.find((line) => line.districtCode === 'zhifu')!;
    const paidYuan = BigInt(zhifuLine.amountFen) / 100n;
    const excessive = await as('city').post(`/allocations/${allocationId}/adjustments`, {
      districtCode: 'zhifu',
      kind: 'recovery',
      amount: String(paidYuan + 1n),
      reason: '老年人口数更正后多拨部分',
    });
    expect(excessive.status).toBe(409);
    expect(excessive.body.error.code).toBe('RECOVERY_EXCEEDS_PAID');

    // Recovered in two parts; the second is judged against what the first left paid.
    const recoveryYuan = -zhifuDifference / 100n;
    const firstPartYuan = recoveryYuan / 2n;
    const firstPart = await as('city').post(`/allocations/${allocationId}/adjustments`, {
      districtCode: 'zhifu',
      kind: 'recovery',
      amount: String(firstPartYuan),
      reason: '老年人口数更正后多拨部分（第一笔）',
    });
    expect(firstPart.status).toBe(201);
    expect(
      (await as('finance1').post(`/allocations/${allocationId}/adjustments/${firstPart.body.id}/settlement`))
        .status,
    ).toBe(200);
    const recovery = await as('city').post(`/allocations/${allocationId}/adjustments`, {
      districtCode: 'zhifu',
      kind: 'recovery',
      amount: String(recoveryYuan - firstPartYuan),
      reason: '老年人口数更正后多拨部分（第二笔）',
    });
    expect(recovery.status).toBe(201);
    expect(recovery.body.status).toBe('due');
    const spentBefore = await spentFen(year);
    const settled = await as('finance1').post(
      `/allocations/${allocationId}/adjustments/${recovery.body.id}/settlement`,
    );
    expect(settled.status).toBe(200);
    expect(settled.body.status).toBe('settled');
    expect(spentBefore - (await spentFen(year))).toBe((recoveryYuan - firstPartYuan) * 100n);
    const twice = await as('finance1').post(
      `/allocations/${allocationId}/adjustments/${recovery.body.id}/settlement`,
    );
    expect(twice.status).toBe(409);

    // A district that gains: acknowledged, then topped up through its own payment.
    const gainer = differences.find((d) => BigInt(d.differenceFen) > 0n)!;
    const reviewer = await reviewerOf(gainer.districtCode);
    expect(
      (await reviewer.post(`/allocations/${allocationId}/lines/${gainer.districtCode}/acknowledgement`))
        .status,
    ).toBe(200);
    const gainerLine = after.find((line) => line.districtCode === gainer.districtCode)!;
    const pastCap = await as('city').post(`/allocations/${allocationId}/adjustments`, {
      districtCode: gainer.districtCode,
      kind: 'top_up',
      amount: String(100_000n - BigInt(gainerLine.amountFen) / 100n + 1n),
      reason: '超过每年十万元上限的追加',
    });
    expect(pastCap.status).toBe(409);
    expect(pastCap.body.error.code).toBe('CAP_EXCEEDED');
    const topUpBody = {
      districtCode: gainer.districtCode,
      kind: 'top_up',
      amount: String(BigInt(gainer.differenceFen) / 100n),
      reason: '芝罘区数据更正后重新测算增加部分',
    };
    const key = { 'Idempotency-Key': `top-up-${allocationId}` };
    const topUp = await as('city').post(`/allocations/${allocationId}/adjustments`, topUpBody, key);
    expect(topUp.status).toBe(201);
    expect(topUp.body.reference).toMatch(/^LLHZ-/);
    // Repeated after a time-out, say: the same top-up comes back, and no second one is made.
    const repeated = await as('city').post(`/allocations/${allocationId}/adjustments`, topUpBody, key);
    expect(repeated.headers.get('idempotent-replayed')).toBe('true');
    expect(repeated.body).toEqual(topUp.body);
    await eventually(
      () => as('finance1').get(`/applications/${topUp.body.applicationId}`),
      (r) => r.body.status === 'awaiting_payment',
    );
    await pay(topUp.body.applicationId as string);

    const shown = await as('city').get(`/allocations/${allocationId}`);
    const adjustments = shown.body.adjustments as Array<{ kind: string; status: string }>;
    expect(adjustments.map((a) => [a.kind, a.status])).toEqual([
      ['recovery', 'settled'],
      ['recovery', 'settled'],
      ['top_up', 'settled'],
    ]);
    const now = await as('city').get(`/allocations/${allocationId}/recalculation`);
    const remaining = (now.body.lines as Array<{ districtCode: string; differenceFen: string }>).filter((d) =>
      ['zhifu', gainer.districtCode].includes(d.districtCode),
    );
    expect(remaining.map((d) => d.differenceFen)).toEqual(['0', '0']);
  });
});

describe('usage reports', () => {
  const year = 2025;

  beforeAll(async () => {
    await AllocationInput.bulkCreate(
      DISTRICTS.map((district, i) => ({
        year,
        districtCode: district.code,
        urbanCommunities: 20 + i * 7,
        ruralCommunities: 100 + i * 31,
        olderResidents: 30_000 + i * 9_000,
        importId: null,
        synthetic: true,
        updatedBy: 'test',
        updatedAt: new Date(),
      })),
    );
    const admin = await AllocationInput.sequelize!.query<{ id: string }>(
      "SELECT id FROM users WHERE username = 'admin'",
      { type: 'SELECT' as never },
    );
    await inTransaction((tx) =>
      fundAppropriation(tx, {
        programCode: PROGRAM,
        year,
        fundSourceCode: 'city_special',
        amountFen: 100000000n,
        actor: (admin[0] as { id: string }).id,
      }),
    );
  });

  it('reminds those who have not reported, flags them overdue at the due date, and closes when all have', async () => {
    const refused = await as('city').post('/allocations', { year, usageReportDue: '2020-01-01T00:00:00Z' });
    expect(refused.status).toBe(400);

    const due = new Date(Date.now() + 40_000);
    const drafted = await as('city').post('/allocations', {
      year,
      usageReportDue: due.toISOString(),
      reminderBefore: 'PT15S',
    });
    expect(drafted.status).toBe(201);
    const id = drafted.body.id as string;
    const duplicate = await as('city').post('/allocations', { year, usageReportDue: due.toISOString() });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('ALLOCATION_EXISTS');

    expect((await as('city').post(`/allocations/${id}/approval`)).status).toBe(200);
    const report = { spent: '1000', activities: '开展邻里互助探访关爱服务', beneficiaries: 50 };
    for (const district of DISTRICTS) {
      const reviewer = await reviewerOf(district.code);
      // A district acknowledges once its notice is out; until then it is told to wait (409).
      const acknowledged = await eventually(
        () => reviewer.post(`/allocations/${id}/lines/${district.code}/acknowledgement`),
        (response) => response.status !== 409,
      );
      expect(acknowledged.status).toBe(200);
      // Zhifu is paid and reports at once, long before the reminder.
      if (district.code === 'zhifu') {
        const unpaid = await reviewer.post(`/allocations/${id}/lines/zhifu/usage-report`, report);
        expect(unpaid.status).toBe(409);
        expect(unpaid.body.error.code).toBe('NOT_PAID');
        await payLine(id, 'zhifu');
        expect((await reviewer.post(`/allocations/${id}/lines/zhifu/usage-report`, report)).status).toBe(201);
      }
    }

    const overdue = await eventually(
      () => as('city').get(`/allocations/${id}`),
      (r) => (r.body.lines as Line[]).filter((line) => line.usageOverdueAt).length === DISTRICTS.length - 1,
      60_000,
    );
    const lines = overdue.body.lines as Line[];
    const late = lines.filter((line) => line.districtCode !== 'zhifu');
    expect(late.every((line) => line.usageRemindedAt && line.usageOverdueAt)).toBe(true);
    const zhifu = lines.find((line) => line.districtCode === 'zhifu')!;
    expect(zhifu.usageRemindedAt).toBeNull();
    expect(zhifu.usageOverdueAt).toBeNull();
    const reminders = system.mails.filter((mail) => /使用情况报告提醒/.test(mail.subject ?? ''));
    expect(reminders.length).toBeGreaterThanOrEqual(late.length);
    // The year's figures are sample data: every reminder says so.
    expect(reminders.every((mail) => (mail.subject ?? '').startsWith('【合成数据，仅供演示】'))).toBe(true);

    for (const line of late) {
      const reviewer = await reviewerOf(line.districtCode);
      await payLine(id, line.districtCode);
      expect(
        (await reviewer.post(`/allocations/${id}/lines/${line.districtCode}/usage-report`, report)).status,
      ).toBe(201);
    }
    await eventually(
      () => Allocation.findByPk(id),
      (allocation) => allocation?.status === 'closed',
    );
  }, 180_000);
});
