import crypto from 'node:crypto';
import { Op, QueryTypes, type Transaction } from 'sequelize';
import { database } from '../../db';
import { Application, type Bed, type FlagKind } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ConflictError } from '../errors';
import { activeBlacklistEntry } from './blacklist';
import type { ProgramDefinition } from './definition';
import { bedSubjectKey, findDuplicateSubjects } from './funding-claims';
import { ltcCoveredBeds } from './long-term-care';
import { parameterOn } from './parameters';

/*
 * The checks every program may switch on (ProgramDefinition.checks), run together. They
 * raise flags for a reviewer; they decide nothing. The pieces live beside this file:
 * blacklist.ts, funding-claims.ts, long-term-care.ts.
 */

export * from './blacklist';
export * from './funding-claims';
export * from './long-term-care';

export interface CheckResults {
  blacklist: { entryId: string; reason: string; listedFrom: string; listedUntil: string | null } | null;
  duplicateSubjects: Array<{
    subjectKey: string;
    label: string;
    bedId: string | null;
    otherReference: string;
    otherProgramCode: string;
  }>;
  longTermCare: Array<{ bedId: string; label: string }>;
  /** What the program does with covered beds; null when it does not check. */
  ltcAction: 'flag' | 'exclude' | null;
  sharedBankAccount: Array<{ otherReference: string; organisationName: string }>;
}

/** 烟台示例养老服务有限公司 → 烟台******公司: enough for a reviewer to tell, no more. */
export function maskOrganisationName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 2) return `${chars[0] ?? ''}*`;
  if (chars.length <= 4) return `${chars[0]}${'*'.repeat(chars.length - 1)}`;
  return `${chars.slice(0, 2).join('')}${'*'.repeat(chars.length - 4)}${chars.slice(-2).join('')}`;
}

/**
 * Other applications paid into the same bank account by an applicant with another credit
 * code: unrelated organisations sharing an account is a sign of a front.
 */
export async function sharedBankAccountApplications(
  application: Application,
  transaction?: Transaction,
): Promise<Array<{ otherReference: string; organisationName: string }>> {
  const others = await Application.findAll({
    attributes: ['reference', 'organisationName'],
    where: {
      id: { [Op.ne]: application.id },
      bankAccountNumber: application.bankAccountNumber,
      organisationCreditCode: { [Op.ne]: application.organisationCreditCode },
    },
    order: [['reference', 'ASC']],
    limit: 100,
    transaction,
  });
  return others.map((other) => ({
    otherReference: other.reference,
    organisationName: maskOrganisationName(other.organisationName),
  }));
}

function ltcActionOf(definition: ProgramDefinition, parameter: string, onDate: string): 'flag' | 'exclude' {
  const { value } = parameterOn(definition, parameter, onDate);
  if (value !== 'flag' && value !== 'exclude') {
    throw new ConflictError(
      `Parameter ${parameter} of program ${definition.code} must be "flag" or "exclude", ` +
        `not "${String(value)}"; publish a version that corrects it.`,
      'PARAMETER_INVALID',
    );
  }
  return value;
}

/**
 * Runs the checks the definition switches on, on `onDate` (YYYY-MM-DD). Duplicates are
 * read from the application's funding claims (claimSubjects at submission); long-term care
 * is looked up for the program year.
 * @throws ConflictError when the long-term care parameter has no valid value on `onDate`.
 */
