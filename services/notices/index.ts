import crypto from 'node:crypto';
import { UniqueConstraintError } from 'sequelize';
import { inTransaction } from '../../db';
import { Notice } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { NotFoundError } from '../errors';
import { readStoredFile, storeFile } from '../files';
import { moduleLogger } from '../logger';
import { ISSUING_AUTHORITY, NOTICE_TITLES, type NoticeContent, type NoticeKind } from './content';
import { sendMail } from './mailer';
import { renderNoticePdf } from './render';

export * from './content';
export { renderNoticePdf, noticeVerificationUrl } from './render';
export { sendMail } from './mailer';

const log = moduleLogger('notices');

export interface IssueNoticeInput {
  /** Null for notices that concern no single application. */
  applicationId: string | null;
  /** Where to mail the PDF; null to issue it without mailing. */
  recipientEmail: string | null;
  /** The user id or `system:<component>` recorded in the audit trail. */
  actor: string;
  content: NoticeContent;
}

export interface IssuedNotice {
  id: string;
  noticeKey: string;
  kind: NoticeKind;
  fileName: string;
  sha256: string;
  storageKey: string;
  emailedAt: Date | null;
}

/**
 * Issues a notice: renders the PDF, stores it, records the notice and its audit event in
 * one transaction, then mails it when there is a recipient.
 *
 * Idempotent on `content.noticeKey`, because Temporal runs activities at least once: a key
 * already issued is not rendered or recorded again, and a notice already mailed is not
 * mailed again. The mail itself is at-least-once — if the process dies between sending and
 * recording `emailedAt`, the retry sends it a second time, which beats never sending it.
 * @throws RangeError for invalid content (see composeNotice); mail and database errors
 *   propagate so that the activity is retried.
 */
export async function issueNotice(input: IssueNoticeInput): Promise<IssuedNotice> {
  const { content } = input;
  const existing = await Notice.findOne({ where: { noticeKey: content.noticeKey } });
  const notice = existing ?? (await createNotice(input));

  if (notice.recipientEmail && !notice.emailedAt) await mailNotice(notice, content, input.actor);

  return {
    id: notice.id,
    noticeKey: notice.noticeKey,
    kind: notice.kind as NoticeKind,
    fileName: notice.fileName,
    sha256: notice.sha256,
    storageKey: notice.storageKey,
    emailedAt: notice.emailedAt,
  };
}

/**
 * The stored PDF of an issued notice.
 * @throws NotFoundError when no notice has that key.
 */
export async function readNoticePdf(noticeKey: string): Promise<{ fileName: string; content: Buffer }> {
  const notice = await Notice.findOne({ where: { noticeKey } });
  if (!notice) throw new NotFoundError('Notice', noticeKey);
  return { fileName: notice.fileName, content: await readStoredFile(notice.storageKey) };
}

/** 受理通知书-JTCW-2026-000001.pdf: what the document is, then whose. */
export function noticeFileName(content: NoticeContent): string {
  const reference = content.applicationReference.replace(/[^A-Za-z0-9-]/g, '_');
  return `${NOTICE_TITLES[content.kind]}-${reference}.pdf`;
}

async function createNotice(input: IssueNoticeInput): Promise<Notice> {
  const { content } = input;
  const pdf = await renderNoticePdf(content);
  const stored = await storeFile(pdf);
  const fileName = noticeFileName(content);

  try {
    return await inTransaction(async (tx) => {
      const notice = await Notice.create(
        {
          id: crypto.randomUUID(),
          noticeKey: content.noticeKey,
          applicationId: input.applicationId,
          kind: content.kind,
          fileName,
          storageKey: stored.storageKey,
          sha256: stored.sha256,
          recipientEmail: input.recipientEmail,
          emailedAt: null,
          createdAt: new Date(),
        },
        { transaction: tx },
      );
      await recordAuditEvent(tx, {
        actor: input.actor,
        action: 'notice.issued',
        ...auditSubject(notice),
        after: { noticeKey: content.noticeKey, kind: content.kind, sha256: stored.sha256, fileName },
      });
      return notice;
    });
  } catch (error) {
    // A concurrent attempt of the same activity issued it first: its row is the notice.
    if (!(error instanceof UniqueConstraintError)) throw error;
    const winner = await Notice.findOne({ where: { noticeKey: content.noticeKey } });
    if (!winner) throw error;
    return winner;
  }
}

async function mailNotice(notice: Notice, content: NoticeContent, actor: string): Promise<void> {
  const title = NOTICE_TITLES[content.kind];
  const pdf = await readStoredFile(notice.storageKey);

  const { messageId } = await sendMail({
    to: notice.recipientEmail ?? '',
    subject: `【${ISSUING_AUTHORITY}】${title} ${content.applicationReference}`,
    text: mailText(content, title),
    attachments: [{ filename: notice.fileName, content: pdf, contentType: 'application/pdf' }],
  });

  const emailedAt = new Date();
  await inTransaction(async (tx) => {
    const [updated] = await Notice.update(
      { emailedAt },
      { where: { id: notice.id, emailedAt: null }, transaction: tx },
    );
    // Another attempt recorded it first; its audit event already stands.
    if (updated === 0) return;
    await recordAuditEvent(tx, {
      actor,
      action: 'notice.emailed',
      ...auditSubject(notice),
      after: { noticeKey: notice.noticeKey, messageId },
    });
  });
  notice.emailedAt = emailedAt;
  log.info({ noticeKey: notice.noticeKey, kind: notice.kind }, 'notice mailed');
}

function auditSubject(notice: Notice): { subjectType: string; subjectId: string } {
  return notice.applicationId
    ? { subjectType: 'application', subjectId: notice.applicationId }
    : { subjectType: 'notice', subjectId: notice.id };
}

function mailText(content: NoticeContent, title: string): string {
  return [
    `${content.organisationName}：`,
    '',
    `您好！附件是${ISSUING_AUTHORITY}就申请 ${content.applicationReference} 出具的《${title}》` +
      `（${content.documentNumber}），请查收。`,
    '',
    '本邮件由系统自动发送，请勿直接回复。如有疑问，请登录系统查看或与我局联系。',
    '',
    ISSUING_AUTHORITY,
  ].join('\n');
}
