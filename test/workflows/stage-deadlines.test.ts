import crypto from 'node:crypto';
import { DateTime } from 'luxon';
import { Application, AuditEvent, Program, Region, StageDeadline, User } from '../../db/models';
import { scheduleStageDeadline } from '../../services/applications/deadlines';
import { seedCalendar } from '../../services/calendar/store';
import { config, loadConfig, setConfig } from '../../services/config';
import { TIME_ZONE } from '../../services/time';
import { runWorker } from '../../services/worker/run';
import { closeTemporal, connectClient } from '../../services/temporal/connection';
import {
  applicationWorkflowId,
  decideUpdate,
  type Actor,
  type ApplicationState,
} from '../../workflows/application-messages';
import type { StageTable } from '../../workflows/stages';
import { startSmtpServer, type TestSmtpServer } from '../notices/smtp';
import { releaseTestDatabase, useTestDatabase } from '../support/database';
import { useTemporal } from '../support/temporal';

let smtp: TestSmtpServer;
let worker: { stop(): Promise<void> };
let taskQueue: string;
const users: Record<string, User> = {};

beforeAll(async () => {
  await useTestDatabase();
  await useTemporal();
  smtp = await startSmtpServer();
  taskQueue = `test-deadlines-${crypto.randomBytes(4).toString('hex')}`;
  const current = config();
  setConfig(
    loadConfig({
      ...process.env,
      DATABASE_URL: current.databaseUrl,
      TEMPORAL_ADDRESS: current.temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: smtp.url,
      DATA_DIR: current.dataDir,
    }),
  );
  await createRegionsAndUsers();
  worker = await runWorker({ taskQueue });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await closeTemporal();
  await smtp?.close();
  await releaseTestDatabase();
});

async function createRegionsAndUsers(): Promise<void> {
  await Region.bulkCreate([
    { code: 'yantai', name: '烟台市', level: 'city', parentCode: null },
    { code: 'zhifu', name: '芝罘区', level: 'district', parentCode: 'yantai' },
    { code: 'zhifu-t1', name: '芝罘区示例街道一（合成数据）', level: 'township', parentCode: 'zhifu' },
    { code: 'zhifu-t2', name: '芝罘区示例街道二（合成数据）', level: 'township', parentCode: 'zhifu' },
  ]);
  const people: Array<[string, User['role'], string]> = [
    ['provider', 'applicant', 'zhifu-t1'],
    ['township-a', 'township_reviewer', 'zhifu-t1'],
    ['township-b', 'township_reviewer', 'zhifu-t1'],
    ['township-other', 'township_reviewer', 'zhifu-t2'],
    ['district', 'district_reviewer', 'zhifu'],
    ['city', 'city_reviewer', 'yantai'],
  ];
  for (const [username, role, regionCode] of people) {
    users[username] = await User.create({
      id: crypto.randomUUID(),
      username,
      displayName: username,
      email: `${username}@example.test`,
      passwordHash: 'not-used',
      role,
      regionCode,
      organisationCreditCode: null,
      organisationName: null,
    });
  }
  await Program.create({ code: 'deadline-test', name: '期限测试项目', policyClause: '无' });
}

/** 初审 with the given SLA, deciding to refuse or to pass on to 复核, which has an SLA of its own. */
function stagesWithSla(sla: string): StageTable {
  return {
    first: 'first_review',
    stages: [
      {
        id: 'first_review',
        name: '初审',
        role: 'township_reviewer',
        level: 'township',
        kind: 'review',
        sla: { duration: sla },
        escalation: { duration: 'PT2S' },
        decisions: {
          forward: { target: { to: 'stage', stage: 'district_review' }, reasonsRequired: false },
          refuse: { target: { to: 'refused' }, reasonsRequired: true },
        },
      },
      {
        id: 'district_review',
        name: '复核',
        role: 'district_reviewer',
        level: 'district',
        kind: 'review',
        sla: { duration: 'PT1H' },
        decisions: {
          approve: { target: { to: 'award' }, reasonsRequired: false },
          refuse: { target: { to: 'refused' }, reasonsRequired: true },
        },
      },
    ],
  };
}

let applicationsCreated = 0;

