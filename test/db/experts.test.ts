import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { simpleParser } from 'mailparser';
import { Op } from 'sequelize';
import {
  Application,
  AuditEvent,
  Expert,
  ExpertAssignment,
  Program,
  ProgramVersion,
  Region,
  Round,
  User,
  type Role,
} from '../../db/models';
import { seedExperts } from '../../db/seed/experts';
import { CITY, DISTRICTS, syntheticTownships } from '../../db/seed/regions';
import { loadCalendar, seedCalendar } from '../../services/calendar/store';
import { config, loadConfig, setConfig } from '../../services/config';
import { ConflictError, ForbiddenError, ValidationError } from '../../services/errors';
import type { CompetitionDefinition } from '../../services/programs/definition';
import { DEFAULT_DEFINITION_DIRECTORY, loadDefinitionFile } from '../../services/programs/definition-loader';
import { drawOrder, nextExperts } from '../../services/rounds/draw';
import {
  assignExperts,
  declareConflict,
  markReminded,
  openAssignments,
  recordScore,
  registerExpert,
  replaceOverdueExperts,
  scoresOf,
  sendScoringReminders,
  weightedTotalHundredths,
  type DrawRecord,
} from '../../services/rounds/experts';
import { releaseTestDatabase, useTestDatabase } from '../support/database';

/*
 * Rows are created directly through the models: regions → users → program and version →
 * round → experts → applications. The round's definition is the township demonstration
 * file with clock-time deadlines (10 days to score, reminded after 7), so that tests can
 * move `now` freely. Experts and townships are synthetic.
 */

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2025-06-02T01:00:00Z');
const at = (days: number): Date => new Date(T0.getTime() + days * DAY);

let adminId: string;
let applicantId: string;
let round: Round;
let competition: CompetitionDefinition;

beforeAll(async () => {
  const { databaseUrl } = await useTestDatabase();
  // Mail goes to this file's outbox, whatever the environment says about SMTP.
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    DATA_DIR: config().dataDir,
  };
  delete environment.SMTP_URL;
  setConfig(loadConfig(environment));

  await Region.create({ ...CITY, level: 'city', parentCode: null });
  for (const district of DISTRICTS) {
    await Region.create({ ...district, level: 'district', parentCode: CITY.code });
  }
  for (const township of syntheticTownships()) await Region.create({ ...township, level: 'township' });
  adminId = await createUser('admin', 'admin');
  applicantId = await createUser('applicant', 'township-applicant');

  const file = loadDefinitionFile(path.join(DEFAULT_DEFINITION_DIRECTORY, 'township-demonstration.yaml'));
  competition = {
    ...(file.competition as CompetitionDefinition),
    scoringPeriod: { duration: 'P10D' },
    reminderAfter: { duration: 'P7D' },
  };
  await Program.create({
    code: file.code,
    name: file.name,
    policyClause: file.policyClause,
    process: 'competitive_round',
  });
  const version = await ProgramVersion.create({
    programCode: file.code,
    version: 1,
    effectiveFrom: file.effectiveFrom,
    definition: { ...file, competition },
    definitionSha256: 'test',
    source: 'test',
    status: 'published',
    publishedBy: adminId,
    publishedAt: T0,
    retiredBy: null,
    retiredAt: null,
  });
  round = await Round.create({
    id: crypto.randomUUID(),
    programCode: file.code,
    programVersionId: version.id,
    year: 2025,
    title: '2025年度镇域养老服务高质量发展示范点竞争立项（测试）',
    opensAt: new Date('2025-03-01T00:00:00+08:00'),
    closesAt: new Date('2025-06-01T00:00:00+08:00'),
    status: 'scoring',
    drawSeed: crypto.randomBytes(16).toString('hex'),
    ranking: null,
    approvedBy: null,
    approvedAt: null,
    createdBy: adminId,
    createdAt: T0,
  });
});
afterAll(releaseTestDatabase);

async function createUser(role: Role, username: string, regionCode: string = CITY.code): Promise<string> {
  const user = await User.create({
    id: crypto.randomUUID(),
    username,
    displayName: username,
    email: `${username}@example.test`,
    passwordHash: 'x',
    role,
    regionCode,
    organisationCreditCode: null,
    organisationName: null,
  });
  return user.id;
}

let sequence = 0;
const next = (): number => ++sequence;

