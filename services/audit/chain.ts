import crypto from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The hash chain over audit events: each event's hash is SHA-256 over the canonical
 * JSON (RFC 8785) of its content and the previous event's hash, so changing, removing
 * or reordering any event breaks every link after it.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedContent {
  id: string;
  occurredAt: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  before: unknown;
  after: unknown;
  prevHash: string;
}

export function hashEvent(content: ChainedContent): string {
  const canonical = canonicalize({
    ...content,
    before: content.before ?? null,
    after: content.after ?? null,
  });
  if (canonical === undefined) throw new Error('Audit event cannot be put in canonical form');
  return crypto.createHash('sha256').update(canonical, 'utf8').digest('hex');
}
