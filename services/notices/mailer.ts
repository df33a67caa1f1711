import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { config } from '../config';
import { moduleLogger } from '../logger';

/*
 * Outgoing mail. With SMTP_URL set, messages go to that server; without it (development,
 * demos) each message is written whole to DATA_DIR/outbox as an .eml file, so that what
 * would have been sent can still be opened and checked.
 */

const log = moduleLogger('mailer');

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  attachments: MailAttachment[];
}

let smtp: { url: string; transporter: Transporter } | undefined;
let outbox: Transporter | undefined;

function smtpTransport(url: string): Transporter {
  // Built once per URL: tests and the launcher may point the configuration elsewhere later.
  if (smtp?.url !== url) {
    smtp?.transporter.close();
    smtp = { url, transporter: nodemailer.createTransport(url) };
  }
  return smtp.transporter;
}

/**
 * Sends one message from the configured sender.
 * @returns the Message-ID the message was sent with.
 * @throws the transport's error when the SMTP server refuses or cannot be reached, or the
 *   file system's error when the outbox cannot be written; nothing is retried here.
 */
export async function sendMail(mail: OutgoingMail): Promise<{ messageId: string }> {
  const message = { from: config().mailFrom, ...mail };
  const url = config().smtpUrl;

  if (url) {
    const info = (await smtpTransport(url).sendMail(message)) as { messageId: string };
    return { messageId: info.messageId };
  }

  outbox ??= nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = (await outbox.sendMail(message)) as { messageId: string; message: Buffer };
  const directory = path.join(config().dataDir, 'outbox');
  await fs.mkdir(directory, { recursive: true });
  const file = path.join(directory, `${timestampForFileName(new Date())}-${fileSafe(info.messageId)}.eml`);
  await fs.writeFile(file, info.message);
  log.info({ file }, 'mail written to outbox');
  return { messageId: info.messageId };
}

/** 2026-12-03T08:15:30.123Z → 20261203T081530123Z: sorts by time and is valid everywhere. */
function timestampForFileName(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

/** Message-IDs look like <uuid@host>; keep only characters every file system accepts. */
function fileSafe(messageId: string): string {
  return messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_');
}
