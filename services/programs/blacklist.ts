import crypto from 'node:crypto';
import { Op, type Transaction, type WhereOptions } from 'sequelize';
import { inTransaction } from '../../db';
import { BlacklistEntry, Program } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { creditCodeProblem } from '../identifiers/credit-code';

/*
 * The blacklist (黑名单): organisations barred from one program or from all of them, for a
 * period. Entries are lifted, never deleted, so that the record of who was barred survives.
 */

export interface BlacklistListing {
  creditCode: string;
  organisationName: string;
  /** Null: barred from every program. */
  programCode: string | null;
  reason: string;
  /** YYYY-MM-DD, inclusive. */
  listedFrom: string;
  /** YYYY-MM-DD, exclusive; null until lifted. */
  listedUntil: string | null;
}

/** True for a YYYY-MM-DD string naming a day that exists. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

function listingProblems(listing: BlacklistListing): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const problem = creditCodeProblem(listing.creditCode);
  if (problem) problems.push({ field: 'creditCode', message: `is not a valid credit code (${problem})` });
  if (!listing.organisationName.trim()) {
    problems.push({ field: 'organisationName', message: 'is required' });
  }
  if (!listing.reason.trim()) problems.push({ field: 'reason', message: 'is required' });
  if (!isCalendarDate(listing.listedFrom)) {
    problems.push({ field: 'listedFrom', message: 'must be a date as YYYY-MM-DD' });
  }
  if (listing.listedUntil !== null && !isCalendarDate(listing.listedUntil)) {
    problems.push({ field: 'listedUntil', message: 'must be a date as YYYY-MM-DD, or null' });
  } else if (listing.listedUntil !== null && listing.listedUntil <= listing.listedFrom) {
    problems.push({ field: 'listedUntil', message: 'must be after listedFrom' });
  }
  return problems;
}

/**
 * Bars an organisation from one program (or all, when programCode is null) from
 * `listedFrom` until `listedUntil` (exclusive, or open), with its audit event.
 * @throws ValidationError when the credit code, the dates, the reason or the program are wrong.
 */
export async function addToBlacklist(listing: BlacklistListing, actor: string): Promise<BlacklistEntry> {
  const problems = listingProblems(listing);
  if (problems.length > 0) {
    throw new ValidationError('The blacklist entry has problems; correct the fields listed.', problems);
  }
  if (listing.programCode !== null && !(await Program.findByPk(listing.programCode))) {
    throw new ValidationError('The blacklist entry names a program that does not exist.', [
      {
        field: 'programCode',
        message: `"${listing.programCode}" is not a program; use null for all programs`,
      },
    ]);
  }

  return inTransaction(async (tx) => {
    const entry = await BlacklistEntry.create(
      {
        id: crypto.randomUUID(),
        organisationCreditCode: listing.creditCode,
        organisationName: listing.organisationName.trim(),
        programCode: listing.programCode,
        reason: listing.reason.trim(),
        listedFrom: listing.listedFrom,
        listedUntil: listing.listedUntil,
        listedBy: actor,
        liftedBy: null,
        liftedAt: null,
        liftReason: null,
        createdAt: new Date(),
      },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor,
      action: 'blacklist.listed',
      subjectType: 'blacklist_entry',
      subjectId: entry.id,
      before: null,
      after: describeBlacklistEntry(entry),
    });
    return entry;
  });
}

/**
 * Lifts an entry early: it stays on record with who lifted it, when and why.
 * @throws NotFoundError when there is no such entry.
 * @throws ConflictError BLACKLIST_ENTRY_LIFTED when it was lifted already.
 */
export async function liftBlacklistEntry(id: string, reason: string, actor: string): Promise<BlacklistEntry> {
  if (!reason.trim()) {
    throw new ValidationError('Say why the entry is lifted.', [{ field: 'reason', message: 'is required' }]);
  }

  return inTransaction(async (tx) => {
    const entry = await BlacklistEntry.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE });
    if (!entry) throw new NotFoundError('Blacklist entry', id);
    if (entry.liftedAt) {
      throw new ConflictError(
        `Blacklist entry ${id} was lifted on ${entry.liftedAt.toISOString()}; ` +
          'list the organisation anew if it must be barred again.',
        'BLACKLIST_ENTRY_LIFTED',
      );
    }
    const before = describeBlacklistEntry(entry);

    await entry.update(
      { liftedBy: actor, liftedAt: new Date(), liftReason: reason.trim() },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor,
      action: 'blacklist.lifted',
      subjectType: 'blacklist_entry',
      subjectId: entry.id,
      before,
      after: describeBlacklistEntry(entry),
    });
    return entry;
  });
}

function activeOn(onDate: string): WhereOptions<BlacklistEntry> {
  return {
    liftedAt: null,
    listedFrom: { [Op.lte]: onDate },
    [Op.or]: [{ listedUntil: null }, { listedUntil: { [Op.gt]: onDate } }],
  };
}

/**
 * The entry that bars `creditCode` from `programCode` on `onDate` (an entry for that
 * program or for all programs, not lifted, listedFrom ≤ onDate < listedUntil), or null.
 * When several apply, the one listed earliest.
 */
export async function activeBlacklistEntry(
  creditCode: string,
  programCode: string,
  onDate: string,
  transaction?: Transaction,
): Promise<BlacklistEntry | null> {
  return BlacklistEntry.findOne({
    where: {
      [Op.and]: [
        { organisationCreditCode: creditCode },
        { [Op.or]: [{ programCode }, { programCode: null }] },
        activeOn(onDate),
      ],
    },
    order: [
      ['listedFrom', 'ASC'],
      ['createdAt', 'ASC'],
    ],
    transaction,
  });
}

/** Entries, newest first, optionally for one organisation or only those active on a day. */
export async function listBlacklistEntries(filter: {
  creditCode?: string;
  activeOn?: string;
}): Promise<BlacklistEntry[]> {
  const conditions: Array<WhereOptions<BlacklistEntry>> = [];
  if (filter.creditCode) conditions.push({ organisationCreditCode: filter.creditCode });
  if (filter.activeOn) conditions.push(activeOn(filter.activeOn));
  return BlacklistEntry.findAll({
    where: { [Op.and]: conditions },
    order: [
      ['createdAt', 'DESC'],
      ['id', 'ASC'],
    ],
    limit: 1000,
  });
}

/** An entry as the API and the audit trail show it. */
export function describeBlacklistEntry(entry: BlacklistEntry): Record<string, unknown> {
  return {
    id: entry.id,
    creditCode: entry.organisationCreditCode,
    organisationName: entry.organisationName,
    programCode: entry.programCode,
    reason: entry.reason,
    listedFrom: entry.listedFrom,
    listedUntil: entry.listedUntil,
    listedBy: entry.listedBy,
    liftedBy: entry.liftedBy,
    liftedAt: entry.liftedAt ? entry.liftedAt.toISOString() : null,
    liftReason: entry.liftReason,
  };
}