/** `count` experts working in `districtCode`, made active. */
async function createExperts(districtCode: string, count: number): Promise<Expert[]> {
  const experts: Expert[] = [];
  for (let i = 0; i < count; i++) {
    const username = `test-expert-${next()}`;
    const userId = await createUser('expert', username, districtCode);
    experts.push(
      await Expert.create({
        id: crypto.randomUUID(),
        userId,
        name: `测试专家${sequence}（合成数据）`,
        districtCode,
        specialty: '养老服务管理',
        active: true,
        createdAt: T0,
      }),
    );
  }
  return experts;
}

/** Makes exactly these experts the active pool, as if every other had left it. */
async function poolOf(...groups: Expert[][]): Promise<Expert[]> {
  const experts = groups.flat();
  const ids = experts.map((expert) => expert.id);
  await Expert.update({ active: false }, { where: { id: { [Op.notIn]: ids } } });
  await Expert.update({ active: true }, { where: { id: ids } });
  return experts;
}

async function createApplication(districtCode = 'zhifu'): Promise<Application> {
  const n = next();
  return Application.create({
    id: crypto.randomUUID(),
    reference: `ZYSF-2025-${String(n).padStart(5, '0')}`,
    programCode: round.programCode,
    programYear: 2025,
    status: 'in_round',
    stage: null,
    applicantUserId: applicantId,
    idempotencyKey: null,
    organisationCreditCode: '11370602MB0000000X',
    organisationName: `示例街道${n}（合成数据）`,
    contactEmail: 'township@example.test',
    districtCode,
    townshipCode: `${districtCode}-t1`,
    bankAccountName: '示例街道办事处',
    bankAccountNumber: `6222${String(n).padStart(12, '0')}`,
    bankName: '示例银行',
    awardFen: null,
    awardCalculation: null,
    appropriationId: null,
    programVersionId: round.programVersionId,
    roundId: round.id,
    applicantType: 'township',
    facts: {},
    submittedAt: T0,
    updatedAt: T0,
  });
}

function draw(application: Application, count = 3, now: Date = T0): ReturnType<typeof assignExperts> {
  return assignExperts({
    roundId: round.id,
    applicationId: application.id,
    count,
    scoringPeriod: competition.scoringPeriod,
    reminderAfter: competition.reminderAfter,
    now: now.toISOString(),
  });
}

async function drawEvents(applicationId: string): Promise<DrawRecord[]> {
  const events = await AuditEvent.findAll({
    where: { subjectId: applicationId, action: 'round.experts_drawn' },
    order: [['id', 'ASC']],
  });
  return events.map((event) => event.after as DrawRecord);
}

async function userIdOf(expertId: string): Promise<string> {
  return ((await Expert.findByPk(expertId)) as Expert).userId;
}

const fullMarks = (points: number): Record<string, number> =>
  Object.fromEntries(competition.rubric.map((criterion) => [criterion.id, points]));

function score(
  application: Application,
  expertUserId: string,
  scores: Record<string, number>,
  comment: string | null = null,
) {
  return recordScore({
    roundId: round.id,
    applicationId: application.id,
    expertUserId,
    scores,
    comment,
    rubric: competition.rubric,
    commentRequiredBelow: competition.commentRequiredBelow,
  });
}

