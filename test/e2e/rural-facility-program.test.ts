import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFlag, Notice } from '../../db/models';
import { simulateBankResponse } from '../../services/money/bank';
import { ApiClient } from '../support/http';
import { eventually, pdfText } from '../support/pdf';
import { publishVariant } from '../support/programs';
import { sampleApplicant } from '../support/samples';
import { startSystem, type RunningSystem } from '../support/system';

/*
 * The fourth program — operating rewards for rural happiness homes and elder canteens —
 * exists only as a definition file (services/programs/definitions/rural-happiness-home-canteen.yaml).
 * These tests take its applications through the same generic workflow, API and finance
 * path as the home-bed program, with no code of its own.
 */

const PROGRAM = 'rural-happiness-home-canteen';
let system: RunningSystem;
const users: Record<string, ApiClient> = {};
const as = (name: string): ApiClient => users[name] as ApiClient;

beforeAll(async () => {
  system = await startSystem();
  for (const name of ['provider', 'township', 'district', 'city', 'finance1', 'finance2', 'admin'])
    users[name] = await ApiClient.login(system.url, name);
  // The file opens its window in October; a version open all year keeps the test independent of the day.
  await publishVariant(as('admin'), PROGRAM, (definition) => {
    definition.window = { ...definition.window, opens: '01-01', closes: '12-31' };
  });
}, 120_000);
afterAll(() => system?.stop());

function canteen(facts: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    programCode: PROGRAM,
    applicantType: 'provider',
    ...sampleApplicant(),
    facts: {
      facilityType: 'elder_canteen',
      facilityName: '示例村老年食堂（合成数据）',
      facilityCode: 'ZF-T1-ST-0001',
      operatingMonths: 12,
      olderPeopleServed: 120,
      mealsServedPerDay: 80,
      passedAnnualEvaluation: true,
      ...facts,
    },
  };
}

async function reviewToCity(id: string): Promise<void> {
  const steps: Array<[string, string, string]> = [
    ['township', 'completeness', 'accept'],
    ['township', 'township_review', 'approve'],
    ['district', 'district_review', 'approve'],
  ];
  for (const [user, stage, decision] of steps) {
    const response = await as(user).post(`/applications/${id}/decisions`, { stage, decision });
    expect(response.status).toBe(200);
  }
}

async function noticeText(applicationId: string, kind: string): Promise<string> {
  const notice = await Notice.findOne({ where: { applicationId, kind } });
  const pdf = await as('provider').get(`/notices/${notice?.noticeKey}/pdf`);
  return pdfText(pdf.body as Buffer).replace(/\s+/g, '');
}

const REPO = path.resolve(__dirname, '../..');

/** Every TypeScript file of the running system: what a new program must not need to touch. */
function sourceFiles(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('an elder canteen operating reward, a program added by definition file alone', () => {
  it('is named in no source file: its definition and data files are all there is of it', () => {
    const code = ['services', 'workflows', 'activities', 'db'].flatMap((dir) =>
      sourceFiles(path.join(REPO, dir)),
    );
    expect(code.length).toBeGreaterThan(100);

    const naming = code.filter((file) =>
      /rural-happiness-home-canteen|农村幸福院/.test(fs.readFileSync(file, 'utf8')),
    );

    expect(naming.map((file) => path.relative(REPO, file))).toEqual([]);
  });

  it('is submitted, reviewed in four stages, awarded by its formula, paid and noticed', async () => {
    const submitted = await as('provider').post('/applications', canteen());
    expect(submitted.status).toBe(201);
    expect(submitted.body.reference).toMatch(/^XFST-\d{4}-\d{6}$/);
    expect(submitted.body.beds).toEqual([]);
    const id = submitted.body.id as string;

    await reviewToCity(id);
    const approved = await as('city').post(`/applications/${id}/decisions`, {
      stage: 'city_approval',
      decision: 'approve',
    });

    // 30,000 yuan canteen base + 120 people × 100 yuan × 12/12 months = 42,000 yuan, under the 50,000 cap.
    expect(approved.body).toMatchObject({ status: 'awaiting_payment', award: '4200000' });
    const explanation = await as('provider').get(`/applications/${id}/explanation`);
    const trace = explanation.body.evaluations[0].trace;
    expect(trace.rules.every((rule: { passed: boolean }) => rule.passed)).toBe(true);
    expect(trace.amount.values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'olderPeopleServed', kind: 'fact', value: 120 }),
        expect.objectContaining({
          name: 'elder_canteen_base_reward_fen',
          kind: 'parameter',
          value: 3_000_000,
        }),
      ]),
    );

    const prepared = await as('finance1').post(`/applications/${id}/payment`);
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
      () => as('provider').get(`/applications/${id}`),
      (r) => r.body.status === 'paid',
    );

    const acceptance = await noticeText(id, 'acceptance');
    expect(acceptance).toContain('农村幸福院、老年食堂运营奖补');
    expect(acceptance).toContain('示例村老年食堂（合成数据）');
    const award = await noticeText(id, 'award');
    expect(award).toContain('人民币肆万贰仟元整');
    expect(award).toContain('二(四)1');
    expect(award).toContain('设施类型：老年食堂');
    expect(await noticeText(id, 'payment')).toContain('人民币肆万贰仟元整');
  });

  it('does not pay the same canteen twice in a year: flagged at submission, refused at the award', async () => {
    const submitted = await as('provider').post('/applications', canteen());
    const id = submitted.body.id as string;

    const flag = await ApplicationFlag.findOne({ where: { applicationId: id, kind: 'double_payment' } });
    expect(flag).not.toBeNull();
    await reviewToCity(id);
    const decided = await as('city').post(`/applications/${id}/decisions`, {
      stage: 'city_approval',
      decision: 'approve',
    });

    expect(decided.body.status).toBe('refused');
    expect(await noticeText(id, 'refusal')).toContain('不再重复奖补');
  });

  it('refuses a canteen that ran too few months, quoting the rule with the values it saw', async () => {
    const submitted = await as('provider').post(
      '/applications',
      canteen({ facilityCode: 'ZF-T1-ST-0002', operatingMonths: 3 }),
    );
    const id = submitted.body.id as string;
    await reviewToCity(id);

    const decided = await as('city').post(`/applications/${id}/decisions`, {
      stage: 'city_approval',
      decision: 'approve',
    });

    expect(decided.body.status).toBe('refused');
    expect(await noticeText(id, 'refusal')).toContain('本年度运营3个月，未达到运营时间要求（不少于6个月）');
  });

  it('refuses facts the program does not declare, or of the wrong type, before anything is written', async () => {
    const response = await as('provider').post(
      '/applications',
      canteen({ operatingMonths: 13, stars: 5, facilityType: 'nursing_home' }),
    );

    expect(response.status).toBe(400);
    const fields = response.body.error.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(['facts.facilityType', 'facts.operatingMonths', 'facts.stars']);
  });
});
