import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { database } from '../../db';
import { AuditEvent, Notice } from '../../db/models';
import { verifyAuditChain } from '../../services/audit';
import { loadConfig, setConfig } from '../../services/config';
import { issueNotice, readNoticePdf } from '../../services/notices';
import { releaseTestDatabase, useTestDatabase } from '../support/database';
import { acceptance, award, refusal } from './fixtures';
import { pdfTextCompact } from './pdf-tools';
import { startSmtpServer, type TestSmtpServer } from './smtp';

const sha256 = (content: Buffer): string => crypto.createHash('sha256').update(content).digest('hex');
const ACTOR = 'system:notices-test';

let smtp: TestSmtpServer;
let dataDir: string;

beforeAll(async () => {
  const { databaseUrl } = await useTestDatabase();
  smtp = await startSmtpServer();
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'notices-test-'));
  // useTestDatabase set the configuration; keep its database and add our mail server and files.
  const environment = { ...process.env, DATABASE_URL: databaseUrl, SMTP_URL: smtp.url, DATA_DIR: dataDir };
  setConfig(loadConfig(environment));
});

afterAll(async () => {
  await releaseTestDatabase();
  await smtp.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

function auditEventsFor(noticeKey: string): Promise<AuditEvent[]> {
  return AuditEvent.findAll({
    where: database().literal(`after->>'noticeKey' = ${database().escape(noticeKey)}`),
    order: [['id', 'ASC']],
  });
}

function mailsWithSubject(subject: string): TestSmtpServer['received'] {
  return smtp.received.filter(({ mail }) => mail.subject === subject);
}

describe('issueNotice', () => {
  it('stores, records, audits and mails a notice once, however often it is issued', async () => {
    const content = acceptance();
    const input = { applicationId: null, recipientEmail: 'contact@kangle.example.cn', actor: ACTOR, content };

    const first = await issueNotice(input);
    const second = await issueNotice(input);

    expect(second).toEqual(first);
    expect(first).toMatchObject({ noticeKey: content.noticeKey, kind: 'acceptance' });
    expect(first.fileName).toBe('受理通知书-JTCW-2026-000001.pdf');
    expect(first.emailedAt).toBeInstanceOf(Date);
    expect(await Notice.count({ where: { noticeKey: content.noticeKey } })).toBe(1);

    const events = await auditEventsFor(content.noticeKey);
    expect(events.map((event) => [event.action, event.subjectType, event.subjectId])).toEqual([
      ['notice.issued', 'notice', first.id],
      ['notice.emailed', 'notice', first.id],
    ]);
    expect(events[0]?.after).toMatchObject({
      kind: 'acceptance',
      sha256: first.sha256,
      fileName: first.fileName,
    });

    const mails = mailsWithSubject('【烟台市民政局】受理通知书 JTCW-2026-000001');
    expect(mails).toHaveLength(1);
    const [{ envelopeTo, mail }] = mails as [TestSmtpServer['received'][number]];
    expect(envelopeTo).toEqual(['contact@kangle.example.cn']);
    expect(mail.text).toContain('烟台市福山区康乐居家养老服务中心');
    expect(mail.attachments[0]?.filename).toBe('受理通知书-JTCW-2026-000001.pdf');
    expect(sha256(mail.attachments[0]?.content ?? Buffer.alloc(0))).toBe(first.sha256);

    expect(await verifyAuditChain()).toMatchObject({ intact: true });
  });

  it('keeps the PDF it issued, readable by notice key', async () => {
    const input = { applicationId: null, recipientEmail: null, actor: ACTOR, content: refusal() };
    const issued = await issueNotice(input);

    const { fileName, content } = await readNoticePdf(issued.noticeKey);

    expect(fileName).toBe('不予批准决定书-JTCW-2026-000001.pdf');
    expect(sha256(content)).toBe(issued.sha256);
    expect(await pdfTextCompact(content)).toContain('六十日内向烟台市人民政府申请行政复议');
  });

  it('issues without mailing when there is no recipient', async () => {
    const content = { ...refusal(), noticeKey: 'refusal-without-recipient' };
    const mailsBefore = smtp.received.length;

    const issued = await issueNotice({ applicationId: null, recipientEmail: null, actor: ACTOR, content });

    expect(issued.emailedAt).toBeNull();
    expect(smtp.received).toHaveLength(mailsBefore);
    expect((await auditEventsFor(content.noticeKey)).map((event) => event.action)).toEqual(['notice.issued']);
  });

  it('records one notice when two attempts of the same activity race', async () => {
    const content = { ...award(), noticeKey: 'award-raced' };
    const input = { applicationId: null, recipientEmail: null, actor: ACTOR, content };

    const [first, second] = await Promise.all([issueNotice(input), issueNotice(input)]);

    expect(second.id).toBe(first.id);
    expect(await Notice.count({ where: { noticeKey: 'award-raced' } })).toBe(1);
    expect(await auditEventsFor('award-raced')).toHaveLength(1);
  });

  it('audits a notice about an application under that application', async () => {
    const applicationId = await insertApplication();
    const content = { ...acceptance(), noticeKey: 'acceptance-for-application' };

    await issueNotice({ applicationId, recipientEmail: null, actor: ACTOR, content });

    const [event] = await auditEventsFor(content.noticeKey);
    expect(event).toMatchObject({
      action: 'notice.issued',
      subjectType: 'application',
      subjectId: applicationId,
    });
  });

  it('explains a notice key that was never issued', async () => {
    await expect(readNoticePdf('never-issued')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});

/** The least an application row needs, so that the notice's foreign key has something to point at. */
async function insertApplication(): Promise<string> {
  const sequelize = database();
  const ids = { user: crypto.randomUUID(), application: crypto.randomUUID() };
  await sequelize.query(`
    INSERT INTO regions (code, name, level) VALUES ('370600', '烟台市', 'city') ON CONFLICT DO NOTHING;
    INSERT INTO programs (code, name, policy_clause)
      VALUES ('notice-test', '家庭养老床位奖补', '二(二)1') ON CONFLICT DO NOTHING;
    INSERT INTO users (id, username, display_name, email, password_hash, role, region_code)
      VALUES ('${ids.user}', 'notice-test-${ids.user}', '测试', 'a@example.cn', 'x', 'applicant', '370600');
    INSERT INTO applications (id, reference, program_code, program_year, status, applicant_user_id,
        organisation_credit_code, organisation_name, contact_email, district_code, township_code,
        bank_account_name, bank_account_number, bank_name, submitted_at, updated_at)
      VALUES ('${ids.application}', 'NT-${ids.application}', 'notice-test', 2026, 'submitted',
        '${ids.user}',
        '91370600MA3C1234X0', '测试机构', 'a@example.cn', '370600', '370600', '测试机构', 'sealed', '测试银行',
        now(), now());
  `);
  return ids.application;
}
