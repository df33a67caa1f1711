import { Notice } from '../../db/models';
import { readNoticePdf } from '../../services/notices';
import { ApiClient } from '../support/http';
import { submitAndReviewToCity } from '../support/journey';
import { pdfText } from '../support/pdf';
import { publishVariant, repositoryDefinition, setParameter } from '../support/programs';
import { sampleSubmission } from '../support/samples';
import { startSystem, type RunningSystem } from '../support/system';

let system: RunningSystem;
const users: Record<string, ApiClient> = {};
const as = (name: string): ApiClient => users[name] as ApiClient;

beforeAll(async () => {
  system = await startSystem();
  for (const name of ['provider', 'township', 'assessor', 'district', 'city', 'admin'])
    users[name] = await ApiClient.login(system.url, name);
}, 120_000);
afterAll(() => system?.stop());

async function approveAtCity(id: string) {
  return as('city').post(`/applications/${id}/decisions`, { stage: 'city_review', decision: 'approve' });
}

describe('GET /programs', () => {
  it('lists the programs loaded from their definition files, each with its version in force', async () => {
    const response = await as('provider').get('/programs');

    expect(response.status).toBe(200);
    const codes = response.body.map((p: { code: string }) => p.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        'home-bed',
        'township-demonstration',
        'neighbourhood-mutual-aid',
        'rural-happiness-home-canteen',
      ]),
    );
    expect(response.body.find((p: { code: string }) => p.code === 'home-bed').versionInForce).toBe(1);
  });

  it('shows a version with its stages, rules and the parameters in force today', async () => {
    const response = await as('district').get('/programs/home-bed/versions/1');

    expect(response.status).toBe(200);
    expect(response.body.definition.stages.first).toBe('completeness');
    expect(response.body.definition.eligibility.length).toBeGreaterThan(0);
    expect(response.body.parametersInForceToday.reward_per_bed_fen.value).toBe(200_000);
    expect(response.body.parametersInForceToday.reward_per_bed_fen.policyClause).toBe('二(二)1');
  });
});

describe('POST /programs/:code/versions', () => {
  it('is for administrators only', async () => {
    const response = await as('city').post('/programs/home-bed/versions', repositoryDefinition('home-bed'));
    expect(response.status).toBe(403);
  });

  it('refuses a broken definition, naming the path and the problem, and publishes nothing', async () => {
    const yaml = 'code: home-bed\nname: 家庭养老床位奖补\nstages: {first: nowhere, stages: []}\n';
    const broken = await fetch(`${system.url}/programs/home-bed/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${as('admin').token}`, 'content-type': 'application/yaml' },
      body: yaml,
    });
    const body = (await broken.json()) as { error: { code: string; details: Array<{ field: string }> } };
    expect(broken.status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.length).toBeGreaterThan(1);
    expect((await as('admin').get('/programs/home-bed')).body.versions).toHaveLength(1);
  });

  it('refuses a definition of another program than the one in the path', async () => {
    const response = await as('admin').post(
      '/programs/home-bed/versions',
      repositoryDefinition('township-demonstration'),
    );
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('code');
  });
});

