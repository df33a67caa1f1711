import crypto from 'node:crypto';
import { database } from '../../db';
import { Application, Appropriation, Notice } from '../../db/models';
import { verifyLedger } from '../../services/money/ledger';
import { simulateBankResponse } from '../../services/money/bank';
import { ApiClient } from '../support/http';
import { eventually, pdfText } from '../support/pdf';
import { SAMPLE_PNG, samplePdf, sampleSubmission } from '../support/samples';
import { startSystem, type RunningSystem } from '../support/system';

let system: RunningSystem;
const users: Record<string, ApiClient> = {};

beforeAll(async () => {
  system = await startSystem();
  for (const name of [
    'provider',
    'township',
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

const as = (name: string): ApiClient => users[name] as ApiClient;
const sha256 = (content: Buffer): string => crypto.createHash('sha256').update(content).digest('hex');

describe('a home-bed reward from application to payment, through the HTTP API only', () => {
  it('is submitted, reviewed in stages, inspected, awarded, paid, noticed and audited', async () => {
    // Submission, and the same request again with its Idempotency-Key.
    const submitted = await as('provider').post('/applications', sampleSubmission(3), {
      'Idempotency-Key': 'e2e-first-submission',
    });
    expect(submitted.status).toBe(201);
    const application = submitted.body;
    expect(application.beds[0].idNumber).toMatch(/^37\*{14}\w{2}$/);
    const replay = await as('provider').post('/applications', sampleSubmission(3), {
      'Idempotency-Key': 'e2e-first-submission',
    });
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(application.id);
    expect(await Application.count()).toBe(1);
    const id = application.id as string;
    const bedIds = (application.beds as Array<{ id: string }>).map((bed) => bed.id);

    // Documents: the service contract for the application, an acceptance record per bed.
    const contract = await as('provider').upload(
      `/applications/${id}/documents`,
      {
        name: 'service-contract.pdf',
        content: await samplePdf('Service contract'),
        type: 'application/pdf',
      },
      { kind: 'service_contract' },
    );
    expect(contract.status).toBe(201);
    for (const bedId of bedIds) {
      const record = await as('provider').upload(
        `/applications/${id}/documents`,
        {
          name: 'acceptance.png',
          content: SAMPLE_PNG,
          type: 'image/png',
        },
        { kind: 'equipment_photos', bedId },
      );
      expect(record.status).toBe(201);
    }
    // The checklist the reviewer reads: photos for every bed, the business licence still missing.
    const checklist = (await as('township').get(`/applications/${id}`)).body.documentChecklist;
    expect(checklist.find((c: { kind: string }) => c.kind === 'equipment_photos')).toMatchObject({
      attached: 3,
      complete: true,
    });
    expect(checklist.find((c: { kind: string }) => c.kind === 'business_licence').complete).toBe(false);
    const wrongKind = await as('provider').upload(
      `/applications/${id}/documents`,
      { name: 'x.png', content: SAMPLE_PNG, type: 'image/png' },
      { kind: 'menu_photos' },
    );
    expect(wrongKind.status).toBe(400);

    // Completeness check asks for more (补正); the provider answers; then it is accepted.
    const ask = await as('township').post(`/applications/${id}/decisions`, {
      stage: 'completeness',
      decision: 'request_documents',
      reasons: ['请补充第2张床位的适老化改造验收照片'],
    });
    expect(ask.body).toMatchObject({ status: 'awaiting_applicant' });
    const extra = await as('provider').upload(
      `/applications/${id}/documents`,
      {
        name: 'extra.png',
        content: SAMPLE_PNG,
        type: 'image/png',
      },
      { kind: 'supplementary', bedId: bedIds[1] as string },
    );
    expect(extra.status).toBe(201);
    expect(
      (await as('provider').post(`/applications/${id}/response`, { note: '已补充验收照片' })).body.status,
    ).toBe('under_review');
    expect(
      (
        await as('township').post(`/applications/${id}/decisions`, {
          stage: 'completeness',
          decision: 'accept',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await as('township').post(`/applications/${id}/decisions`, {
          stage: 'first_review',
          decision: 'approve',
        })
      ).body,
    ).toMatchObject({ stage: 'site_inspection' });

    // On-site inspection: two beds pass, one fails with evidence.
    const evidence = await as('assessor').upload(
      `/applications/${id}/documents`,
      {
        name: 'site-photo.png',
        content: SAMPLE_PNG,
        type: 'image/png',
      },
      { kind: 'inspection_evidence', bedId: bedIds[2] as string },
    );
    expect(evidence.status).toBe(201);
    const findings = [
      { result: 'pass', note: '设施齐全，符合建设标准' },
      { result: 'pass', note: '符合建设标准' },
      { result: 'fail', note: '未安装紧急呼叫设备', evidenceDocumentIds: [evidence.body.id] },
    ];
    for (const [index, finding] of findings.entries()) {
      const inspected = await as('assessor').post(
        `/applications/${id}/beds/${bedIds[index]}/inspection`,
        finding,
      );
      expect(inspected.status).toBe(200);
    }
    expect(
      (
        await as('assessor').post(`/applications/${id}/decisions`, {
          stage: 'site_inspection',
          decision: 'complete',
        })
      ).status,
    ).toBe(200);

    // District review, then city approval: the award is computed and committed.
    expect(
      (
        await as('district').post(`/applications/${id}/decisions`, {
          stage: 'district_review',
          decision: 'approve',
        })
      ).status,
    ).toBe(200);
    const approved = await as('city').post(`/applications/${id}/decisions`, {
      stage: 'city_review',
      decision: 'approve',
    });
    expect(approved.body).toMatchObject({ status: 'awaiting_payment', award: '400000' });

    // Maker and checker: the preparer cannot approve; a second officer can.
    const prepared = await as('finance1').post(`/applications/${id}/payment`);
    expect(prepared.status).toBe(201);
    const paymentId = prepared.body.paymentId as string;
    const selfApproval = await as('finance1').post(`/payments/${paymentId}/approval`);
    expect(selfApproval.status).toBe(403);
    expect(selfApproval.body.error.code).toBe('FOUR_EYES');
    const approval = await as('finance2').post(`/payments/${paymentId}/approval`);
    expect(approval.body).toMatchObject({ status: 'payment_sent' });

    // The bank file goes out; the bank's status report comes back and is imported.
    const paymentFile = await as('finance1').get(approval.body.batchFile as string);
    expect(paymentFile.status).toBe(200);
    expect(paymentFile.body.toString('utf8')).toContain('<EndToEndId>PAY-');
    const report = simulateBankResponse(paymentFile.body as Buffer);
    const imported = await as('finance1').upload('/bank/confirmations', {
      name: report.fileName,
      content: report.content,
      type: 'application/xml',
    });
    expect(imported.status).toBe(200);
    expect(imported.body.lines).toEqual([expect.objectContaining({ outcome: 'matched-paid', paymentId })]);
    const paid = await eventually(
      () => as('provider').get(`/applications/${id}`),
      (r) => r.body.status === 'paid',
    );
    expect(paid.body.award.yuan).toBe('4000.00');

    // Database facts: the money moved from committed to spent, and the ledger balances.
    const appropriation = await Appropriation.findByPk(
      (await Application.findByPk(id))?.appropriationId ?? 0,
    );
    expect(appropriation?.spentFen).toBe('400000');
    expect(appropriation?.committedFen).toBe('0');
    expect((await verifyLedger()).ok).toBe(true);

    // Notices: each a Chinese PDF with the facts, stored with its hash, and mailed.
    const notices = await Notice.findAll({ where: { applicationId: id }, order: [['createdAt', 'ASC']] });
    expect(notices.map((n) => n.kind)).toEqual(['documents_requested', 'acceptance', 'award', 'payment']);
    const texts: Record<string, string> = {};
    for (const notice of notices) {
      const pdf = await as('provider').get(`/notices/${notice.noticeKey}/pdf`);
      expect(pdf.status).toBe(200);
      expect(sha256(pdf.body as Buffer)).toBe(notice.sha256);
      texts[notice.kind] = pdfText(pdf.body as Buffer).replace(/\s+/g, '');
    }
    expect(texts.documents_requested).toContain('补正通知书');
    expect(texts.acceptance).toContain('受理通知书');
    expect(texts.award).toContain('奖补决定书');
    expect(texts.award).toContain('4,000.00');
    expect(texts.award).toContain('人民币肆仟元整');
    expect(texts.award).toContain('不合格');
    expect(texts.award).toContain(application.beds[2].idNumber);
    expect(texts.payment).toContain('资金拨付通知书');
    expect(texts.payment).toContain('人民币肆仟元整');
    for (const text of Object.values(texts)) expect(text).toContain(application.reference);

    await eventually(
      async () => system.mails.length,
      (n) => n >= 4,
    );
    expect(system.mails).toHaveLength(4);
    for (const notice of notices) {
      const mail = system.mails.find((m) => m.attachments.some((a) => sha256(a.content) === notice.sha256));
      expect(mail?.to).toMatchObject({ text: 'provider@example.test' });
      expect(mail?.attachments[0]?.contentType).toBe('application/pdf');
    }

    // The provider reads the whole timeline.
    const timeline = await as('provider').get(`/applications/${id}/timeline`);
    const actions = (timeline.body.events as Array<{ action: string }>).map((e) => e.action);
    expect(actions[0]).toBe('application.submitted');
    expect(actions).toEqual(
      expect.arrayContaining(['application.decided', 'bed.inspected', 'award.committed', 'application.paid']),
    );

    // The audit chain verifies; one edited row breaks it exactly there.
    expect((await as('admin').get('/audit/verification')).body).toMatchObject({ intact: true });
    const [row] = (
      await database().query("SELECT id FROM audit_events WHERE action = 'award.committed'")
    )[0] as Array<{ id: string }>;
    await database().query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change');
    await database().query(
      `UPDATE audit_events SET after = jsonb_set(after, '{awardFen}', '"9900000"') WHERE id = ${row?.id}`,
    );
    await database().query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change');
    const broken = await as('admin').get('/audit/verification');
    expect(broken.body).toMatchObject({
      intact: false,
      brokenAt: { id: String(row?.id), reason: 'hash-mismatch' },
    });
  }, 180_000);
});
