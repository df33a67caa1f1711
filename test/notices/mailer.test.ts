import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { loadConfig, setConfig } from '../../services/config';
import { sendMail } from '../../services/notices/mailer';
import { startSmtpServer, type TestSmtpServer } from './smtp';

const sha256 = (content: Buffer): string => crypto.createHash('sha256').update(content).digest('hex');
const attachment = Buffer.from('%PDF-1.7\n受理通知书\n%%EOF\n');
const mail = {
  to: 'contact@kangle.example.cn',
  subject: '【烟台市民政局】受理通知书 JTCW-2026-000001',
  text: '烟台市福山区康乐居家养老服务中心：\n附件是受理通知书，请查收。',
  attachments: [
    { filename: '受理通知书-JTCW-2026-000001.pdf', content: attachment, contentType: 'application/pdf' },
  ],
};

describe('sendMail over SMTP', () => {
  let server: TestSmtpServer;

  beforeAll(async () => {
    server = await startSmtpServer();
    setConfig(loadConfig({ ...process.env, SMTP_URL: server.url }));
  });

  afterAll(() => server.close());

  it('delivers the subject, the recipient and the attachment unchanged', async () => {
    const { messageId } = await sendMail(mail);

    expect(server.received).toHaveLength(1);
    const [{ envelopeTo, mail: received }] = server.received as [TestSmtpServer['received'][number]];
    expect(envelopeTo).toEqual(['contact@kangle.example.cn']);
    expect(received.messageId).toBe(messageId);
    expect(received.subject).toBe(mail.subject);
    expect(received.text?.trim()).toBe(mail.text);
    expect(received.from?.text).toContain('烟台市民政局养老服务补贴');
    expect(received.attachments).toHaveLength(1);
    expect(received.attachments[0]).toMatchObject({
      filename: '受理通知书-JTCW-2026-000001.pdf',
      contentType: 'application/pdf',
    });
    expect(sha256(received.attachments[0]?.content ?? Buffer.alloc(0))).toBe(sha256(attachment));
  });
});

describe('sendMail without SMTP', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'outbox-test-'));
    const { SMTP_URL: _ignored, ...environment } = process.env;
    setConfig(loadConfig({ ...environment, DATA_DIR: dataDir }));
  });

  afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

  it('writes the whole message to the outbox as an .eml file a mail client can open', async () => {
    const { messageId } = await sendMail(mail);

    const files = await fs.readdir(path.join(dataDir, 'outbox'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{8}T\d{9}Z-[A-Za-z0-9._@-]+\.eml$/);
    const parsed = await simpleParser(await fs.readFile(path.join(dataDir, 'outbox', files[0] ?? '')));
    expect(parsed.messageId).toBe(messageId);
    expect(parsed.subject).toBe(mail.subject);
    expect(parsed.to).toMatchObject({ text: 'contact@kangle.example.cn' });
    expect(sha256(parsed.attachments[0]?.content ?? Buffer.alloc(0))).toBe(sha256(attachment));
  });
});