describe('registerExpert', () => {
  it('creates an expert user with a hashed password, the experts row and an audit event', async () => {
    const expert = await registerExpert(
      {
        username: 'registered-expert',
        displayName: '评审专家 孙立（合成数据）',
        email: 'registered-expert@example.test',
        password: 'a-long-password',
        name: '孙立（合成数据）',
        districtCode: 'laishan',
        specialty: '社会工作',
      },
      adminId,
    );

    const user = (await User.findByPk(expert.userId)) as User;
    expect(user).toMatchObject({ role: 'expert', regionCode: 'laishan' });
    expect(await bcrypt.compare('a-long-password', user.passwordHash)).toBe(true);
    expect(await Expert.findByPk(expert.id)).toMatchObject({ districtCode: 'laishan', active: true });
    const event = await AuditEvent.findOne({ where: { subjectId: expert.id, action: 'expert.registered' } });
    expect(event).toMatchObject({ actor: adminId });
    expect(JSON.stringify(event?.after)).not.toMatch(/example\.test|a-long-password/);
  });

  it('lists every problem with the registration', async () => {
    const registering = registerExpert(
      {
        username: 'a b',
        displayName: '',
        email: 'not-an-address',
        password: 'short',
        name: ' ',
        districtCode: 'zhifu-t1',
        specialty: '社会工作',
      },
      adminId,
    );

    await expect(registering).rejects.toBeInstanceOf(ValidationError);
    const fields = await registering.catch((error: ValidationError) =>
      (error.details as Array<{ field: string }>).map((problem) => problem.field).sort(),
    );
    expect(fields).toEqual(['displayName', 'districtCode', 'email', 'name', 'password', 'username']);
  });

  it('refuses a username already taken', async () => {
    const registering = registerExpert(
      {
        username: 'admin',
        displayName: '评审专家',
        email: 'someone@example.test',
        password: 'a-long-password',
        name: '某专家（合成数据）',
        districtCode: 'fushan',
        specialty: '社会工作',
      },
      adminId,
    );

    await expect(registering).rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
    await expect(registering).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('assignExperts', () => {
  it("never draws an expert from the applicant's own district", async () => {
    const byDistrict = new Map<string, Expert[]>();
    for (const district of DISTRICTS) byDistrict.set(district.code, await createExperts(district.code, 2));
    const pool = await poolOf(...byDistrict.values());
    const districtOf = new Map(pool.map((expert) => [expert.id, expert.districtCode]));

    for (const district of DISTRICTS) {
      for (let i = 0; i < 2; i++) {
        const application = await createApplication(district.code);

        const { assignments, shortfall } = await draw(application, 5);

        expect(shortfall).toBe(0);
        expect(assignments).toHaveLength(5);
        for (const assignment of assignments) {
          expect(districtOf.get(assignment.expertId)).not.toBe(district.code);
        }
      }
    }
  });

  it('records in the audit trail what it takes to repeat the draw from the seed', async () => {
    const local = await createExperts('zhifu', 3);
    const pool = await poolOf(local, await createExperts('fushan', 3), await createExperts('penglai', 3));
    const application = await createApplication('zhifu');

    const result = await draw(application, 4);

    const [record] = await drawEvents(application.id);
    expect(record).toMatchObject({
      seed: round.drawSeed,
      needed: 4,
      shortfall: 0,
      cause: { kind: 'initial' },
    });
    // A checker with only the published seed, the pool and the exclusions gets the same experts.
    const order = drawOrder(record!.seed, application.id, pool.map((expert) => expert.id).reverse());
    expect(record!.candidateOrder).toEqual(order);
    expect(record!.excluded).toEqual(
      order
        .filter((id) => local.some((e) => e.id === id))
        .map((expertId) => ({ expertId, reason: 'own_district' })),
    );
    const expected = nextExperts(order, new Set(record!.excluded.map((e) => e.expertId)), 4);
    expect(record!.drawn.map((d) => d.expertId)).toEqual(expected);
    expect(result.assignments.map((a) => a.expertId)).toEqual(expected);
    expect(result.assignments.map((a) => a.drawPosition)).toEqual(
      expected.map((id) => order.indexOf(id) + 1),
    );
  });

  it('sets the deadline and the reminder from the scoring period', async () => {
    await poolOf(await createExperts('laiyang', 3));
    const application = await createApplication('zhifu');

    const { assignments } = await draw(application, 2);

    for (const assignment of assignments) {
      expect(assignment).toMatchObject({
        status: 'assigned',
        assignedAt: T0.toISOString(),
        dueAt: at(10).toISOString(),
        remindAt: at(7).toISOString(),
      });
    }
  });

  it('counts working days by the calendar when the period is in working days', async () => {
    await seedCalendar('system:test');
    await poolOf(await createExperts('laizhou', 2));
    const application = await createApplication('zhifu');
    const now = new Date('2025-09-26T02:00:00Z');

    const result = await assignExperts({
      roundId: round.id,
      applicationId: application.id,
      count: 1,
      scoringPeriod: { workingDays: 10 },
      reminderAfter: { workingDays: 7 },
      now,
    });

    const calendar = await loadCalendar();
    expect(result.assignments[0]).toMatchObject({
      dueAt: calendar.deadlineAfter(now, { workingDays: 10 }).toISOString(),
      remindAt: calendar.deadlineAfter(now, { workingDays: 7 }).toISOString(),
    });
  });

  it('changes nothing when called again, and returns the experts already drawn', async () => {
    await poolOf(await createExperts('qixia', 6));
    const application = await createApplication('zhifu');

    const first = await draw(application, 3);
    const again = await draw(application, 3, at(1));

    expect(again.drawn).toEqual([]);
    expect(again.assignments).toEqual(first.assignments);
    expect(await drawEvents(application.id)).toHaveLength(1);
  });

  it('assigns what the pool has and reports the shortfall when it runs out', async () => {
    await poolOf(await createExperts('zhifu', 4), await createExperts('haiyang', 2));
    const application = await createApplication('zhifu');

    const result = await draw(application, 5);

    expect(result.assignments).toHaveLength(2);
    expect(result.shortfall).toBe(3);
    expect((await drawEvents(application.id))[0]).toMatchObject({ needed: 5, shortfall: 3 });
  });
});

describe('declareConflict', () => {
  it('closes the assignment with the reason and draws the next expert in the order', async () => {
    await poolOf(await createExperts('zhifu', 2), await createExperts('muping', 5));
    const application = await createApplication('zhifu');
    const { assignments } = await draw(application, 3);
    const withdrawing = assignments[1]!;

    const replacement = await declareConflict({
      roundId: round.id,
      applicationId: application.id,
      expertUserId: await userIdOf(withdrawing.expertId),
      reason: '本人曾为该街道养老服务项目提供咨询',
    });

    expect(await ExpertAssignment.findByPk(withdrawing.id)).toMatchObject({
      status: 'conflict',
      conflictReason: '本人曾为该街道养老服务项目提供咨询',
      closedAt: expect.any(Date),
    });
    const [, record] = await drawEvents(application.id);
    expect(record).toMatchObject({ cause: { kind: 'conflict', assignmentId: withdrawing.id }, needed: 1 });
    expect(record!.excluded).toContainEqual({ expertId: withdrawing.expertId, reason: 'conflict' });
    const excluded = new Set(record!.excluded.map((e) => e.expertId));
    expect(replacement?.expertId).toBe(nextExperts(record!.candidateOrder, excluded, 1)[0]);
    expect(assignments.map((a) => a.expertId)).not.toContain(replacement?.expertId);
  });

  it('requires a reason, and an open assignment of the declaring expert', async () => {
    await poolOf(await createExperts('longkou', 4));
    const application = await createApplication('zhifu');
    const { assignments } = await draw(application, 3);
    const drawnIds = new Set(assignments.map((a) => a.expertId));
    const notDrawn = (await Expert.findAll({ where: { active: true } })).find((e) => !drawnIds.has(e.id))!;
    const declare = async (expertId: string, reason: string) =>
      declareConflict({
        roundId: round.id,
        applicationId: application.id,
        expertUserId: await userIdOf(expertId),
        reason,
      });

    await expect(declare(assignments[0]!.expertId, '  ')).rejects.toMatchObject({
      details: [{ field: 'reason', message: expect.any(String) }],
    });
    await expect(declare(notDrawn.id, '利害关系')).rejects.toBeInstanceOf(ForbiddenError);
    await declare(assignments[0]!.expertId, '利害关系');
    await expect(declare(assignments[0]!.expertId, '利害关系')).rejects.toMatchObject({
      code: 'NO_OPEN_ASSIGNMENT',
    });
  });

  it('returns null when the pool has nobody left to draw', async () => {
    await poolOf(await createExperts('changdao', 2));
    const application = await createApplication('zhifu');
    const { assignments } = await draw(application, 2);

    const replacement = await declareConflict({
      roundId: round.id,
      applicationId: application.id,
      expertUserId: await userIdOf(assignments[0]!.expertId),
      reason: '近亲属在该街道工作',
    });

    expect(replacement).toBeNull();
    expect((await drawEvents(application.id))[1]).toMatchObject({ drawn: [], shortfall: 1 });
  });
});

describe('replaceOverdueExperts', () => {
  it('replaces each expert who has not scored by the deadline, with a fresh deadline', async () => {
    await poolOf(await createExperts('gaoxin', 6));
    const application = await createApplication('zhifu');
    const { assignments } = await draw(application, 3);
    const [scorer, ...late] = assignments;
    await score(application, await userIdOf(scorer!.expertId), fullMarks(80));

    expect(await replaceOverdueExperts({ roundId: round.id, now: at(9).toISOString() })).toEqual([]);
    const replaced = await replaceOverdueExperts({ roundId: round.id, now: at(11).toISOString() });

    const mine = replaced.filter((r) => r.applicationId === application.id);
    expect(mine.map((r) => r.overdueAssignmentId).sort()).toEqual(late.map((a) => a.id).sort());
    for (const { replacement } of mine) {
      expect(replacement).toMatchObject({ status: 'assigned', dueAt: at(21).toISOString() });
      expect(assignments.map((a) => a.expertId)).not.toContain(replacement?.expertId);
    }
    for (const assignment of late) {
      expect(await ExpertAssignment.findByPk(assignment.id)).toMatchObject({
        status: 'overdue',
        closedAt: at(11),
      });
    }
    expect(await ExpertAssignment.findByPk(scorer!.id)).toMatchObject({ status: 'scored' });
    const record = (await drawEvents(application.id))[1]!;
    expect(
      record.excluded
        .filter((e) => e.reason === 'overdue')
        .map((e) => e.expertId)
        .sort(),
    ).toEqual(late.map((a) => a.expertId).sort());
  });

  it('changes nothing when run again', async () => {
    const events = await AuditEvent.count();

    const again = await replaceOverdueExperts({ roundId: round.id, now: at(11).toISOString() });

    expect(again).toEqual([]);
    expect(await AuditEvent.count()).toBe(events);
  });
});

describe('recordScore', () => {
  async function assigned(): Promise<{ application: Application; expertUserIds: string[] }> {
    await poolOf(await createExperts('yeda', 3));
    const application = await createApplication('zhifu');
    const { assignments } = await draw(application, 3);
    return { application, expertUserIds: await Promise.all(assignments.map((a) => userIdOf(a.expertId))) };
  }

  it('weights the criteria into an exact total in hundredths, rounded half up once', () => {
    const scores = { service_network: 80, service_quality: 70, mechanisms: 90, innovation: 60, plan: 75 };
    const a = { id: 'a', name: 'a', min: 0 };

    expect(weightedTotalHundredths(competition.rubric, scores)).toBe(7600);
    expect(
      weightedTotalHundredths(
        [
          { ...a, weight: 5, max: 8 },
          { ...a, id: 'b', weight: 95, max: 100 },
        ],
        { a: 1, b: 0 },
      ),
    ).toBe(63);
    expect(
      weightedTotalHundredths(
        [
          { ...a, weight: 60, max: 7 },
          { ...a, id: 'b', weight: 40, max: 7 },
        ],
        { a: 3, b: 5 },
      ),
    ).toBe(5429);
  });

  it('lists every problem with the scores', async () => {
    const { application, expertUserIds } = await assigned();

    const scoring = score(application, expertUserIds[0]!, {
      service_network: 101,
      service_quality: -1,
      mechanisms: 50.5,
      innovation: '80' as unknown as number,
      bonus: 10,
    });

    await expect(scoring).rejects.toBeInstanceOf(ValidationError);
    await expect(scoring).rejects.toMatchObject({
      details: [
        { field: 'scores.service_network', message: expect.stringContaining('from 0 to 100') },
        { field: 'scores.service_quality', message: expect.stringContaining('not -1') },
        { field: 'scores.mechanisms', message: expect.stringContaining('whole number') },
        { field: 'scores.innovation', message: expect.stringContaining('"80"') },
        { field: 'scores.plan', message: expect.stringContaining('required') },
        { field: 'scores.bonus', message: expect.stringContaining('not a criterion') },
      ],
    });
    await expect(score(application, expertUserIds[0]!, null as never)).rejects.toMatchObject({
      details: [{ field: 'scores' }],
    });
    expect(await ExpertAssignment.count({ where: { applicationId: application.id, status: 'scored' } })).toBe(
      0,
    );
  });

  it('requires a comment below the threshold, and keeps only its presence in the audit trail', async () => {
    const { application, expertUserIds } = await assigned();
    const [low, boundary] = expertUserIds;

    await expect(score(application, low!, fullMarks(59))).rejects.toMatchObject({
      details: [{ field: 'comment', message: expect.stringContaining('below 60') }],
    });
    await expect(score(application, low!, fullMarks(59), '   ')).rejects.toBeInstanceOf(ValidationError);
    const recorded = await score(application, low!, fullMarks(59), '服务网络覆盖不足，运行机制尚不健全');
    const atThreshold = await score(application, boundary!, fullMarks(60));

    expect(recorded.totalHundredths).toBe(5900);
    expect(atThreshold.totalHundredths).toBe(6000);
    const event = await AuditEvent.findOne({
      where: { subjectId: application.id, action: 'round.score_recorded', actor: low! },
    });
    expect(event?.after).toMatchObject({ totalHundredths: 5900, commentGiven: true });
    expect(JSON.stringify(event)).not.toContain('服务网络覆盖不足');
  });

  it('refuses a second score by the same expert, and a score by an expert not assigned', async () => {
    const { application, expertUserIds } = await assigned();
    await score(application, expertUserIds[0]!, fullMarks(90));
    const stranger = (await createExperts('yeda', 1))[0]!;

    await expect(score(application, expertUserIds[0]!, fullMarks(95))).rejects.toMatchObject({
      code: 'ALREADY_SCORED',
    });
    await expect(score(application, stranger.userId, fullMarks(95))).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("gives the round workflow each application's scores and open assignments", async () => {
    const { application, expertUserIds } = await assigned();
    await score(application, expertUserIds[0]!, fullMarks(70));
    await score(application, expertUserIds[1]!, fullMarks(80));

    const mine = (await scoresOf(round.id)).find((entry) => entry.applicationId === application.id);

    expect(mine?.open).toBe(1);
    expect(mine?.scored.map((s) => s.totalHundredths).sort()).toEqual([7000, 8000]);
    expect(mine?.scored[0]?.criteria).toEqual(fullMarks(mine!.scored[0]!.totalHundredths / 100));
  });
});

describe('reminders', () => {
  async function outboxMails(reference: string): Promise<string[]> {
    const directory = path.join(config().dataDir, 'outbox');
    if (!fs.existsSync(directory)) return [];
    const texts: string[] = [];
    for (const file of fs.readdirSync(directory)) {
      const mail = await simpleParser(fs.readFileSync(path.join(directory, file)));
      if (mail.text?.includes(reference)) texts.push(`${mail.subject ?? ''}\n${mail.text}`);
    }
    return texts;
  }

  it('mails each expert once when the reminder is due, in Chinese, with the Shanghai deadline', async () => {
    await poolOf(await createExperts('fushan', 3));
    const application = await createApplication('zhifu');
    const { assignments } = await draw(application, 3);
    await score(application, await userIdOf(assignments[2]!.expertId), fullMarks(85));

    const early = await sendScoringReminders({ roundId: round.id, now: at(6).toISOString() });
    const due = await sendScoringReminders({ roundId: round.id, now: at(8).toISOString() });
    const again = await sendScoringReminders({ roundId: round.id, now: at(8).toISOString() });

    // Other tests' applications share the round: look at this application's assignments only.
    const ids = assignments.map((a) => a.id);
    const mine = (sent: string[]): string[] => sent.filter((id) => ids.includes(id)).sort();
    expect(mine(early.assignmentIds)).toEqual([]);
    expect(mine(due.assignmentIds)).toEqual([ids[0]!, ids[1]!].sort());
    expect(again).toEqual({ sent: 0, assignmentIds: [] });
    const mails = await outboxMails(application.reference);
    expect(mails).toHaveLength(2);
    expect(mails[0]).toContain(round.title);
    expect(mails[0]).toContain('2025年6月12日 09:00（北京时间）');
    const open = (await openAssignments(round.id)).filter((a) => a.applicationId === application.id);
    expect(open.map((a) => a.remindedAt)).toEqual([expect.any(String), expect.any(String)]);
    expect(
      await AuditEvent.count({ where: { subjectId: application.id, action: 'round.expert_reminded' } }),
    ).toBe(2);
  });

  it('marks reminders sent by other means once', async () => {
    await poolOf(await createExperts('muping', 2));
    const application = await createApplication('zhifu');
    const { assignments } = await draw(application, 2);
    const ids = assignments.map((a) => a.id);

    expect((await markReminded(ids)).sort()).toEqual([...ids].sort());
    expect(await markReminded(ids)).toEqual([]);
    expect(await sendScoringReminders({ roundId: round.id, now: at(8).toISOString() })).not.toMatchObject({
      assignmentIds: expect.arrayContaining([ids[0]]),
    });
  });
});

describe('seedExperts', () => {
  it('seeds twenty synthetic experts across the districts, once', async () => {
    const created = await seedExperts();
    const again = await seedExperts();

    expect(created).toHaveLength(20);
    expect(created[0]).toBe('expert01');
    expect(again).toEqual([]);
    const users = await User.findAll({ where: { username: created } });
    const experts = await Expert.findAll({ where: { userId: users.map((u) => u.id) } });
    expect(experts).toHaveLength(20);
    expect(experts.every((e) => e.name.endsWith('（合成数据）'))).toBe(true);
    expect(new Set(experts.map((e) => e.name)).size).toBe(20);
    expect(new Set(experts.map((e) => e.districtCode)).size).toBe(DISTRICTS.length);
    expect(await bcrypt.compare('demo-2026', users[0]!.passwordHash)).toBe(true);
  });
});
