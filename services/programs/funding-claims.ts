import crypto from 'node:crypto';
import { Op, QueryTypes, type Transaction } from 'sequelize';
import { database } from '../../db';
import { FundingClaim, type Application, type Bed } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ValidationError } from '../errors';
import type { ProgramDefinition } from './definition';

/*
 * Funding claims stop double payment: the same subject (an older person's bed, a facility,
 * a region…) is not funded twice for overlapping periods by programs that share a funding
 * group, whatever the program or the year. Each application claims its subjects when it is
 * submitted; at award, under the group's lock, claims that meet another application's
 * funded claim are left out and the rest become funded.
 */

// Advisory locks taken with two int4 keys live apart from the one-bigint keys (the audit
// chain's); this first key marks funding-group locks among them.
const FUNDING_GROUP_LOCK_NAMESPACE = 7_020_242;

const SYSTEM_ACTOR = 'system:checks';

export interface ClaimInput {
  application: Application;
  definition: ProgramDefinition;
  /** The application's beds, when the program's subjects are beds. */
  beds: Bed[];
  /** Who submitted; the engine itself by default. */
  actor?: string;
}

interface Subject {
  key: string;
  label: string;
}

/** The subject key of a bed: its older person, by the digest of the identity number. */
export function bedSubjectKey(bed: Pick<Bed, 'idNumberDigest'>): string {
  return `person:${bed.idNumberDigest}`;
}

function subjectsOf({ application, definition, beds }: ClaimInput): Subject[] {
  const subject = definition.subject;
  if (subject.kind === 'bed') {
    return beds.map((bed) => ({ key: bedSubjectKey(bed), label: bed.idNumberMasked }));
  }
  const raw = subject.keyFact === undefined ? undefined : application.facts[subject.keyFact];
  const value = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
  if (!value) {
    throw new ValidationError(`The application must name the ${subject.name} it asks money for.`, [
      { field: `facts.${subject.keyFact ?? '?'}`, message: 'is required to identify the subject' },
    ]);
  }
  // Not secret (a facility or region), only fixed-length and comparable.
  const digest = crypto.createHash('sha256').update(value, 'utf8').digest('hex');
  return [{ key: `${subject.kind}:${digest}`, label: value }];
}

/** The period a claim covers: `once` from the program year on, for good; `year` that year only. */
export function claimPeriod(
  period: 'once' | 'year',
  programYear: number,
): { periodFrom: string; periodTo: string | null } {
  const periodFrom = `${programYear}-01-01`;
  return { periodFrom, periodTo: period === 'once' ? null : `${programYear + 1}-01-01` };
}

/**
 * Records one `claimed` row per subject of the application, when its program checks double
 * payment. Repeating it is harmless: a subject already claimed by the application is kept.
 * @returns the claims the application holds afterwards (none when the check is off).
 * @throws ValidationError when a non-bed subject's key fact is missing.
 */
export async function claimSubjects(tx: Transaction, input: ClaimInput): Promise<FundingClaim[]> {
  const check = input.definition.checks.doublePayment;
  if (!check) return [];
  const { application } = input;
  const { periodFrom, periodTo } = claimPeriod(check.period, application.programYear);
  const subjects = subjectsOf(input);
  const heldBefore = await FundingClaim.count({
    where: { applicationId: application.id },
    transaction: tx,
  });

  const now = new Date();
  // ON CONFLICT DO NOTHING on (application, subject): a repeated call keeps the first claims.
  await FundingClaim.bulkCreate(
    subjects.map((subject) => ({
      id: crypto.randomUUID(),
      fundingGroup: check.fundingGroup,
      subjectKey: subject.key,
      subjectLabel: subject.label,
      programCode: application.programCode,
      applicationId: application.id,
      periodFrom,
      periodTo,
      status: 'claimed' as const,
      createdAt: now,
      updatedAt: now,
    })),
    { transaction: tx, ignoreDuplicates: true },
  );
  const claims = await FundingClaim.findAll({
    where: { applicationId: application.id },
    order: [['subjectLabel', 'ASC']],
    transaction: tx,
  });

  if (claims.length > heldBefore) {
    await recordAuditEvent(tx, {
      actor: input.actor ?? SYSTEM_ACTOR,
      action: 'funding_claims.claimed',
      subjectType: 'application',
      subjectId: application.id,
      before: { claims: heldBefore },
      after: { claims: claims.length, fundingGroup: check.fundingGroup, periodFrom, periodTo },
    });
  }
  return claims;
}

function lockKey(group: string): number {
  return crypto.createHash('sha256').update(group, 'utf8').digest().readInt32BE(0);
}

/**
 * Holds the funding group's transaction-scoped lock until `tx` ends, so that two awards of
 * the same subject cannot both see "no funded claim" and both pay. Take it before
 * {@link findDuplicateSubjects} and keep it through {@link markClaimsFunded}.
 */
export async function lockFundingGroup(tx: Transaction, group: string): Promise<void> {
  await database().query('SELECT pg_advisory_xact_lock(:namespace, :key)', {
    replacements: { namespace: FUNDING_GROUP_LOCK_NAMESPACE, key: lockKey(group) },
    transaction: tx,
  });
}

