import { Application, AuditEvent, Notice } from '../../db/models';
import type { DecisionRule } from '../../workflows/stages';
import { ApiClient } from '../support/http';
import { eventually, pdfText } from '../support/pdf';
import { publishVariant } from '../support/programs';
import { sampleSubmission } from '../support/samples';
import { startSystem, type RunningSystem } from '../support/system';

/*
 * A request for documents with a time limit (补正期限): the notice states the last day; an
 * applicant who answers in time goes on; one who does not has the application lapse. The
 * limit is seconds long through a published program version, never through the code.
 */

let system: RunningSystem;
const users: Record<string, ApiClient> = {};
const as = (name: string): ApiClient => users[name] as ApiClient;

beforeAll(async () => {
  system = await startSystem();
  for (const name of ['provider', 'township', 'admin']) users[name] = await ApiClient.login(system.url, name);
  await publishVariant(as('admin'), 'home-bed', (definition) => {
    const completeness = definition.stages.stages.find((stage) => stage.id === 'completeness')!;
    const request = completeness.decisions.request_documents as DecisionRule;
    request.answerWithin = { duration: 'PT6S' };
  });
}, 120_000);
afterAll(() => system?.stop());

async function submitAndRequestDocuments(): Promise<string> {
  const submitted = await as('provider').post('/applications', sampleSubmission(1));
  expect(submitted.status).toBe(201);
  const id = submitted.body.id as string;
  const requested = await as('township').post(`/applications/${id}/decisions`, {
    stage: 'completeness',
    decision: 'request_documents',
    reasons: ['缺少服务协议原件扫描件'],
  });
  expect(requested.status).toBe(200);
  return id;
}

async function noticeText(applicationId: string, kind: string): Promise<string> {
  const notice = await eventually(
    () => Notice.findOne({ where: { applicationId, kind } }),
    (found) => found !== null,
  );
  const pdf = await as('provider').get(`/notices/${notice!.noticeKey}/pdf`);
  return pdfText(pdf.body as Buffer).replace(/\s+/g, '');
}

describe('a request for documents with a time limit', () => {
  it('lets the application lapse when the applicant does not answer in time', async () => {
    const id = await submitAndRequestDocuments();
    expect(await noticeText(id, 'documents_requested')).toMatch(/请于\d{4}年\d{1,2}月\d{1,2}日前/);

    await eventually(
      async () => (await Application.findByPk(id))!.status,
      (status) => status === 'refused',
      30_000,
    );
    expect(await noticeText(id, 'refusal')).toContain('视为放弃申请');
    const lapsed = await AuditEvent.findOne({ where: { action: 'application.lapsed', subjectId: id } });
    expect(lapsed?.actor).toBe('system:deadlines');
    const late = await as('provider').post(`/applications/${id}/response`, { note: '已补充服务协议' });
    expect(late.status).toBe(409);
  });

  it('goes on when the applicant answers in time, and does not lapse afterwards', async () => {
    const id = await submitAndRequestDocuments();

    const answered = await as('provider').post(`/applications/${id}/response`, { note: '已补充服务协议' });
    expect(answered.status).toBe(200);
    expect(answered.body.status).toBe('under_review');

    // Well past the limit: still under review, at the stage that asked.
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    expect(await Application.findByPk(id)).toMatchObject({ status: 'under_review', stage: 'completeness' });
    expect(await AuditEvent.count({ where: { action: 'application.lapsed', subjectId: id } })).toBe(0);
  });
});
