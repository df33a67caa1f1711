import crypto from 'node:crypto';

/*
 * The random expert draw (双随机): which experts score an application, in what order.
 * Pure and deterministic, so that anyone holding the round's published seed can repeat it.
 *
 * Each expert's place comes from one SHA-256 digest, written in lower-case hex:
 *
 *     rank(expertId) = hex(SHA-256(UTF-8("<seed>:<applicationId>:<expertId>")))
 *
 * and the experts are sorted by that hex string, ascending (plain byte order: 0-9 before a-f).
 * To check a draw by hand, for each candidate run
 *
 *     printf '%s' '<seed>:<applicationId>:<expertId>' | sha256sum
 *
 * and sort the lines. The application id in the input makes each application's order
 * independent of every other's; the order never depends on how the candidates were listed.
 */

/** The hex SHA-256 that places `expertId` in the draw for `applicationId`. */
export function drawRank(seed: string, applicationId: string, expertId: string): string {
  return crypto.createHash('sha256').update(`${seed}:${applicationId}:${expertId}`, 'utf8').digest('hex');
}

/**
 * Every expert id of `expertIds`, once each, in the application's draw order: by
 * {@link drawRank} ascending. Reproducible from the seed alone, whatever the input order.
 */
export function drawOrder(seed: string, applicationId: string, expertIds: string[]): string[] {
  const ranked = [...new Set(expertIds)].map((expertId) => ({
    expertId,
    rank: drawRank(seed, applicationId, expertId),
  }));
  // Equal digests would need a SHA-256 collision; the id still settles it so the sort is total.
  ranked.sort((a, b) => compare(a.rank, b.rank) || compare(a.expertId, b.expertId));
  return ranked.map((entry) => entry.expertId);
}

/** The first `count` ids of `order` that are not in `excluded`, keeping their order. */
export function nextExperts(
  order: readonly string[],
  excluded: ReadonlySet<string>,
  count: number,
): string[] {
  const chosen: string[] = [];
  for (const expertId of order) {
    if (chosen.length >= count) break;
    if (!excluded.has(expertId)) chosen.push(expertId);
  }
  return chosen;
}

// Code-unit order, not localeCompare: the formula above promises plain byte order.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
