import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import { inTransaction } from '../../db';
import {
  Application,
  ApplicationFlag,
  AuditEvent,
  Bed,
  FundingClaim,
  LongTermCareCoverage,
  Program,
  Region,
  User,
  type Role,
} from '../../db/models';
import { ValidationError } from '../../services/errors';
import { creditCodeCheckCharacter } from '../../services/identifiers/credit-code';
import { maskResidentId, residentIdCheckCharacter } from '../../services/identifiers/resident-id';
import { personalDataDigest } from '../../services/personal-data';
import type {
  ChecksDefinition,
  ProgramDefinition,
  SubjectDefinition,
} from '../../services/programs/definition';
import {
  activeBlacklistEntry,
  addToBlacklist,
  bedSubjectKey,
  claimSubjects,
  findDuplicateSubjects,
  fundClaims,
  importLongTermCareCoverage,
  liftBlacklistEntry,
  lockFundingGroup,
  ltcCoveredBeds,
  markClaimsFunded,
  raiseFlags,
  releaseClaims,
  runChecks,
  sharedBankAccountApplications,
  type CheckResults,
} from '../../services/programs/checks';
import { releaseTestDatabase, useTestDatabase } from '../support/database';

/*
 * Rows are created directly through the models: regions → users → programs → applications
 * → beds. Identity numbers and credit codes are synthetic, with valid check characters.
 */

let adminId: string;
let applicantId: string;

beforeAll(async () => {
  await useTestDatabase();
  await Region.create({ code: '370600', name: '烟台市', level: 'city', parentCode: null });
  await Region.create({ code: '370602', name: '芝罘区', level: 'district', parentCode: '370600' });
  await Region.create({
    code: '370602001',
    name: '示例街道（虚构）',
    level: 'township',
    parentCode: '370602',
  });
  adminId = await createUser('admin', 'admin');
  applicantId = await createUser('applicant', 'provider');
  for (const code of ['bed-a', 'bed-b', 'bed-yearly', 'facility', 'elsewhere']) {
    await Program.create({ code, name: `测试项目 ${code}`, policyClause: 'test' });
  }
});
afterAll(releaseTestDatabase);

async function createUser(role: Role, username: string): Promise<string> {
  const user = await User.create({
    id: crypto.randomUUID(),
    username,
    displayName: username,
    email: `${username}@example.test`,
    passwordHash: 'x',
    role,
    regionCode: '370600',
    organisationCreditCode: null,
    organisationName: null,
  });
  return user.id;
}

let sequence = 0;
const next = (): number => ++sequence;

function creditCode(): string {
  const first17 = `91370602MA3C${String(next()).padStart(5, '0')}`;
  return first17 + creditCodeCheckCharacter(first17);
}

function residentId(): string {
  const first17 = `37060219400101${String(next()).padStart(3, '0')}`;
  return first17 + residentIdCheckCharacter(first17);
}

async function createApplication(
  overrides: Partial<{
    programCode: string;
    programYear: number;
    creditCode: string;
    organisationName: string;
    bankAccountNumber: string;
    facts: Record<string, unknown>;
  }> = {},
): Promise<Application> {
  const n = next();
  const now = new Date();
  return Application.create({
    id: crypto.randomUUID(),
    reference: `TEST-${n}`,
    programCode: overrides.programCode ?? 'bed-a',
    programYear: overrides.programYear ?? 2025,
    status: 'submitted',
    stage: null,
    applicantUserId: applicantId,
    idempotencyKey: null,
    organisationCreditCode: overrides.creditCode ?? creditCode(),
    organisationName: overrides.organisationName ?? `烟台示例养老服务有限公司${n}`,
    contactEmail: 'provider@example.test',
    districtCode: '370602',
    townshipCode: '370602001',
    bankAccountName: '示例养老服务有限公司',
    bankAccountNumber: overrides.bankAccountNumber ?? `6222${String(n).padStart(12, '0')}`,
    bankName: '示例银行芝罘支行',
    awardFen: null,
    awardCalculation: null,
    appropriationId: null,
    programVersionId: null,
    facts: overrides.facts ?? {},
    submittedAt: now,
    updatedAt: now,
  });
}

