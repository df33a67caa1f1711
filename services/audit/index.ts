import fs from 'node:fs/promises';
import path from 'node:path';
import { QueryTypes, type Transaction } from 'sequelize';
import { database } from '../../db';
import { AuditEvent } from '../../db/models';
import { config } from '../config';
import { GENESIS_HASH, hashEvent } from './chain';

export interface AuditEventInput {
  /** Who acted: a user id, or `system:<component>` for the engine itself. */
  actor: string;
  /** What happened, as `subject.verb`: `application.submitted`, `budget.committed`. */
  action: string;
  subjectType: string;
  subjectId: string;
  /** Facts before and after the change. Never whole documents or unmasked personal data. */
  before?: unknown;
  after?: unknown;
}

// One global chain: writers take this transaction-scoped advisory lock so that each
// new event links to the true latest one. It serialises audit writes only.
const CHAIN_LOCK_KEY = 7_020_241;

/**
 * Appends one event to the chain inside the caller's transaction, so that the event
 * exists exactly when the change it records does.
 */
export async function recordAuditEvent(tx: Transaction, input: AuditEventInput): Promise<AuditEvent> {
  const sequelize = database();
  await sequelize.query('SELECT pg_advisory_xact_lock(:key)', {
    replacements: { key: CHAIN_LOCK_KEY },
    transaction: tx,
  });
  const [last] = await sequelize.query<{ hash: string }>(
    'SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1',
    {
      type: QueryTypes.SELECT,
      transaction: tx,
    },
  );
  const [{ id }] = (await sequelize.query<{ id: string }>(
    "SELECT nextval('audit_events_id_seq')::text AS id",
    {
      type: QueryTypes.SELECT,
      transaction: tx,
    },
  )) as [{ id: string }];

  // Timestamps are kept to the millisecond so that the stored value hashes the same way back.
  const occurredAt = new Date();
  const content = {
    id,
    occurredAt: occurredAt.toISOString(),
    actor: input.actor,
    action: input.action,
    subjectType: input.subjectType,
    subjectId: input.subjectId,
    before: jsonSafe(input.before),
    after: jsonSafe(input.after),
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  return AuditEvent.create({ ...content, occurredAt, hash: hashEvent(content) }, { transaction: tx });
}

/** Round-trips through JSON so that what is hashed is exactly what jsonb will store. */
function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

export interface ChainVerification {
  intact: boolean;
  eventsChecked: number;
  latestHash: string;
  /** The first event whose stored hash or link does not match, when the chain is broken. */
  brokenAt?: { id: string; reason: 'hash-mismatch' | 'link-mismatch'; expected: string; found: string };
  /** Whether the latest hash matches the anchor kept outside the database. */
  anchor?: { path: string; matches: boolean; anchoredHash: string; anchoredEventId: string };
}

/** Walks the whole chain in id order, in pages, and reports the first broken link. */
export async function verifyAuditChain(): Promise<ChainVerification> {
  const pageSize = 1000;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let afterId = '0';
  const anchor = await readAnchor();
  let anchorMatches: boolean | undefined;

  for (;;) {
    const rows = await AuditEvent.findAll({
      where: database().literal(`id > ${BigInt(afterId).toString()}`),
      order: [['id', 'ASC']],
      limit: pageSize,
      raw: true,
    });
    for (const row of rows) {
      const id = String(row.id);
      if (row.prevHash !== prevHash) {
        return {
          intact: false,
          eventsChecked: checked,
          latestHash: prevHash,
          brokenAt: { id, reason: 'link-mismatch', expected: prevHash, found: row.prevHash },
        };
      }
      const expected = hashEvent({
        id,
        occurredAt: new Date(row.occurredAt).toISOString(),
        actor: row.actor,
        action: row.action,
        subjectType: row.subjectType,
        subjectId: row.subjectId,
        before: row.before,
        after: row.after,
        prevHash: row.prevHash,
      });
      if (expected !== row.hash) {
        return {
          intact: false,
          eventsChecked: checked,
          latestHash: prevHash,
          brokenAt: { id, reason: 'hash-mismatch', expected, found: row.hash },
        };
      }
      if (anchor && anchor.eventId === id) anchorMatches = anchor.hash === row.hash;
      prevHash = row.hash;
      checked++;
      afterId = id;
    }
    if (rows.length < pageSize) break;
  }

  const result: ChainVerification = { intact: true, eventsChecked: checked, latestHash: prevHash };
  if (anchor) {
    result.anchor = {
      path: config().auditAnchorPath,
      matches: anchorMatches ?? false,
      anchoredHash: anchor.hash,
      anchoredEventId: anchor.eventId,
    };
    // An anchored event that is gone or different means the chain was rewritten.
    if (!result.anchor.matches) result.intact = false;
  }
  return result;
}

interface Anchor {
  eventId: string;
  hash: string;
  writtenAt: string;
}

async function readAnchor(): Promise<Anchor | undefined> {
  try {
    return JSON.parse(await fs.readFile(config().auditAnchorPath, 'utf8')) as Anchor;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes the latest event's hash to a file outside the database, so that rewriting the
 * whole chain (every hash recomputed) is still detectable against this copy.
 * @returns the anchor written, or undefined when there are no events yet.
 */
export async function writeAuditAnchor(): Promise<Anchor | undefined> {
  const last = await AuditEvent.findOne({ order: [['id', 'DESC']], raw: true });
  if (!last) return undefined;
  const anchor: Anchor = { eventId: String(last.id), hash: last.hash, writtenAt: new Date().toISOString() };
  const file = config().auditAnchorPath;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(`${file}.tmp`, JSON.stringify(anchor, null, 2));
  await fs.rename(`${file}.tmp`, file);
  return anchor;
}
