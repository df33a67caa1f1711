import crypto from 'node:crypto';
import { DateTime } from 'luxon';
import { UniqueConstraintError, type Transaction } from 'sequelize';
import { inTransaction } from '../../db';
import { Application, Region, StageDeadline, User } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { WorkingDayCalendar } from '../calendar';
import { loadCalendar } from '../calendar/store';
import { NotFoundError, ValidationError } from '../errors';
import { moduleLogger } from '../logger';
import { ISSUING_AUTHORITY } from '../notices/content';
import { sendMail } from '../notices/mailer';
import { TIME_ZONE } from '../time';
import { regionForLevel, type Deadline, type RegionLevel, type Role } from '../../workflows/stages';

/*
 * Deadlines of review stages (办理时限): when an application enters a stage with an SLA,
 * the workflow has its deadline written here as absolute times and sleeps until them;
 * at the SLA the deciding reviewers are reminded, later their supervisor is alerted.
 * Each function is idempotent on the entry key the workflow derives for that entry.
 */

const log = moduleLogger('stage-deadlines');
const ACTOR = 'system:deadlines';

export interface ScheduleStageDeadlineInput {
  applicationId: string;
  /** One per entry of the application into a stage: a retry finds its own row. */
  entryKey: string;
  stageId: string;
  /** When the application entered the stage, from the workflow's clock (ISO 8601). */
  enteredAt: string;
  sla: Deadline;
  /** Counted from the SLA's due time; absent: nobody is alerted past the SLA. */
  escalation?: Deadline;
}

export interface ScheduledDeadline {
  dueAt: string;
  escalateAt: string | null;
}

/** What the alerts need of the stage, from the table the application pinned. */
export interface DeadlineStage {
  id: string;
  name: string;
  role: Role;
  level: RegionLevel;
  escalateTo?: { role: Role; level: RegionLevel };
}

export interface StageAlertInput {
  entryKey: string;
  stage: DeadlineStage;
}

export interface StageAlertResult {
  /** False when an earlier attempt already sent it or the stage was left. */
  sent: boolean;
  recipients: number;
}

/**
 * Writes the deadline of one stage entry: due at the SLA counted from `enteredAt`, the
 * escalation counted from the due time. A repeated call with the same entry key returns
 * the stored times unchanged.
 * @throws ValidationError when a duration is not ISO 8601.
 * @throws ConflictError `CALENDAR_YEAR_MISSING` when working days run into a year not loaded.
 */
export async function scheduleStageDeadline(input: ScheduleStageDeadlineInput): Promise<ScheduledDeadline> {
  const existing = await StageDeadline.findOne({ where: { entryKey: input.entryKey } });
  if (existing) return scheduledTimes(existing);

  const enteredAt = new Date(input.enteredAt);
  if (Number.isNaN(enteredAt.getTime())) {
    throw new ValidationError(`"${input.enteredAt}" is not an ISO 8601 time.`);
  }
  const calendar = await calendarFor([input.sla, input.escalation]);
  const dueAt = calendar.deadlineAfter(enteredAt, input.sla);
  const escalateAt = input.escalation
    ? calendar.deadlineAfter(escalationStart(dueAt, input.escalation), input.escalation)
    : null;

  try {
    const row = await StageDeadline.create({
      id: crypto.randomUUID(),
      entryKey: input.entryKey,
      applicationId: input.applicationId,
      stage: input.stageId,
      enteredAt,
      dueAt,
      escalateAt,
      remindedAt: null,
      escalatedAt: null,
      closedAt: null,
    });
    return scheduledTimes(row);
  } catch (error) {
    // A concurrent attempt of the same activity wrote it first: its times stand.
    if (!(error instanceof UniqueConstraintError)) throw error;
    const winner = await StageDeadline.findOne({ where: { entryKey: input.entryKey } });
    if (!winner) throw error;
    return scheduledTimes(winner);
  }
}

/** Clock-time durations need no calendar days; only working days read the stored calendar. */
async function calendarFor(deadlines: Array<Deadline | undefined>): Promise<WorkingDayCalendar> {
  if (deadlines.some((deadline) => deadline && 'workingDays' in deadline)) return loadCalendar();
  return new WorkingDayCalendar([], []);
}

/**
 * Working days are counted from the day after the start's date. A working-day SLA falls
 * due at the midnight that ends its last day, which is that day's business, not the next.
 */
function escalationStart(dueAt: Date, escalation: Deadline): Date {
  return 'workingDays' in escalation ? new Date(dueAt.getTime() - 1) : dueAt;
}

function scheduledTimes(row: StageDeadline): ScheduledDeadline {
  if (!row.dueAt) throw new Error(`Stage deadline ${row.entryKey} has no due time`);
  return { dueAt: row.dueAt.toISOString(), escalateAt: row.escalateAt?.toISOString() ?? null };
}

/**
 * Mails every user with the stage's deciding role in the application's region for the
 * stage's level, once, and records it. Does nothing when already sent or the stage was left.
 * The mail is at-least-once: should the transaction fail after sending, a retry sends again.
 * @throws NotFoundError when no deadline was scheduled under the entry key.
 */