async function createBed(application: Application, idNumber: string): Promise<Bed> {
  return Bed.create({
    id: crypto.randomUUID(),
    applicationId: application.id,
    sequence: next(),
    personNameSealed: 'sealed',
    personNameMasked: '张*',
    idNumberSealed: 'sealed',
    idNumberDigest: personalDataDigest(idNumber),
    idNumberMasked: maskResidentId(idNumber),
    address: '芝罘区示例路 1 号（虚构）',
    acceptedOn: '2025-03-01',
    inspectionResult: null,
    inspectionNote: null,
    inspectedBy: null,
    inspectedAt: null,
  });
}

const NO_CHECKS: ChecksDefinition = {
  blacklist: false,
  doublePayment: null,
  longTermCareInsurance: null,
  sharedBankAccount: false,
};

function definition(
  code: string,
  checks: Partial<ChecksDefinition>,
  subject: SubjectDefinition = { kind: 'bed', name: '床位' },
  ltcAction: 'flag' | 'exclude' = 'flag',
): ProgramDefinition {
  return {
    code,
    name: `测试项目 ${code}`,
    policyClause: 'test',
    effectiveFrom: '2024-01-01',
    process: 'staged_review',
    referencePrefix: 'TEST',
    applicantTypes: ['provider'],
    fundSources: ['city_special'],
    window: { opens: '01-01', closes: '12-31', firstYear: 2024, lastYear: null },
    subject,
    facts: [],
    documents: [],
    stages: { first: 'review', stages: [] },
    eligibility: [],
    amount: { formula: '0', description: 'test' },
    caps: {},
    checks: { ...NO_CHECKS, ...checks },
    parameters: [
      {
        name: 'ltc_action',
        description: '长期护理保险已覆盖的床位如何处理',
        policyClause: 'test',
        unit: 'text',
        example: true,
        values: [{ from: '2024-01-01', to: null, value: ltcAction }],
      },
    ],
  };
}

const once = (group: string) => ({ doublePayment: { fundingGroup: group, period: 'once' as const } });
const yearly = (group: string) => ({ doublePayment: { fundingGroup: group, period: 'year' as const } });

/** An application of `program` with one bed per identity number, its subjects claimed. */
async function claimedApplication(
  program: ProgramDefinition,
  programYear: number,
  idNumbers: string[],
): Promise<{ application: Application; beds: Bed[] }> {
  const application = await createApplication({ programCode: program.code, programYear });
  const beds: Bed[] = [];
  for (const idNumber of idNumbers) beds.push(await createBed(application, idNumber));
  await inTransaction((tx) => claimSubjects(tx, { application, definition: program, beds }));
  return { application, beds };
}

