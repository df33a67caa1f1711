import { DateTime } from 'luxon';
import { Op, type Transaction } from 'sequelize';
import { inTransaction } from '../../db';
import { Application, Expert, ExpertAssignment, User } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { NotFoundError } from '../errors';
import { moduleLogger } from '../logger';
import { ISSUING_AUTHORITY } from '../notices/content';
import { sendMail } from '../notices/mailer';
import { TIME_ZONE } from '../time';
import { findRound, parseInstant, type InstantInput } from './expert-assignments';

/*
 * What the round workflow needs to keep experts to their deadlines: the open assignments
 * with their times, and the reminder mail sent once to each expert who has not yet scored.
 */

const log = moduleLogger('expert-reminders');
const ACTOR = 'system:expert-reminders';

/** An assignment still waiting for its expert's score. Times are ISO 8601. */
export interface OpenAssignment {
  id: string;
  applicationId: string;
  expertId: string;
  dueAt: string;
  remindAt: string;
  remindedAt: string | null;
}

/** The round's assignments still `assigned`, by due time then id. */
export async function openAssignments(roundId: string): Promise<OpenAssignment[]> {
  const open = await ExpertAssignment.findAll({
    where: { roundId, status: 'assigned' },
    order: [
      ['dueAt', 'ASC'],
      ['id', 'ASC'],
    ],
  });
  return open.map((assignment) => ({
    id: assignment.id,
    applicationId: assignment.applicationId,
    expertId: assignment.expertId,
    dueAt: assignment.dueAt.toISOString(),
    remindAt: assignment.remindAt.toISOString(),
    remindedAt: assignment.remindedAt?.toISOString() ?? null,
  }));
}

/**
 * Records that the experts of these assignments were reminded by some other means, each
 * with the audit event `round.expert_reminded`. Assignments already reminded or no longer
 * open are left as they are, so a repeated call changes nothing.
 * @returns the ids marked by this call.
 */
export async function markReminded(assignmentIds: string[]): Promise<string[]> {
  const marked: string[] = [];
  for (const id of [...new Set(assignmentIds)].sort()) {
    const done = await inTransaction(async (tx) => {
      const assignment = await lockUnreminded(tx, id);
      if (!assignment) return false;
      await remindedNow(tx, assignment, { mailed: false });
      return true;
    });
    if (done) marked.push(id);
  }
  return marked;
}

/**
 * Mails each expert of the round whose reminder time has come (remind_at ≤ now) and who
 * has been neither reminded nor replaced, then records `reminded_at` and the audit event
 * `round.expert_reminded`. Idempotent: an expert is mailed once, however often it runs;
 * only a crash between the mail and the commit can send one twice.
 * @throws NotFoundError when the round does not exist.
 * @throws the mailer's error when the mail cannot be sent; that expert stays unreminded.
 */
export async function sendScoringReminders(input: {
  roundId: string;
  now?: InstantInput;
}): Promise<{ sent: number; assignmentIds: string[] }> {
  const now = parseInstant(input.now);
  const round = await findRound(input.roundId);
  // Past its deadline the assignment is about to be replaced: a reminder would only confuse.
  const due = await ExpertAssignment.findAll({
    where: {
      roundId: round.id,
      status: 'assigned',
      remindedAt: null,
      remindAt: { [Op.lte]: now },
      dueAt: { [Op.gt]: now },
    },
    order: [['id', 'ASC']],
  });

  const sent: string[] = [];
  for (const { id } of due) {
    const mailed = await inTransaction(async (tx) => {
      const assignment = await lockUnreminded(tx, id);
      if (!assignment) return false;
      const expert = await Expert.findByPk(assignment.expertId, { transaction: tx });
      const user = expert && (await User.findByPk(expert.userId, { transaction: tx }));
      const application = await Application.findByPk(assignment.applicationId, { transaction: tx });
      if (!expert || !user) throw new NotFoundError('Expert', assignment.expertId);
      if (!application) throw new NotFoundError('Application', assignment.applicationId);

      await sendMail({
        to: user.email,
        attachments: [],
        ...reminderMail(expert.name, round.title, application.reference, assignment.dueAt),
      });
      await remindedNow(tx, assignment, { mailed: true });
      return true;
    });
    if (mailed) sent.push(id);
  }

  if (sent.length > 0) log.info({ roundId: round.id, sent: sent.length }, 'scoring reminders sent');
  return { sent: sent.length, assignmentIds: sent };
}

/** The assignment, row-locked, if it is still open and unreminded; otherwise undefined. */
async function lockUnreminded(tx: Transaction, id: string): Promise<ExpertAssignment | undefined> {
  const assignment = await ExpertAssignment.findByPk(id, { lock: tx.LOCK.UPDATE, transaction: tx });
  if (!assignment || assignment.status !== 'assigned' || assignment.remindedAt) return undefined;
  return assignment;
}

async function remindedNow(
  tx: Transaction,
  assignment: ExpertAssignment,
  how: { mailed: boolean },
): Promise<void> {
  const remindedAt = new Date();
  await assignment.update({ remindedAt }, { transaction: tx });
  await recordAuditEvent(tx, {
    actor: ACTOR,
    action: 'round.expert_reminded',
    subjectType: 'application',
    subjectId: assignment.applicationId,
    before: { remindedAt: null },
    after: {
      roundId: assignment.roundId,
      assignmentId: assignment.id,
      expertId: assignment.expertId,
      remindedAt: remindedAt.toISOString(),
      dueAt: assignment.dueAt.toISOString(),
      mailed: how.mailed,
    },
  });
}

/** Round, reference and deadline only: the application's contents stay in the system. */
function reminderMail(
  expertName: string,
  roundTitle: string,
  reference: string,
  dueAt: Date,
): { subject: string; text: string } {
  const due = DateTime.fromJSDate(dueAt, { zone: TIME_ZONE }).toFormat('yyyy年M月d日 HH:mm');
  return {
    subject: `【${ISSUING_AUTHORITY}】评审评分提醒 ${reference}`,
    text: [
      `${expertName}：您好！`,
      '',
      `您被随机抽取为“${roundTitle}”的评审专家，负责评审申请 ${reference}，目前尚未提交评分。`,
      `请于 ${due}（北京时间）前登录系统完成评分。逾期未评分的，系统将另行抽取专家替换。`,
      '如您与该申请存在利害关系，请登录系统申报回避。',
      '',
      '本邮件由系统自动发送，请勿直接回复。',
      '',
      ISSUING_AUTHORITY,
    ].join('\n'),
  };
}