export async function sendStageReminder(input: StageAlertInput): Promise<StageAlertResult> {
  const { role, level } = input.stage;
  return alertOnce(input, 'reminder', { role, level });
}

/**
 * Alerts the stage's supervisor that the SLA has passed: `escalateTo` when the stage names
 * one, otherwise the reviewers one level up (the city's administrators above a city stage).
 * Once, and recorded, like {@link sendStageReminder}.
 * @throws NotFoundError when no deadline was scheduled under the entry key.
 */
export async function escalateStage(input: StageAlertInput): Promise<StageAlertResult> {
  return alertOnce(input, 'escalation', input.stage.escalateTo ?? supervisorOf(input.stage.level));
}

function supervisorOf(level: RegionLevel): { role: Role; level: RegionLevel } {
  if (level === 'township') return { role: 'district_reviewer', level: 'district' };
  if (level === 'district') return { role: 'city_reviewer', level: 'city' };
  return { role: 'admin', level: 'city' };
}

/** Marks the entry's deadline closed: the application left the stage. Repeats are harmless. */
export async function closeStageDeadline(input: { entryKey: string }): Promise<void> {
  await StageDeadline.update(
    { closedAt: new Date() },
    { where: { entryKey: input.entryKey, closedAt: null } },
  );
}

type AlertKind = 'reminder' | 'escalation';

async function alertOnce(
  input: StageAlertInput,
  kind: AlertKind,
  audience: { role: Role; level: RegionLevel },
): Promise<StageAlertResult> {
  // The row lock keeps a concurrent attempt out until this one has sent and recorded.
  return inTransaction(async (tx) => {
    const deadline = await StageDeadline.findOne({
      where: { entryKey: input.entryKey },
      transaction: tx,
      lock: tx.LOCK.UPDATE,
    });
    if (!deadline) throw new NotFoundError('Stage deadline', input.entryKey);
    const done = kind === 'reminder' ? deadline.remindedAt : deadline.escalatedAt;
    if (done || deadline.closedAt) return { sent: false, recipients: 0 };

    const application = await Application.findByPk(deadline.applicationId, { transaction: tx });
    if (!application) throw new NotFoundError('Application', deadline.applicationId);
    const regionCode = await regionCodeAt(tx, application, audience.level);
    const recipients = await User.findAll({
      where: { role: audience.role, regionCode },
      order: [['username', 'ASC']],
      transaction: tx,
    });
    if (recipients.length === 0) {
      log.warn({ entryKey: input.entryKey, kind, role: audience.role, regionCode }, 'no one to alert');
    }

    const dueAt = deadline.dueAt ?? new Date();
    for (const user of recipients) {
      await sendMail({
        to: user.email,
        attachments: [],
        ...alertMail(kind, application.reference, input.stage.name, dueAt),
      });
    }

    const now = new Date();
    await deadline.update(kind === 'reminder' ? { remindedAt: now } : { escalatedAt: now }, {
      transaction: tx,
    });
    await recordAuditEvent(tx, {
      actor: ACTOR,
      action: kind === 'reminder' ? 'stage.reminder_sent' : 'stage.escalated',
      subjectType: 'application',
      subjectId: application.id,
      after: {
        entryKey: input.entryKey,
        stage: input.stage.id,
        stageName: input.stage.name,
        dueAt: dueAt.toISOString(),
        role: audience.role,
        regionCode,
        recipients: recipients.map((user) => user.id),
      },
    });
    log.info({ entryKey: input.entryKey, kind, recipients: recipients.length }, 'stage deadline alert sent');
    return { sent: true, recipients: recipients.length };
  });
}

/** The application's region at `level`; its city is the parent of its district. */
async function regionCodeAt(tx: Transaction, application: Application, level: RegionLevel): Promise<string> {
  const district = await Region.findByPk(application.districtCode, { transaction: tx });
  if (!district?.parentCode) throw new NotFoundError('City of district', application.districtCode);
  const { townshipCode, districtCode } = application;
  return regionForLevel(level, { townshipCode, districtCode, cityCode: district.parentCode });
}

/** Reference, stage and due time only: nothing about the older people the application is for. */
function alertMail(
  kind: AlertKind,
  reference: string,
  stageName: string,
  dueAt: Date,
): { subject: string; text: string } {
  const due = DateTime.fromJSDate(dueAt, { zone: TIME_ZONE }).toFormat('yyyy年M月d日 HH:mm');
  const situation = `申请 ${reference} 在“${stageName}”环节的办理期限为 ${due}（北京时间）`;
  const body =
    kind === 'reminder'
      ? [`您好！${situation}，现已到期，请尽快登录系统办理。`]
      : [`您好！${situation}，现已超期，仍未办结。`, '已提醒承办人员，请督促尽快办理。'];
  const title = kind === 'reminder' ? '审核到期提醒' : '审核超期督办';
  return {
    subject: `【${ISSUING_AUTHORITY}】${title} ${reference} ${stageName}`,
    text: [...body, '', '本邮件由系统自动发送，请勿直接回复。', '', ISSUING_AUTHORITY].join('\n'),
  };
}