async function fundWithoutDuplicates(applicationId: string, group: string): Promise<number> {
  return inTransaction(async (tx) => {
    await lockFundingGroup(tx, group);
    const duplicates = await findDuplicateSubjects(tx, applicationId);
    return markClaimsFunded(
      tx,
      applicationId,
      duplicates.map((d) => d.subjectKey),
    );
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the blacklist', () => {
  it('bars an organisation from the day it is listed until the day it ends', async () => {
    const code = creditCode();
    await addToBlacklist(
      {
        creditCode: code,
        organisationName: '示例公司',
        programCode: null,
        reason: '骗取补贴',
        listedFrom: '2025-01-01',
        listedUntil: '2026-01-01',
      },
      adminId,
    );

    expect(await activeBlacklistEntry(code, 'bed-a', '2024-12-31')).toBeNull();
    expect(await activeBlacklistEntry(code, 'bed-a', '2025-01-01')).not.toBeNull();
    expect(await activeBlacklistEntry(code, 'facility', '2025-12-31')).not.toBeNull();
    expect(await activeBlacklistEntry(code, 'bed-a', '2026-01-01')).toBeNull();
  });

  it('bars from one program only when the entry names it', async () => {
    const code = creditCode();
    await addToBlacklist(
      {
        creditCode: code,
        organisationName: '示例公司',
        programCode: 'bed-a',
        reason: '虚报床位',
        listedFrom: '2025-01-01',
        listedUntil: null,
      },
      adminId,
    );

    expect(await activeBlacklistEntry(code, 'bed-a', '2030-06-01')).not.toBeNull();
    expect(await activeBlacklistEntry(code, 'bed-b', '2030-06-01')).toBeNull();
  });

  it('no longer bars once lifted, and keeps the entry with who lifted it and why', async () => {
    const code = creditCode();
    const entry = await addToBlacklist(
      {
        creditCode: code,
        organisationName: '示例公司',
        programCode: null,
        reason: '骗取补贴',
        listedFrom: '2025-01-01',
        listedUntil: null,
      },
      adminId,
    );

    await liftBlacklistEntry(entry.id, '已全额退回补贴', adminId);

    expect(await activeBlacklistEntry(code, 'bed-a', '2025-06-01')).toBeNull();
    await entry.reload();
    expect(entry).toMatchObject({ liftedBy: adminId, liftReason: '已全额退回补贴' });
    await expect(liftBlacklistEntry(entry.id, '再次解除', adminId)).rejects.toMatchObject({
      code: 'BLACKLIST_ENTRY_LIFTED',
    });
    const actions = await AuditEvent.findAll({ where: { subjectId: entry.id }, order: [['id', 'ASC']] });
    expect(actions.map((a) => a.action)).toEqual(['blacklist.listed', 'blacklist.lifted']);
  });

  it('refuses a credit code with a wrong check character and an end before the start', async () => {
    const code = creditCode();
    const wrong = code.slice(0, 17) + (code.endsWith('0') ? '1' : '0');

    const listing = addToBlacklist(
      {
        creditCode: wrong,
        organisationName: '示例公司',
        programCode: null,
        reason: '骗取补贴',
        listedFrom: '2025-01-01',
        listedUntil: '2024-01-01',
      },
      adminId,
    );

    await expect(listing).rejects.toBeInstanceOf(ValidationError);
    await expect(listing).rejects.toMatchObject({
      details: [
        expect.objectContaining({ field: 'creditCode' }),
        expect.objectContaining({ field: 'listedUntil' }),
      ],
    });
  });
  it('refuses an entry for a program that does not exist', async () => {
    const listing = addToBlacklist(
      {
        creditCode: creditCode(),
        organisationName: '示例公司',
        programCode: 'no-such-program',
        reason: '骗取补贴',
        listedFrom: '2025-01-01',
        listedUntil: null,
      },
      adminId,
    );

    await expect(listing).rejects.toMatchObject({
      details: [expect.objectContaining({ field: 'programCode' })],
    });
  });
});

describe('funding claims against double payment', () => {
  const bedA = definition('bed-a', once('home-bed'));
  const bedB = definition('bed-b', once('home-bed'));
  const elsewhere = definition('elsewhere', once('other-group'));

  it('finds a person funded in an earlier year by another program of the same group', async () => {
    const person = residentId();
    const earlier = await claimedApplication(bedA, 2024, [person]);
    await fundWithoutDuplicates(earlier.application.id, 'home-bed');

    const later = await claimedApplication(bedB, 2025, [person, residentId()]);
    const duplicates = await inTransaction((tx) => findDuplicateSubjects(tx, later.application.id));

    expect(duplicates).toEqual([
      expect.objectContaining({
        subjectKey: `person:${personalDataDigest(person)}`,
        label: maskResidentId(person),
        otherReference: earlier.application.reference,
        otherProgramCode: 'bed-a',
      }),
    ]);
  });

  it('does not find the same person funded in another funding group', async () => {
    const person = residentId();
    const earlier = await claimedApplication(elsewhere, 2024, [person]);
    await fundWithoutDuplicates(earlier.application.id, 'other-group');

    const later = await claimedApplication(bedA, 2025, [person]);

    expect(await inTransaction((tx) => findDuplicateSubjects(tx, later.application.id))).toEqual([]);
  });

  it('lets yearly periods of different years stand side by side, but not the same year', async () => {
    const yearlyProgram = definition('bed-yearly', yearly('yearly-group'));
    const person = residentId();
    const first = await claimedApplication(yearlyProgram, 2024, [person]);
    await fundWithoutDuplicates(first.application.id, 'yearly-group');

    const nextYear = await claimedApplication(yearlyProgram, 2025, [person]);
    const sameYear = await claimedApplication(yearlyProgram, 2024, [person]);

    expect(await inTransaction((tx) => findDuplicateSubjects(tx, nextYear.application.id))).toEqual([]);
    expect(await inTransaction((tx) => findDuplicateSubjects(tx, sameYear.application.id))).toHaveLength(1);
  });

  it('no longer counts claims released on refusal', async () => {
    const person = residentId();
    const earlier = await claimedApplication(bedA, 2024, [person]);
    await fundWithoutDuplicates(earlier.application.id, 'home-bed');
    await inTransaction((tx) => releaseClaims(tx, earlier.application.id));

    const later = await claimedApplication(bedB, 2025, [person]);

    expect(await inTransaction((tx) => findDuplicateSubjects(tx, later.application.id))).toEqual([]);
    const actions = await AuditEvent.findAll({ where: { subjectId: earlier.application.id } });
    expect(actions.map((a) => a.action)).toContain('funding_claims.released');
  });

  it('keys other subjects by their key fact, so the same facility clashes across applications', async () => {
    const facility = definition('facility', once('facility-group'), {
      kind: 'facility',
      name: '服务设施',
      keyFact: 'facilityCode',
    });
    const first = await createApplication({ programCode: 'facility', facts: { facilityCode: 'FAC-001' } });
    const second = await createApplication({ programCode: 'facility', facts: { facilityCode: 'FAC-001' } });
    for (const application of [first, second]) {
      await inTransaction((tx) => claimSubjects(tx, { application, definition: facility, beds: [] }));
    }

    await inTransaction((tx) => fundClaims(tx, first.id));
    const result = await inTransaction((tx) => fundClaims(tx, second.id));

    expect(result).toMatchObject({
      funded: 0,
      duplicates: [{ label: 'FAC-001', otherReference: first.reference }],
    });
    expect(await FundingClaim.findOne({ where: { applicationId: second.id } })).toMatchObject({
      status: 'released',
    });
  });

  it('claims a subject once however often the submission is repeated', async () => {
    const { application, beds } = await claimedApplication(bedA, 2025, [residentId(), residentId()]);

    await inTransaction((tx) => claimSubjects(tx, { application, definition: bedA, beds }));

    expect(await FundingClaim.count({ where: { applicationId: application.id } })).toBe(2);
    const claimedEvents = await AuditEvent.count({
      where: { subjectId: application.id, action: 'funding_claims.claimed' },
    });
    expect(claimedEvents).toBe(1);
  });

  it('funds a subject only once when two awards race under the group lock', async () => {
    const person = residentId();
    const one = await claimedApplication(bedA, 2025, [person]);
    const two = await claimedApplication(bedB, 2025, [person]);

    // Each holds the lock across a pause between reading and writing, as a slow award would.
    const award = (applicationId: string) =>
      inTransaction(async (tx: Transaction) => {
        await lockFundingGroup(tx, 'home-bed');
        const duplicates = await findDuplicateSubjects(tx, applicationId);
        await sleep(200);
        return markClaimsFunded(
          tx,
          applicationId,
          duplicates.map((d) => d.subjectKey),
        );
      });
    const funded = await Promise.all([award(one.application.id), award(two.application.id)]);

    expect(funded.sort()).toEqual([0, 1]);
    const key = bedSubjectKey(one.beds[0]!);
    expect(await FundingClaim.count({ where: { subjectKey: key, status: 'funded' } })).toBe(1);
  });

  it('would fund the subject twice without the lock, which is why the lock is taken', async () => {
    const person = residentId();
    const one = await claimedApplication(elsewhere, 2025, [person]);
    const two = await claimedApplication(elsewhere, 2025, [person]);

    const award = (applicationId: string) =>
      inTransaction(async (tx: Transaction) => {
        const duplicates = await findDuplicateSubjects(tx, applicationId);
        await sleep(200);
        return markClaimsFunded(
          tx,
          applicationId,
          duplicates.map((d) => d.subjectKey),
        );
      });

    expect(await Promise.all([award(one.application.id), award(two.application.id)])).toEqual([1, 1]);
  });
});

describe('long-term care insurance coverage', () => {
  it('refuses the whole import, row by row, and writes nothing', async () => {
    const good = residentId();
    const badCheck = good.slice(0, 17) + (good.endsWith('1') ? '2' : '1');
    const before = await LongTermCareCoverage.count();

    const importing = importLongTermCareCoverage(
      [
        { idNumber: residentId(), coveredFrom: '2024-01-01', coveredTo: null, sourceReference: 'LTC-1' },
        { idNumber: badCheck, coveredFrom: '2024-01-01', coveredTo: null, sourceReference: 'LTC-1' },
        { idNumber: residentId(), coveredFrom: '2024-02-30', coveredTo: '2024-01-01', sourceReference: '' },
      ],
      adminId,
    );

    await expect(importing).rejects.toBeInstanceOf(ValidationError);
    await expect(importing).rejects.toMatchObject({
      details: [
        { field: 'rows[1].idNumber', message: expect.stringContaining('check digit') },
        { field: 'rows[2].coveredFrom', message: expect.any(String) },
        { field: 'rows[2].sourceReference', message: expect.any(String) },
      ],
    });
    expect(await LongTermCareCoverage.count()).toBe(before);
  });

  it('imports digests only, counts rows already present, and audits counts only', async () => {
    const person = residentId();
    const rows = [
      { idNumber: person, coveredFrom: '2024-03-01', coveredTo: '2024-09-01', sourceReference: 'LTC-2' },
      { idNumber: residentId(), coveredFrom: '2023-01-01', coveredTo: null, sourceReference: 'LTC-2' },
    ];

    const first = await importLongTermCareCoverage(rows, adminId);
    const again = await importLongTermCareCoverage(rows, adminId);

    expect(first).toMatchObject({ rows: 2, imported: 2, alreadyPresent: 0 });
    expect(again).toMatchObject({ rows: 2, imported: 0, alreadyPresent: 2 });
    const stored = await LongTermCareCoverage.findAll({ where: { sourceReference: 'LTC-2' } });
    expect(stored.map((row) => row.idNumberDigest)).toContain(personalDataDigest(person));
    const event = await AuditEvent.findOne({ where: { subjectId: first.importId } });
    expect(event?.after).toEqual({ rows: 2, imported: 2, alreadyPresent: 0 });
    expect(JSON.stringify(event)).not.toContain(person);
  });

  it('finds the beds whose person is covered for an overlapping period', async () => {
    const coveredSpring = residentId();
    const coveredForGood = residentId();
    const notCovered = residentId();
    await importLongTermCareCoverage(
      [
        {
          idNumber: coveredSpring,
          coveredFrom: '2024-03-01',
          coveredTo: '2024-06-01',
          sourceReference: 'LTC-3',
        },
        { idNumber: coveredForGood, coveredFrom: '2023-01-01', coveredTo: null, sourceReference: 'LTC-3' },
      ],
      adminId,
    );
    const application = await createApplication();
    const [spring, forGood, none] = [
      await createBed(application, coveredSpring),
      await createBed(application, coveredForGood),
      await createBed(application, notCovered),
    ];
    const beds = [spring, forGood, none];

    expect((await ltcCoveredBeds(beds, '2024-01-01', '2025-01-01')).sort()).toEqual(
      [spring.id, forGood.id].sort(),
    );
    expect(await ltcCoveredBeds(beds, '2024-06-01', '2025-01-01')).toEqual([forGood.id]);
    expect(await ltcCoveredBeds(beds, '2026-01-01', null)).toEqual([forGood.id]);
    expect(await ltcCoveredBeds(beds, '2023-01-01', '2023-02-01')).toEqual([forGood.id]);
    expect(await ltcCoveredBeds([none], '2020-01-01', null)).toEqual([]);
  });
});

describe('the shared bank account check', () => {
  it('finds an unrelated applicant paid into the same account, not the same organisation', async () => {
    const account = '6222000099990001';
    const code = creditCode();
    const mine = await createApplication({ creditCode: code, bankAccountNumber: account });
    const ownEarlier = await createApplication({ creditCode: code, bankAccountNumber: account });
    const stranger = await createApplication({
      bankAccountNumber: account,
      organisationName: '烟台另一家养老服务有限公司',
    });

    const found = await sharedBankAccountApplications(mine);

    expect(found).toEqual([{ otherReference: stranger.reference, organisationName: '烟台*********公司' }]);
    expect(found.map((f) => f.otherReference)).not.toContain(ownEarlier.reference);
  });
});

describe('running the checks together', () => {
  async function blacklisted(code: string): Promise<void> {
    await addToBlacklist(
      {
        creditCode: code,
        organisationName: '示例公司',
        programCode: null,
        reason: '骗取补贴',
        listedFrom: '2024-01-01',
        listedUntil: null,
      },
      adminId,
    );
  }

  it('runs only the checks the definition switches on', async () => {
    const code = creditCode();
    await blacklisted(code);
    const application = await createApplication({ creditCode: code });

    const results = await inTransaction((tx) =>
      runChecks(tx, { application, definition: definition('bed-a', {}), beds: [], onDate: '2025-05-01' }),
    );

    expect(results).toEqual({
      blacklist: null,
      duplicateSubjects: [],
      longTermCare: [],
      ltcAction: null,
      sharedBankAccount: [],
    });
  });

  it('reports every finding, with beds and masked labels', async () => {
    const code = creditCode();
    await blacklisted(code);
    const funded = residentId();
    const covered = residentId();
    const program = definition(
      'bed-b',
      {
        blacklist: true,
        ...once('all-checks'),
        longTermCareInsurance: { actionParameter: 'ltc_action' },
        sharedBankAccount: true,
      },
      { kind: 'bed', name: '床位' },
      'exclude',
    );
    const earlier = await claimedApplication(program, 2024, [funded]);
    await fundWithoutDuplicates(earlier.application.id, 'all-checks');
    await importLongTermCareCoverage(
      [{ idNumber: covered, coveredFrom: '2025-01-01', coveredTo: null, sourceReference: 'LTC-4' }],
      adminId,
    );
    const application = await createApplication({ programCode: 'bed-b', creditCode: code });
    const beds = [await createBed(application, funded), await createBed(application, covered)];
    await inTransaction((tx) => claimSubjects(tx, { application, definition: program, beds }));
    const other = await createApplication({ bankAccountNumber: application.bankAccountNumber });

    const results = await inTransaction((tx) =>
      runChecks(tx, { application, definition: program, beds, onDate: '2025-05-01' }),
    );

    expect(results.blacklist).toMatchObject({
      reason: '骗取补贴',
      listedFrom: '2024-01-01',
      listedUntil: null,
    });
    expect(results.duplicateSubjects).toEqual([
      {
        subjectKey: bedSubjectKey(beds[0]!),
        label: maskResidentId(funded),
        bedId: beds[0]!.id,
        otherReference: earlier.application.reference,
        otherProgramCode: 'bed-b',
      },
    ]);
    expect(results.longTermCare).toEqual([{ bedId: beds[1]!.id, label: maskResidentId(covered) }]);
    expect(results.ltcAction).toBe('exclude');
    expect(results.sharedBankAccount).toEqual([expect.objectContaining({ otherReference: other.reference })]);
  });
});

describe('raising flags', () => {
  const results = (otherReference: string): CheckResults => ({
    blacklist: {
      entryId: crypto.randomUUID(),
      reason: '骗取补贴',
      listedFrom: '2024-01-01',
      listedUntil: null,
    },
    duplicateSubjects: [],
    longTermCare: [],
    ltcAction: null,
    sharedBankAccount: [{ otherReference, organisationName: '烟台*****公司' }],
  });

  it('raises one flag per kind, once, and audits only what is new', async () => {
    const application = await createApplication();
    const found = results('TEST-OTHER-1');
    const events = () =>
      AuditEvent.count({ where: { subjectId: application.id, action: 'application.flagged' } });

    const first = await inTransaction((tx) => raiseFlags(tx, application.id, found, adminId));
    const again = await inTransaction((tx) => raiseFlags(tx, application.id, found, adminId));

    expect(first).toEqual(['blacklist', 'shared_bank_account']);
    expect(again).toEqual([]);
    expect(await ApplicationFlag.count({ where: { applicationId: application.id } })).toBe(2);
    expect(await events()).toBe(1);

    const changed = await inTransaction((tx) =>
      raiseFlags(
        tx,
        application.id,
        { ...found, sharedBankAccount: results('TEST-OTHER-2').sharedBankAccount },
        adminId,
      ),
    );

    expect(changed).toEqual(['shared_bank_account']);
    expect(await ApplicationFlag.count({ where: { applicationId: application.id } })).toBe(2);
    expect(await events()).toBe(2);
  });

  it('keeps no digest in the detail of a double-payment flag', async () => {
    const application = await createApplication();
    const subjectKey = `person:${personalDataDigest(residentId())}`;

    await inTransaction((tx) =>
      raiseFlags(
        tx,
        application.id,
        {
          ...results('TEST-OTHER-3'),
          blacklist: null,
          duplicateSubjects: [
            {
              subjectKey,
              label: '37**************1X',
              bedId: null,
              otherReference: 'X',
              otherProgramCode: 'bed-a',
            },
          ],
        },
        adminId,
      ),
    );

    const flag = await ApplicationFlag.findOne({
      where: { applicationId: application.id, kind: 'double_payment' },
    });
    expect(JSON.stringify(flag?.detail)).not.toContain(subjectKey.slice('person:'.length));
  });
});
