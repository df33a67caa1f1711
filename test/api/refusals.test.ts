import crypto from 'node:crypto';
import bcrypt from 'bcryptjs';
import { Application, AuditEvent, Decision, Notice, Payment, User } from '../../db/models';
import { publishVariant, setParameter } from '../support/programs';
import { readNoticePdf } from '../../services/notices';
import { simulateBankResponse } from '../../services/money/bank';
import { ApiClient } from '../support/http';
import { submitAndReviewToCity } from '../support/journey';
import { eventually, pdfText } from '../support/pdf';
import { sampleSubmission } from '../support/samples';
import { startSystem, type RunningSystem } from '../support/system';

let system: RunningSystem;
const users: Record<string, ApiClient> = {};
const as = (name: string): ApiClient => users[name] as ApiClient;

beforeAll(async () => {
  system = await startSystem();
  // A reviewer of the neighbouring township, to be refused on an application from zhifu-t1.
  await User.create({
    id: crypto.randomUUID(),
    username: 'township2',
    displayName: '芝罘区示例街道二审核员',
    email: 'township2@example.test',
    passwordHash: await bcrypt.hash('demo-2026', 4),
    role: 'township_reviewer',
    regionCode: 'zhifu-t2',
    organisationCreditCode: null,
    organisationName: null,
  });
  for (const name of [
    'provider',
    'township',
    'township2',
    'assessor',
    'district',
    'city',
    'finance1',
    'finance2',
    'admin',
  ]) {
    users[name] = await ApiClient.login(system.url, name);
  }
}, 120_000);
afterAll(() => system?.stop());

/** Row counts that must not move when a request is refused. */
async function counts(): Promise<number[]> {
  return Promise.all([Application.count(), AuditEvent.count(), Decision.count(), Payment.count()]);
}

