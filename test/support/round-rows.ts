import crypto from 'node:crypto';
import { Application, Program, ProgramVersion, Region, Round, User, type Role } from '../../db/models';
import type { RoundStatus } from '../../db/models/rounds';

/*
 * Rows for a competitive round, created directly through the models: regions → users →
 * program and version → round → applications. Townships, people and scores are synthetic.
 * Call createRoundWorld once per test file, after useTestDatabase.
 */

export const PROGRAM = { code: 'township-demonstration', name: '镇域养老服务高质量发展示范点' };

export interface RoundWorld {
  adminId: string;
  applicantId: string;
  programVersionId: number;
}

export async function createRoundWorld(): Promise<RoundWorld> {
  await Region.create({ code: 'yantai', name: '烟台市', level: 'city', parentCode: null });
  await Region.create({ code: 'zhifu', name: '芝罘区', level: 'district', parentCode: 'yantai' });
  await Region.create({
    code: 'zhifu-t1',
    name: '芝罘区示例街道一（合成数据）',
    level: 'township',
    parentCode: 'zhifu',
  });
  const adminId = await createUser('admin', 'admin');
  const applicantId = await createUser('applicant', 'township-applicant');
  await Program.create({ ...PROGRAM, policyClause: '二(四)4', process: 'competitive_round' });
  // The definition is not read by the code under test: a stub keeps the row valid.
  const version = await ProgramVersion.create({
    programCode: PROGRAM.code,
    version: 1,
    effectiveFrom: '2024-01-01',
    definition: { code: PROGRAM.code, name: PROGRAM.name },
    definitionSha256: 'test',
    source: 'test',
    status: 'published',
    publishedBy: adminId,
    publishedAt: new Date('2026-01-01T00:00:00Z'),
    retiredBy: null,
    retiredAt: null,
  });
  return { adminId, applicantId, programVersionId: version.id };
}

async function createUser(role: Role, username: string): Promise<string> {
  const user = await User.create({
    id: crypto.randomUUID(),
    username,
    displayName: username,
    email: `${username}@example.test`,
    passwordHash: 'x',
    role,
    regionCode: 'yantai',
    organisationCreditCode: null,
    organisationName: null,
  });
  return user.id;
}

let year = 2030;

/** A round of its own year (one round per program and year), in `status`, with no ranking. */
export async function createRound(world: RoundWorld, status: RoundStatus = 'public_notice'): Promise<Round> {
  year += 1;
  return Round.create({
    id: crypto.randomUUID(),
    programCode: PROGRAM.code,
    programVersionId: world.programVersionId,
    year,
    title: `${year}年度镇域养老服务高质量发展示范点竞争立项（测试）`,
    opensAt: new Date(`${year}-03-01T00:00:00+08:00`),
    closesAt: new Date(`${year}-06-01T00:00:00+08:00`),
    status,
    drawSeed: crypto.randomBytes(16).toString('hex'),
    ranking: null,
    approvedBy: null,
    approvedAt: null,
    createdBy: world.adminId,
    createdAt: new Date(),
  });
}

let sequence = 0;

/** A township's application to `round`. */
export async function createRoundApplication(
  world: RoundWorld,
  round: Round,
  overrides: Partial<{ awardFen: string | null }> = {},
): Promise<Application> {
  const n = ++sequence;
  const now = new Date();
  return Application.create({
    id: crypto.randomUUID(),
    reference: `ZYSF-${round.year}-${String(n).padStart(6, '0')}`,
    programCode: PROGRAM.code,
    programYear: round.year,
    status: 'under_review',
    stage: null,
    applicantUserId: world.applicantId,
    idempotencyKey: null,
    organisationCreditCode: `11370602MB${String(n).padStart(8, '0')}`,
    organisationName: `芝罘区示例街道${n}（合成数据）`,
    contactEmail: `township${n}@example.test`,
    districtCode: 'zhifu',
    townshipCode: 'zhifu-t1',
    bankAccountName: '芝罘区财政国库集中支付中心',
    bankAccountNumber: `6222${String(n).padStart(12, '0')}`,
    bankName: '示例银行芝罘支行',
    awardFen: overrides.awardFen ?? null,
    awardCalculation: null,
    appropriationId: null,
    programVersionId: world.programVersionId,
    roundId: round.id,
    applicantType: 'township',
    facts: {},
    submittedAt: now,
    updatedAt: now,
  });
}

/** Stores a ranking in which `selected` are on the published list and `others` are not. */
export async function rankRound(
  round: Round,
  selected: Application[],
  others: Application[] = [],
): Promise<void> {
  const entry = (application: Application, index: number, isSelected: boolean) => ({
    rank: index + 1,
    applicationId: application.id,
    reference: application.reference,
    organisationName: application.organisationName,
    districtCode: application.districtCode,
    score: (90 - index).toFixed(2),
    selected: isSelected,
  });
  await round.update({
    ranking: {
      entries: [
        ...selected.map((application, i) => entry(application, i, true)),
        ...others.map((application, i) => entry(application, selected.length + i, false)),
      ],
    },
  });
}