export interface DuplicateSubject {
  subjectKey: string;
  label: string;
  fundingGroup: string;
  otherApplicationId: string;
  otherReference: string;
  otherProgramCode: string;
  otherPeriodFrom: string;
  otherPeriodTo: string | null;
}

/**
 * The application's live claims that overlap a `funded` claim of another application in
 * the same funding group (periods as [from, to), an open end running for good), one row
 * per pair. Take the group's lock first when the answer decides an award.
 */
export async function findDuplicateSubjects(
  tx: Transaction,
  applicationId: string,
): Promise<DuplicateSubject[]> {
  return database().query<DuplicateSubject>(
    `SELECT mine.subject_key AS "subjectKey", mine.subject_label AS "label",
            mine.funding_group AS "fundingGroup", other.application_id AS "otherApplicationId",
            a.reference AS "otherReference", other.program_code AS "otherProgramCode",
            to_char(other.period_from, 'YYYY-MM-DD') AS "otherPeriodFrom",
            to_char(other.period_to, 'YYYY-MM-DD') AS "otherPeriodTo"
       FROM funding_claims mine
       JOIN funding_claims other
         ON other.funding_group = mine.funding_group
        AND other.subject_key = mine.subject_key
        AND other.application_id <> mine.application_id
        AND other.status = 'funded'
        AND daterange(other.period_from, other.period_to) && daterange(mine.period_from, mine.period_to)
       JOIN applications a ON a.id = other.application_id
      WHERE mine.application_id = :applicationId AND mine.status <> 'released'
      ORDER BY mine.subject_label, a.reference`,
    { replacements: { applicationId }, type: QueryTypes.SELECT, transaction: tx },
  );
}

/**
 * Marks the application's claims funded, except the subjects in `exceptSubjectKeys`
 * (duplicates, beds excluded for long-term care), which are released: this award does not
 * pay for them. Call it under {@link lockFundingGroup}, after {@link findDuplicateSubjects}.
 * @returns how many claims became funded.
 */
export async function markClaimsFunded(
  tx: Transaction,
  applicationId: string,
  exceptSubjectKeys: readonly string[],
  actor: string = SYSTEM_ACTOR,
): Promise<number> {
  const except = [...new Set(exceptSubjectKeys)];
  const [funded] = await FundingClaim.update(
    { status: 'funded', updatedAt: new Date() },
    {
      where: {
        applicationId,
        status: 'claimed',
        ...(except.length > 0 ? { subjectKey: { [Op.notIn]: except } } : {}),
      },
      transaction: tx,
    },
  );
  const [released] =
    except.length > 0
      ? await FundingClaim.update(
          { status: 'released', updatedAt: new Date() },
          { where: { applicationId, status: 'claimed', subjectKey: except }, transaction: tx },
        )
      : [0];

  if (funded > 0 || released > 0) {
    await recordAuditEvent(tx, {
      actor,
      action: 'funding_claims.funded',
      subjectType: 'application',
      subjectId: applicationId,
      before: { status: 'claimed' },
      after: { funded, releasedAsNotFunded: released },
    });
  }
  return funded;
}

/**
 * Locks the groups of the application's claims, leaves out the duplicates found and funds
 * the rest: the whole award-time step in one call.
 */
export async function fundClaims(
  tx: Transaction,
  applicationId: string,
  exceptSubjectKeys: readonly string[] = [],
  actor: string = SYSTEM_ACTOR,
): Promise<{ funded: number; duplicates: DuplicateSubject[] }> {
  const groups = await FundingClaim.findAll({
    attributes: ['fundingGroup'],
    where: { applicationId },
    group: ['fundingGroup'],
    transaction: tx,
  });
  // Always in the same order, so that two awards never wait on each other's second lock.
  for (const group of groups.map((g) => g.fundingGroup).sort()) await lockFundingGroup(tx, group);

  const duplicates = await findDuplicateSubjects(tx, applicationId);
  const funded = await markClaimsFunded(
    tx,
    applicationId,
    [...exceptSubjectKeys, ...duplicates.map((d) => d.subjectKey)],
    actor,
  );
  return { funded, duplicates };
}

/**
 * Releases every claim of the application, claimed or funded, when it is refused or
 * cancelled, so that its subjects may be funded elsewhere.
 * @returns how many claims were released.
 */
export async function releaseClaims(
  tx: Transaction,
  applicationId: string,
  actor: string = SYSTEM_ACTOR,
): Promise<number> {
  const [released] = await FundingClaim.update(
    { status: 'released', updatedAt: new Date() },
    { where: { applicationId, status: { [Op.in]: ['claimed', 'funded'] } }, transaction: tx },
  );
  if (released > 0) {
    await recordAuditEvent(tx, {
      actor,
      action: 'funding_claims.released',
      subjectType: 'application',
      subjectId: applicationId,
      before: null,
      after: { released },
    });
  }
  return released;
}