describe('version pinning', () => {
  it('judges each application by the version it was submitted under, across a publish and a retirement', async () => {
    const before = await submitAndReviewToCity(as, 2);
    const version = await publishVariant(as('admin'), 'home-bed', (definition) =>
      setParameter(definition, 'reward_per_bed_fen', 500_000),
    );
    expect(version).toBe(2);
    const after = await submitAndReviewToCity(as, 2);

    expect((await approveAtCity(before)).body.award).toBe('400000');
    expect((await approveAtCity(after)).body.award).toBe('1000000');
    const explanation = await as('provider').get(`/applications/${before}/explanation`);
    expect(explanation.body.programVersion.version).toBe(1);
    const reward = explanation.body.evaluations[0].trace.amount.values.find(
      (v: { name: string }) => v.name === 'reward_per_bed_fen',
    );
    expect(reward).toMatchObject({
      kind: 'parameter',
      value: 200_000,
      effectiveFrom: '2024-01-01',
      policyClause: '二(二)1',
    });
    expect(explanation.body.flags).toBeUndefined();

    const retired = await as('admin').post('/programs/home-bed/versions/2/retire', { reason: '测试结束' });
    expect(retired.body.status).toBe('retired');
    const again = await as('admin').post('/programs/home-bed/versions/2/retire', { reason: '测试结束' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('VERSION_RETIRED');
    const later = await as('provider').post('/applications', sampleSubmission(1));
    const laterExplanation = await as('provider').get(`/applications/${later.body.id}/explanation`);
    expect(laterExplanation.body.programVersion.version).toBe(1);
  });
});

describe('an application that fails the program rules at the award', () => {
  it('is refused with a notice quoting the failed rules in Chinese, and the trace explains it', async () => {
    const id = await submitAndReviewToCity(as, 2, 'fail');

    const decided = await approveAtCity(id);

    expect(decided.body.status).toBe('refused');
    const explanation = await as('district').get(`/applications/${id}/explanation`);
    const failed = explanation.body.evaluations[0].trace.rules.filter((r: { passed: boolean }) => !r.passed);
    expect(failed.length).toBeGreaterThan(0);
    const seen = failed[0].values.find((v: { name: string }) => v.name === 'subjectsPassed');
    expect(seen).toMatchObject({ kind: 'fact', value: 0 });
    const refusal = await Notice.findOne({ where: { applicationId: id, kind: 'refusal' } });
    const text = pdfText((await readNoticePdf(refusal!.noticeKey)).content).replace(/\s+/g, '');
    expect(text).toContain(String(failed[0].failMessage).replace(/\s+/g, '').slice(0, 12));
  });
});

describe('applications the programs do not take', () => {
  it('refuses one for a competitive program while no round is open, with 409 ROUND_NOT_OPEN', async () => {
    const response = await as('provider').post('/applications', {
      ...sampleSubmission(1),
      programCode: 'township-demonstration',
    });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('ROUND_NOT_OPEN');
  });

  it('refuses one for an allocation program with 409 PROGRAM_NOT_OPEN_FOR_APPLICATIONS', async () => {
    const response = await as('provider').post('/applications', {
      ...sampleSubmission(1),
      programCode: 'neighbourhood-mutual-aid',
    });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('PROGRAM_NOT_OPEN_FOR_APPLICATIONS');
  });

  it('refuses a blacklisted organisation with 409 APPLICANT_BLACKLISTED and records nothing', async () => {
    const listed = await as('admin').post('/blacklist', {
      creditCode: '91370602MA3C0001X0',
      organisationName: '烟台示例居家养老服务有限公司（演示）',
      reason: '虚报床位骗取补贴',
      listedFrom: '2025-01-01',
    });
    expect(listed.status).toBe(201);
    const count = (await as('provider').get('/applications')).body.total;

    const response = await as('provider').post('/applications', sampleSubmission(1));

    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('APPLICANT_BLACKLISTED');
    expect((await as('provider').get('/applications')).body.total).toBe(count);
    await as('admin').post(`/blacklist/${listed.body.id}/lift`, { reason: '整改完成' });
    expect((await as('provider').post('/applications', sampleSubmission(1))).status).toBe(201);
  });
});

describe('long-term care insurance coordination', () => {
  it('flags a bed whose person the insurer already covers; a version set to exclude leaves it unpaid', async () => {
    const body = sampleSubmission(2) as { beds: Array<{ idNumber: string }> };
    const covered = body.beds[0]?.idNumber as string;
    const imported = await as('admin').post('/long-term-care/coverage', {
      rows: [
        { idNumber: covered, coveredFrom: '2025-01-01', coveredTo: null, sourceReference: 'LTC-2026-0001' },
      ],
    });
    expect(imported.status).toBe(201);
    const version = await publishVariant(as('admin'), 'home-bed', (definition) =>
      setParameter(definition, 'ltc_overlap_action', 'exclude'),
    );

    const id = await submitAndReviewToCity(as, body);
    const flags = (await as('district').get(`/applications/${id}/explanation`)).body.flags;
    expect(flags.map((f: { kind: string }) => f.kind)).toContain('long_term_care');
    const decided = await approveAtCity(id);
    await as('admin').post(`/programs/home-bed/versions/${version}/retire`, { reason: '测试结束' });

    // Two beds passed; the covered one is excluded: one bed × 2,000 yuan.
    expect(decided.body.award).toBe('200000');
    const trace = (await as('district').get(`/applications/${id}/explanation`)).body.evaluations[0].trace;
    expect(trace.facts).toMatchObject({ subjectsPassed: 2, ltcCoveredSubjects: 1, subjectsPayable: 1 });
  });
});

describe('caps', () => {
  it("lowers an award to what is left of the applicant's yearly cap, and refuses once nothing is left", async () => {
    const used = BigInt(
      (await as('city').get('/applications?limit=200')).body.items
        .filter((a: { award: string | null }) => a.award !== null)
        .reduce((sum: number, a: { award: string }) => sum + Math.round(Number(a.award) * 100), 0),
    );
    // Room for 1,500 yuan more: less than one two-bed award of 4,000 yuan.
    const version = await publishVariant(as('admin'), 'home-bed', (definition) =>
      setParameter(definition, 'per_applicant_cap_fen', Number(used + 150_000n)),
    );
    const capped = await submitAndReviewToCity(as, 2);
    const refused = await submitAndReviewToCity(as, 2);

    expect((await approveAtCity(capped)).body.award).toBe('150000');
    const decided = await approveAtCity(refused);
    await as('admin').post(`/programs/home-bed/versions/${version}/retire`, { reason: '测试结束' });

    expect(decided.body.status).toBe('refused');
    const trace = (await as('city').get(`/applications/${capped}/explanation`)).body.evaluations[0].trace;
    expect(trace.caps[0]).toMatchObject({ cap: 'perApplicantPerYear', applied: true, roomFen: '150000' });
    const refusal = await Notice.findOne({ where: { applicationId: refused, kind: 'refusal' } });
    expect(pdfText((await readNoticePdf(refusal!.noticeKey)).content).replace(/\s+/g, '')).toContain(
      '已用完',
    );
  });
});