describe('POST /applications with bad input', () => {
  const cases: Array<[string, (body: any) => void, string]> = [
    [
      'missing fields',
      (body) => {
        delete body.bankAccount;
        delete body.beds;
      },
      'bankAccount',
    ],
    [
      'a wrong credit-code check character',
      (body) => {
        body.organisation.creditCode = '91370602MA3C0001X1';
      },
      'organisation.creditCode',
    ],
    [
      'a malformed resident ID number',
      (body) => {
        body.beds[0].idNumber = '37060219400115021';
      },
      'beds.0.idNumber',
    ],
    [
      'a resident ID number with a wrong check digit',
      (body) => {
        body.beds[1].idNumber = '370602194102150221';
      },
      'beds.1.idNumber',
    ],
    [
      'the same older person twice',
      (body) => {
        body.beds[1].idNumber = body.beds[0].idNumber;
      },
      'beds.1',
    ],
  ];

  it.each(cases)(
    'refuses %s with a 400 that names the field, writing nothing',
    async (_name, spoil, field) => {
      const before = await counts();
      const body = sampleSubmission(2);
      spoil(body);

      const response = await as('provider').post('/applications', body);

      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(await counts()).toEqual(before);
    },
  );

  it('refuses a township outside the district', async () => {
    const response = await as('provider').post('/applications', {
      ...sampleSubmission(1),
      townshipCode: 'fushan-t1',
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('townshipCode');
  });

  it('refuses a reviewer who tries to apply, and a request without a token', async () => {
    expect((await as('city').post('/applications', sampleSubmission(1))).status).toBe(403);
    expect((await new ApiClient(system.url).post('/applications', sampleSubmission(1))).status).toBe(401);
  });
});

describe('POST /applications/:id/decisions by the wrong person', () => {
  let id: string;
  beforeAll(async () => {
    id = (await as('provider').post('/applications', sampleSubmission(1))).body.id as string;
  });

  it('refuses the wrong role with 403 FORBIDDEN_ROLE and records nothing', async () => {
    const before = await counts();
    const response = await as('district').post(`/applications/${id}/decisions`, {
      stage: 'completeness',
      decision: 'accept',
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('FORBIDDEN_ROLE');
    expect(await counts()).toEqual(before);
  });

  // Staff see only their region's applications, so another township's reviewer meets a 404
  // before the workflow's own region check (which stays as a second line of defence).
  it('refuses a reviewer of another township, who cannot even see the application', async () => {
    const before = await counts();
    const response = await as('township2').post(`/applications/${id}/decisions`, {
      stage: 'completeness',
      decision: 'accept',
    });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
    expect(await counts()).toEqual(before);
  });

  it('refuses a decision for a stage the application is not at, and a refusal without reasons', async () => {
    const early = await as('township').post(`/applications/${id}/decisions`, {
      stage: 'first_review',
      decision: 'approve',
    });
    expect(early.status).toBe(409);
    const silent = await as('township').post(`/applications/${id}/decisions`, {
      stage: 'completeness',
      decision: 'refuse',
    });
    expect(silent.status).toBe(400);
  });
});

describe('a refused application', () => {
  it('gets a refusal notice with the reasons and the remedies, and takes no further decision', async () => {
    const id = (await as('provider').post('/applications', sampleSubmission(1))).body.id as string;
    const refused = await as('township').post(`/applications/${id}/decisions`, {
      stage: 'completeness',
      decision: 'refuse',
      reasons: ['申报主体不属于本辖区登记的养老服务机构'],
    });
    expect(refused.body.status).toBe('refused');

    const notice = await Notice.findOne({ where: { applicationId: id, kind: 'refusal' } });
    const text = pdfText((await readNoticePdf(notice?.noticeKey ?? '')).content).replace(/\s+/g, '');
    expect(text).toContain('申报主体不属于本辖区登记的养老服务机构');
    expect(text).toContain('行政复议');
    expect(text).toContain('行政诉讼');

    const before = await counts();
    const again = await as('township').post(`/applications/${id}/decisions`, {
      stage: 'completeness',
      decision: 'accept',
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('APPLICATION_CLOSED');
    expect(await counts()).toEqual(before);
  });
});

describe('a payment approved by the officer who prepared it', () => {
  it('is refused with 403 FOUR_EYES and the payment stays prepared', async () => {
    const id = await submitAndReviewToCity(as, 2);
    await as('city').post(`/applications/${id}/decisions`, { stage: 'city_review', decision: 'approve' });
    const prepared = await as('finance1').post(`/applications/${id}/payment`);
    const paymentId = prepared.body.paymentId as string;

    const response = await as('finance1').post(`/payments/${paymentId}/approval`);

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('FOUR_EYES');
    const payment = await Payment.findByPk(paymentId);
    expect(payment).toMatchObject({ status: 'prepared', approvedBy: null, batchId: null });
  });
});

describe('a payment the bank rejects', () => {
  it('returns the application to finance with the bank reason, and a new payment can be made', async () => {
    const id = await submitAndReviewToCity(as, 2);
    await as('city').post(`/applications/${id}/decisions`, { stage: 'city_review', decision: 'approve' });
    const first = (await as('finance1').post(`/applications/${id}/payment`)).body.paymentId as string;
    const approval = await as('finance2').post(`/payments/${first}/approval`);
    const file = (await as('finance1').get(approval.body.batchFile as string)).body as Buffer;
    const reference = (await Payment.findByPk(first))?.reference as string;
    const report = simulateBankResponse(file, { reject: { [reference]: 'AC04' } });

    const imported = await as('finance1').upload('/bank/confirmations', {
      name: report.fileName,
      content: report.content,
      type: 'application/xml',
    });

    expect(imported.body.lines).toEqual([
      expect.objectContaining({ outcome: 'matched-failed', paymentId: first }),
    ]);
    const back = await eventually(
      () => as('provider').get(`/applications/${id}`),
      (r) => r.body.status === 'awaiting_payment',
    );
    expect(back.body.payments[0]).toMatchObject({
      status: 'failed',
      bankReason: expect.stringContaining('AC04'),
    });
    const second = await as('finance1').post(`/applications/${id}/payment`);
    expect(second.status).toBe(201);
    expect(second.body.paymentId).not.toBe(first);
  });
});

// Last: its award uses up the demo provider's yearly cap, so later awards would be capped to nothing.
describe('an award the budget cannot hold', () => {
  it('waits for funds, and is committed once the appropriation is raised', async () => {
    // A version with a reward far beyond the seeded budget, in force for today's applications.
    const version = await publishVariant(as('admin'), 'home-bed', (definition) => {
      setParameter(definition, 'reward_per_bed_fen', 1_000_000_000);
      setParameter(definition, 'per_applicant_cap_fen', 100_000_000_000);
    });
    const id = await submitAndReviewToCity(as, 2);
    // Retired at once: the application keeps the version it pinned; later tests get the file's.
    await as('admin').post(`/programs/home-bed/versions/${version}/retire`, { reason: 'test over' });

    const approved = await as('city').post(`/applications/${id}/decisions`, {
      stage: 'city_review',
      decision: 'approve',
    });
    expect(approved.body.status).toBe('awaiting_funds');

    const raised = await as('admin').post('/appropriations', {
      programCode: 'home-bed',
      year: new Date().getFullYear(),
      fundSourceCode: 'city_special',
      amount: '20000000',
    });
    expect(raised.status).toBe(201);
    const committed = await eventually(
      () => as('provider').get(`/applications/${id}`),
      (r) => r.body.status === 'awaiting_payment',
    );
    expect(committed.body.award.yuan).toBe('20000000.00');
  });
});
