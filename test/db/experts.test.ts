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
  const environment = { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: config().dataDir };
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
  it('creates a user with the expert role, a hashed password, the experts row and an audit event', async () => {
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