/** An application row of its own and its workflow, started on this file's task queue. */
async function startApplication(stages: StageTable) {
  const reference = `QXCS-2026-${String(++applicationsCreated).padStart(6, '0')}`;
  const application = await Application.create({
    id: crypto.randomUUID(),
    reference,
    programCode: 'deadline-test',
    programYear: 2026,
    status: 'under_review',
    stage: stages.first,
    applicantUserId: (users.provider as User).id,
    idempotencyKey: null,
    organisationCreditCode: '91370602MA3C000001',
    organisationName: '烟台示例养老服务有限公司（合成数据）',
    contactEmail: 'provider@example.test',
    districtCode: 'zhifu',
    townshipCode: 'zhifu-t1',
    bankAccountName: '烟台示例养老服务有限公司（合成数据）',
    bankAccountNumber: '6222020606001234567',
    bankName: '中国工商银行烟台芝罘支行',
    awardFen: null,
    awardCalculation: null,
    appropriationId: null,
    programVersionId: null,
    submittedAt: new Date(),
    updatedAt: new Date(),
  });
  const client = await connectClient();
  const handle = await client.workflow.start('applicationWorkflow', {
    taskQueue,
    workflowId: applicationWorkflowId(application.id),
    args: [
      {
        applicationId: application.id,
        reference,
        programCode: 'deadline-test',
        applicantUserId: (users.provider as User).id,
        townshipCode: 'zhifu-t1',
        districtCode: 'zhifu',
        cityCode: 'yantai',
        bedIds: [],
        stages,
      },
    ],
  });
  return { application, handle };
}

function actor(username: string): Actor {
  const user = users[username] as User;
  return { userId: user.id, role: user.role, regionCode: user.regionCode };
}

