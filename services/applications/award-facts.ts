import { Op, QueryTypes, type Transaction } from 'sequelize';
import { database } from '../../db';
import { Application, Bed } from '../../db/models';
import { bedSubjectKey, type CheckResults } from '../programs/checks';
import type { ProgramDefinition } from '../programs/definition';
import type { CapUsage } from '../programs/evaluation';
import type { ExpressionValue } from '../programs/expressions';

/*
 * What an award evaluation reads from the record: the engine facts (services/programs/facts.ts)
 * beside the applicant's own, and how much of each cap this year's awards already use.
 */

/**
 * The facts for the program's rules and formula, and the subjects that will not be paid
 * (failed, funded before, or excluded for long-term care insurance), whose claims stay unfunded.
 */
export async function gatherFacts(
  tx: Transaction,
  application: Application,
  definition: ProgramDefinition,
  beds: Bed[],
  checks: CheckResults,
): Promise<{ facts: Record<string, ExpressionValue>; unpaidSubjectKeys: string[] }> {
  // A declared fact the applicant left out is null, never undefined: rules fail closed on undefined.
  const supplied = application.facts as Record<string, ExpressionValue | undefined>;
  const declared = Object.fromEntries(
    definition.facts.map((fact) => [fact.name, supplied[fact.name] ?? null]),
  );
  const common = {
    programYear: application.programYear,
    applicantType: application.applicantType,
    duplicateSubjects: checks.duplicateSubjects.length,
    ltcCoveredSubjects: checks.longTermCare.length,
    blacklisted: checks.blacklist !== null,
    sharedBankAccount: checks.sharedBankAccount.length > 0,
  };
  if (definition.subject.kind !== 'bed') {
    const duplicate = checks.duplicateSubjects.length > 0;
    return {
      facts: {
        ...declared,
        ...common,
        subjectCount: 1,
        subjectsInspected: 0,
        subjectsPassed: 1,
        subjectsPayable: duplicate ? 0 : 1,
        applicantSubjectsPassed: await countApplicantLiveApplications(tx, application),
      },
      unpaidSubjectKeys: checks.duplicateSubjects.map((d) => d.subjectKey),
    };
  }
  const duplicateBeds = new Set(checks.duplicateSubjects.map((d) => d.bedId));
  const excludedForCare = new Set(
    checks.ltcAction === 'exclude' ? checks.longTermCare.map((c) => c.bedId) : [],
  );
  const payable = (bed: Bed) =>
    bed.inspectionResult === 'pass' && !duplicateBeds.has(bed.id) && !excludedForCare.has(bed.id);
  return {
    facts: {
      ...declared,
      ...common,
      subjectCount: beds.length,
      subjectsInspected: beds.filter((bed) => bed.inspectionResult !== null).length,
      subjectsPassed: beds.filter((bed) => bed.inspectionResult === 'pass').length,
      subjectsPayable: beds.filter(payable).length,
      applicantSubjectsPassed: await countApplicantPassedBeds(tx, application),
    },
    unpaidSubjectKeys: beds.filter((bed) => !payable(bed)).map(bedSubjectKey),
  };
}

/** Passing beds the applicant runs in this program, in applications not refused. */
async function countApplicantPassedBeds(tx: Transaction, application: Application): Promise<number> {
  const applications = await Application.findAll({
    attributes: ['id'],
    where: {
      programCode: application.programCode,
      organisationCreditCode: application.organisationCreditCode,
      status: { [Op.ne]: 'refused' },
    },
    transaction: tx,
  });
  return Bed.count({
    where: { applicationId: applications.map((a) => a.id), inspectionResult: 'pass' },
    transaction: tx,
  });
}

async function countApplicantLiveApplications(tx: Transaction, application: Application): Promise<number> {
  return Application.count({
    where: {
      programCode: application.programCode,
      organisationCreditCode: application.organisationCreditCode,
      status: { [Op.ne]: 'refused' },
    },
    transaction: tx,
  });
}

/** Awards already committed or paid this program year, for each cap the definition sets. */
export async function capUsages(
  tx: Transaction,
  application: Application,
  definition: ProgramDefinition,
): Promise<CapUsage[]> {
  const used = async (extra: string, replacements: Record<string, string>): Promise<bigint> => {
    const [row] = await database().query<{ total: string | null }>(
      `SELECT sum(award_fen)::text AS total FROM applications
        WHERE program_code = :program AND program_year = :year AND id <> :id
          AND status IN ('awaiting_payment', 'payment_prepared', 'payment_sent', 'paid') ${extra}`,
      {
        type: QueryTypes.SELECT,
        transaction: tx,
        replacements: {
          program: application.programCode,
          year: String(application.programYear),
          id: application.id,
          ...replacements,
        },
      },
    );
    return BigInt(row?.total ?? '0');
  };
  const { caps } = definition;
  const usages: CapUsage[] = [];
  if (caps.perApplicantPerYear) {
    usages.push({
      cap: 'perApplicantPerYear',
      parameter: caps.perApplicantPerYear,
      usedFen: await used('AND organisation_credit_code = :who', { who: application.organisationCreditCode }),
    });
  }
  if (caps.perRegionPerYear) {
    const column = caps.perRegionPerYear.level === 'district' ? 'district_code' : 'township_code';
    const region =
      caps.perRegionPerYear.level === 'district' ? application.districtCode : application.townshipCode;
    usages.push({
      cap: 'perRegionPerYear',
      parameter: caps.perRegionPerYear.parameter,
      usedFen: await used(`AND ${column} = :region`, { region }),
    });
  }
  if (caps.perProgramPerYear) {
    usages.push({ cap: 'perProgramPerYear', parameter: caps.perProgramPerYear, usedFen: await used('', {}) });
  }
  return usages;
}