export async function runChecks(
  tx: Transaction,
  input: { application: Application; definition: ProgramDefinition; beds: Bed[]; onDate: string },
): Promise<CheckResults> {
  const { application, definition, beds, onDate } = input;
  const checks = definition.checks;
  const results: CheckResults = {
    blacklist: null,
    duplicateSubjects: [],
    longTermCare: [],
    ltcAction: null,
    sharedBankAccount: [],
  };

  if (checks.blacklist) {
    const entry = await activeBlacklistEntry(
      application.organisationCreditCode,
      application.programCode,
      onDate,
      tx,
    );
    if (entry) {
      const { id: entryId, reason, listedFrom, listedUntil } = entry;
      results.blacklist = { entryId, reason, listedFrom, listedUntil };
    }
  }

  if (checks.doublePayment) {
    const bedBySubject = new Map(beds.map((bed) => [bedSubjectKey(bed), bed.id]));
    const duplicates = await findDuplicateSubjects(tx, application.id);
    results.duplicateSubjects = duplicates.map((d) => ({
      subjectKey: d.subjectKey,
      label: d.label,
      bedId: bedBySubject.get(d.subjectKey) ?? null,
      otherReference: d.otherReference,
      otherProgramCode: d.otherProgramCode,
    }));
  }

  if (checks.longTermCareInsurance) {
    results.ltcAction = ltcActionOf(definition, checks.longTermCareInsurance.actionParameter, onDate);
    const year = application.programYear;
    const covered = new Set(await ltcCoveredBeds(beds, `${year}-01-01`, `${year + 1}-01-01`, tx));
    results.longTermCare = beds
      .filter((bed) => covered.has(bed.id))
      .map((bed) => ({ bedId: bed.id, label: bed.idNumberMasked }));
  }

  if (checks.sharedBankAccount) {
    results.sharedBankAccount = await sharedBankAccountApplications(application, tx);
  }
  return results;
}

/** The findings of each kind, as a flag's detail: masked labels, never digests or numbers. */
function findingsByKind(results: CheckResults): Array<{ kind: FlagKind; detail: unknown; count: number }> {
  const found: Array<{ kind: FlagKind; detail: unknown; count: number }> = [];
  if (results.blacklist) found.push({ kind: 'blacklist', detail: results.blacklist, count: 1 });
  if (results.duplicateSubjects.length > 0) {
    found.push({
      kind: 'double_payment',
      // The subject key holds the identity number's digest: a reviewer needs the label only.
      detail: results.duplicateSubjects.map(({ subjectKey: _key, ...rest }) => rest),
      count: results.duplicateSubjects.length,
    });
  }
  if (results.longTermCare.length > 0) {
    found.push({
      kind: 'long_term_care',
      detail: { action: results.ltcAction, beds: results.longTermCare },
      count: results.longTermCare.length,
    });
  }
  if (results.sharedBankAccount.length > 0) {
    found.push({
      kind: 'shared_bank_account',
      detail: results.sharedBankAccount,
      count: results.sharedBankAccount.length,
    });
  }
  return found;
}

/**
 * Raises one flag per kind of finding, or refreshes its detail when the findings changed;
 * removes none. One audit event when anything was raised or changed.
 * @returns the kinds raised or changed by this call (none when run again on the same results).
 */
export async function raiseFlags(
  tx: Transaction,
  applicationId: string,
  results: CheckResults,
  actor: string,
): Promise<FlagKind[]> {
  const changed: Array<{ kind: FlagKind; count: number; raised: boolean }> = [];

  for (const { kind, detail, count } of findingsByKind(results)) {
    // jsonb compares by value, so the same findings in another key order change nothing.
    const rows = await database().query<{ raised: boolean }>(
      `INSERT INTO application_flags (id, application_id, kind, detail, raised_at)
       VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT (application_id, kind) DO UPDATE SET detail = EXCLUDED.detail
         WHERE application_flags.detail IS DISTINCT FROM EXCLUDED.detail
       RETURNING (xmax = 0) AS raised`,
      {
        bind: [crypto.randomUUID(), applicationId, kind, JSON.stringify(detail), new Date()],
        type: QueryTypes.SELECT,
        transaction: tx,
      },
    );
    const [row] = rows;
    if (row) changed.push({ kind, count, raised: row.raised });
  }

  if (changed.length > 0) {
    await recordAuditEvent(tx, {
      actor,
      action: 'application.flagged',
      subjectType: 'application',
      subjectId: applicationId,
      before: null,
      after: { flags: changed },
    });
  }
  return changed.map((c) => c.kind);
}
