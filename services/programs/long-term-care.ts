import crypto from 'node:crypto';
import { QueryTypes, type Transaction } from 'sequelize';
import { database, inTransaction } from '../../db';
import type { Bed } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ValidationError } from '../errors';
import { residentIdProblem } from '../identifiers/resident-id';
import { moduleLogger } from '../logger';
import { personalDataDigest } from '../personal-data';
import { isCalendarDate } from './blacklist';

/*
 * Coordination with long-term care insurance (长期护理保险): the insurer reports who is
 * covered and when; a bed whose older person is covered for the same period is flagged or
 * left out of the award, as the program's parameter says. Only digests of identity numbers
 * are stored, so the table can match beds but names no one.
 */

const log = moduleLogger('long-term-care');

/** The most rows one import may hold; larger files are sent in parts. */
export const MAX_COVERAGE_ROWS = 20_000;

export interface CoverageRow {
  idNumber: string;
  /** YYYY-MM-DD, inclusive. */
  coveredFrom: string;
  /** YYYY-MM-DD, exclusive; null while the coverage runs. */
  coveredTo: string | null;
  /** The insurer's file or batch the row comes from. */
  sourceReference: string;
}

export interface CoverageImportResult {
  importId: string;
  rows: number;
  imported: number;
  alreadyPresent: number;
}

const ID_MESSAGES = {
  format: 'must be 17 digits followed by a digit or X',
  'birth-date': 'contains a birth date that does not exist',
  'check-digit': 'has a wrong check digit (the 18th)',
} as const;

interface Problem {
  field: string;
  message: string;
}

// The rows come from a JSON body, so each field is checked for its type as well.
function rowProblems(row: unknown, at: string): Problem[] {
  if (typeof row !== 'object' || row === null) return [{ field: at, message: 'must be an object' }];
  const { idNumber, coveredFrom, coveredTo, sourceReference } = row as Record<string, unknown>;
  const problems: Problem[] = [];
  if (typeof idNumber !== 'string') {
    problems.push({ field: `${at}.idNumber`, message: 'is required' });
  } else {
    const problem = residentIdProblem(idNumber.trim().toUpperCase());
    if (problem) problems.push({ field: `${at}.idNumber`, message: ID_MESSAGES[problem] });
  }
  if (!isCalendarDate(coveredFrom)) {
    problems.push({ field: `${at}.coveredFrom`, message: 'must be a date as YYYY-MM-DD' });
  }
  if (coveredTo !== null && coveredTo !== undefined && !isCalendarDate(coveredTo)) {
    problems.push({ field: `${at}.coveredTo`, message: 'must be a date as YYYY-MM-DD, or null' });
  } else if (isCalendarDate(coveredTo) && isCalendarDate(coveredFrom) && coveredTo <= coveredFrom) {
    problems.push({ field: `${at}.coveredTo`, message: 'must be after coveredFrom' });
  }
  if (typeof sourceReference !== 'string' || !sourceReference.trim()) {
    problems.push({ field: `${at}.sourceReference`, message: 'is required' });
  } else if (sourceReference.length > 200) {
    problems.push({ field: `${at}.sourceReference`, message: 'must be at most 200 characters' });
  }
  return problems;
}

/**
 * Imports the insurer's coverage rows, all or none. Identity numbers are stored only as
 * digests; a row already imported (same person, start and source) is counted, not repeated.
 * The audit event holds counts only.
 * @throws ValidationError listing every row's problems (`rows[3].idNumber`); nothing is written.
 */
export async function importLongTermCareCoverage(
  rows: readonly CoverageRow[],
  actor: string,
): Promise<CoverageImportResult> {
  if (!Array.isArray(rows) || rows.length === 0 || rows.length > MAX_COVERAGE_ROWS) {
    throw new ValidationError(`Send between 1 and ${MAX_COVERAGE_ROWS} coverage rows.`, [
      { field: 'rows', message: `must hold 1 to ${MAX_COVERAGE_ROWS} rows` },
    ]);
  }
  const problems = rows.flatMap((row, index) => rowProblems(row, `rows[${index}]`));
  if (problems.length > 0) {
    throw new ValidationError('The coverage rows have problems; nothing was imported.', problems);
  }

  const importId = crypto.randomUUID();
  const now = new Date();
  const imported = await inTransaction(async (tx) => {
    const inserted = await database().query<{ id: string }>(
      `INSERT INTO long_term_care_coverage
              (id, id_number_digest, covered_from, covered_to, source_reference, imported_by, created_at)
       SELECT row.id, row.digest, row.covered_from, row.covered_to, row.source_reference, $6, $7
         FROM unnest($1::uuid[], $2::text[], $3::date[], $4::date[], $5::text[])
              AS row(id, digest, covered_from, covered_to, source_reference)
       ON CONFLICT (id_number_digest, covered_from, source_reference) DO NOTHING
       RETURNING id`,
      {
        bind: [
          rows.map(() => crypto.randomUUID()),
          rows.map((row) => personalDataDigest(row.idNumber.trim().toUpperCase())),
          rows.map((row) => row.coveredFrom),
          rows.map((row) => row.coveredTo ?? null),
          rows.map((row) => row.sourceReference.trim()),
          actor,
          now,
        ],
        type: QueryTypes.SELECT,
        transaction: tx,
      },
    );
    const result = { rows: rows.length, imported: inserted.length };
    await recordAuditEvent(tx, {
      actor,
      action: 'long_term_care.imported',
      subjectType: 'long_term_care_import',
      subjectId: importId,
      before: null,
      after: { ...result, alreadyPresent: result.rows - result.imported },
    });
    return inserted.length;
  });

  log.info({ importId, rows: rows.length, imported }, 'long-term care coverage imported');
  return { importId, rows: rows.length, imported, alreadyPresent: rows.length - imported };
}

/**
 * The ids of the beds whose older person is covered by long-term care insurance for some
 * part of [periodFrom, periodTo) (periodTo null: open-ended).
 */
export async function ltcCoveredBeds(
  beds: readonly Pick<Bed, 'id' | 'idNumberDigest'>[],
  periodFrom: string,
  periodTo: string | null,
  transaction?: Transaction,
): Promise<string[]> {
  if (beds.length === 0) return [];
  const covered = await database().query<{ digest: string }>(
    `SELECT DISTINCT id_number_digest AS digest
       FROM long_term_care_coverage
      WHERE id_number_digest = ANY($1::text[])
        AND daterange(covered_from, covered_to) && daterange($2::date, $3::date)`,
    {
      bind: [[...new Set(beds.map((bed) => bed.idNumberDigest))], periodFrom, periodTo],
      type: QueryTypes.SELECT,
      transaction,
    },
  );
  const digests = new Set(covered.map((row) => row.digest));
  return beds.filter((bed) => digests.has(bed.idNumberDigest)).map((bed) => bed.id);
}