/** Polls `probe` until it returns something truthy; fails after `timeoutMs`. */
async function eventually<T>(probe: () => Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const giveUp = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > giveUp) throw new Error(`Nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function mailsAbout(reference: string) {
  return smtp.received.filter(({ mail }) => mail.subject?.includes(reference));
}

function deadlinesOf(applicationId: string): Promise<StageDeadline[]> {
  return StageDeadline.findAll({ where: { applicationId }, order: [['enteredAt', 'ASC']] });
}

describe('stage deadlines', () => {
  it('reminds the township reviewers at the SLA and alerts the district reviewer after it', async () => {
    const { application, handle } = await startApplication(stagesWithSla('PT2S'));

    const escalation = await eventually(async () =>
      mailsAbout(application.reference).find(({ mail }) => mail.subject?.includes('审核超期督办')),
    );

    const [deadline] = await deadlinesOf(application.id);
    expect(deadline).toBeDefined();
    const { enteredAt, dueAt, escalateAt, remindedAt, escalatedAt } = deadline as StageDeadline;
    expect(dueAt?.getTime()).toBe(enteredAt.getTime() + 2_000);
    expect(escalateAt?.getTime()).toBe((dueAt as Date).getTime() + 2_000);
    expect(remindedAt?.getTime()).toBeGreaterThanOrEqual((dueAt as Date).getTime());
    expect(escalatedAt?.getTime()).toBeGreaterThanOrEqual((escalateAt as Date).getTime());

    const reminders = mailsAbout(application.reference).filter(({ mail }) =>
      mail.subject?.includes('审核到期提醒'),
    );
    const remindedTo = reminders.flatMap(({ envelopeTo }) => envelopeTo).sort();
    expect(remindedTo).toEqual(['township-a@example.test', 'township-b@example.test']);
    expect(escalation.envelopeTo).toEqual(['district@example.test']);
    expect(mailsAbout(application.reference)).toHaveLength(3);

    const due = DateTime.fromJSDate(dueAt as Date, { zone: TIME_ZONE }).toFormat('yyyy年M月d日 HH:mm');
    for (const { mail } of [...reminders, escalation]) {
      expect(mail.text).toContain(application.reference);
      expect(mail.text).toContain('“初审”');
      expect(mail.text).toContain(`${due}（北京时间）`);
      expect(mail.text).not.toContain(application.organisationName);
    }

    const events = await AuditEvent.findAll({ where: { subjectId: application.id }, order: [['id', 'ASC']] });
    const reminderEvent = events.find((event) => event.action === 'stage.reminder_sent');
    const escalationEvent = events.find((event) => event.action === 'stage.escalated');
    expect(reminderEvent?.after).toMatchObject({
      stage: 'first_review',
      role: 'township_reviewer',
      regionCode: 'zhifu-t1',
      recipients: expect.arrayContaining([users['township-a']?.id, users['township-b']?.id]),
    });
    expect(escalationEvent?.after).toMatchObject({
      stage: 'first_review',
      role: 'district_reviewer',
      regionCode: 'zhifu',
      recipients: [users.district?.id],
    });

    // Refused at last: the application is final, the deadline closed, and the workflow ends.
    await handle.executeUpdate(decideUpdate, {
      args: [
        { actor: actor('township-a'), stageId: 'first_review', decision: 'refuse', reasons: ['材料不全'] },
      ],
    });
    expect(await handle.result()).toMatchObject({ status: 'refused' });
    await deadline?.reload();
    expect(deadline?.closedAt).not.toBeNull();
  });

  it('sends nothing when the stage is decided before its SLA, and closes the deadline', async () => {
    const { application, handle } = await startApplication(stagesWithSla('PT30S'));
    await eventually(async () => (await deadlinesOf(application.id)).length > 0);

    await handle.executeUpdate(decideUpdate, {
      args: [
        { actor: actor('township-a'), stageId: 'first_review', decision: 'refuse', reasons: ['不符合条件'] },
      ],
    });

    // The pending timers do not hold the workflow: it ends long before the SLA would have.
    const result: ApplicationState = await handle.result();
    expect(result.status).toBe('refused');
    const [deadline] = await deadlinesOf(application.id);
    expect(deadline?.closedAt).not.toBeNull();
    expect(deadline?.remindedAt).toBeNull();
    expect(deadline?.escalatedAt).toBeNull();
    expect(mailsAbout(application.reference)).toHaveLength(0);
    const alerts = await AuditEvent.count({
      where: { subjectId: application.id, action: ['stage.reminder_sent', 'stage.escalated'] },
    });
    expect(alerts).toBe(0);
  });

  it('schedules a new deadline when a decision moves the application to a stage with its own SLA', async () => {
    const { application, handle } = await startApplication(stagesWithSla('PT30S'));
    await eventually(async () => (await deadlinesOf(application.id)).length > 0);

    const state = await handle.executeUpdate(decideUpdate, {
      args: [{ actor: actor('township-a'), stageId: 'first_review', decision: 'forward' }],
    });
    expect(state.stageId).toBe('district_review');

    const [first, second] = await eventually(async () => {
      const rows = await deadlinesOf(application.id);
      return rows.length === 2 && rows[0]?.closedAt ? rows : undefined;
    });
    expect(first?.stage).toBe('first_review');
    expect(second?.stage).toBe('district_review');
    expect(second?.closedAt).toBeNull();
    expect(second?.escalateAt).toBeNull();
    expect(second?.dueAt?.getTime()).toBe((second as StageDeadline).enteredAt.getTime() + 3_600_000);
    expect(second?.entryKey).not.toBe(first?.entryKey);
    await handle.terminate('test finished');
  });

  it('counts working-day deadlines by the calendar, past a holiday and onto a 调休 Saturday', async () => {
    await seedCalendar('system:test');
    const { application, handle } = await startApplication(stagesWithSla('PT1H'));
    await handle.terminate('only its application row is needed');
    const input = {
      applicationId: application.id,
      entryKey: `${application.id}:working-days`,
      stageId: 'first_review',
      // Tuesday 30 September 2025, 10:00 in Yantai: 1 to 8 October are the National Day holiday.
      enteredAt: '2025-09-30T02:00:00.000Z',
      sla: { workingDays: 2 },
      escalation: { workingDays: 1 },
    };

    const scheduled = await scheduleStageDeadline(input);
    const again = await scheduleStageDeadline({ ...input, sla: { workingDays: 5 } });

    // Due at the end of Friday 10 October; escalated at the end of Saturday 11 October, worked.
    expect(scheduled).toEqual({ dueAt: '2025-10-10T16:00:00.000Z', escalateAt: '2025-10-11T16:00:00.000Z' });
    expect(again).toEqual(scheduled);
  });
});
