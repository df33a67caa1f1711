import crypto from 'node:crypto';
import { drawOrder, drawRank, nextExperts } from '../../services/rounds/draw';

const SEED = 'round-2025-seed';
const APPLICATION = '6f1c2b9e-0d4a-4c5e-9a51-1f0a8c3d2e77';
const EXPERTS = ['expert-a', 'expert-b', 'expert-c', 'expert-d', 'expert-e', 'expert-f'];

/** The formula in the header of services/rounds/draw.ts, written out with node's crypto. */
function sha256Hex(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe('drawOrder', () => {
  it('gives the same order every time for the same seed and application', () => {
    expect(drawOrder(SEED, APPLICATION, EXPERTS)).toEqual(drawOrder(SEED, APPLICATION, EXPERTS));
  });

  it('does not depend on the order the candidates are listed in', () => {
    const expected = drawOrder(SEED, APPLICATION, EXPERTS);
    let state = 7;
    const random = (): number => (state = (state * 48_271) % 2_147_483_647) / 2_147_483_647;

    for (let attempt = 0; attempt < 50; attempt++) {
      expect(drawOrder(SEED, APPLICATION, shuffled(EXPERTS, random))).toEqual(expected);
    }
  });

  it('sorts by the hex SHA-256 of "seed:applicationId:expertId", as any SHA-256 tool computes it', () => {
    const byHand = EXPERTS.map((id) => ({ id, hash: sha256Hex(`${SEED}:${APPLICATION}:${id}`) }))
      .sort((a, b) => (a.hash < b.hash ? -1 : 1))
      .map((entry) => entry.id);

    expect(drawOrder(SEED, APPLICATION, EXPERTS)).toEqual(byHand);
    expect(drawRank(SEED, APPLICATION, 'expert-a')).toBe(sha256Hex(`${SEED}:${APPLICATION}:expert-a`));
  });

  it('matches a known vector, whose digests node crypto and sha256sum agree on', () => {
    // printf '%s' 'seed:app:e1' | sha256sum, and the same for e2 and e3
    const known = {
      e1: 'b21fd94e3877cf77040d9da8b91de25bdbae42620be04dd689fa85470cc22284',
      e2: 'cb94674db7c9cd6c096e4e56dc36d65eb3e186627d59b62071e2933108058daf',
      e3: '8e204c554510a39dcfac1c93577c819bff1ebc27fbb215128c53c352c05a2e23',
    };
    for (const [id, hash] of Object.entries(known)) expect(sha256Hex(`seed:app:${id}`)).toBe(hash);

    expect(drawOrder('seed', 'app', ['e1', 'e2', 'e3'])).toEqual(['e3', 'e1', 'e2']);
  });

  it('orders each application differently, and changes with the seed', () => {
    const many = Array.from({ length: 30 }, (_, i) => `expert-${i}`);

    expect(drawOrder(SEED, 'application-1', many)).not.toEqual(drawOrder(SEED, 'application-2', many));
    expect(drawOrder('other-seed', 'application-1', many)).not.toEqual(
      drawOrder(SEED, 'application-1', many),
    );
  });

  it('lists a repeated id once', () => {
    expect(drawOrder(SEED, APPLICATION, ['x', 'y', 'x']).sort()).toEqual(['x', 'y']);
  });
});

describe('nextExperts', () => {
  const order = ['e1', 'e2', 'e3', 'e4', 'e5'];

  it('takes the first experts of the order that are not excluded, in order', () => {
    expect(nextExperts(order, new Set(['e1', 'e3']), 2)).toEqual(['e2', 'e4']);
  });

  it('returns fewer than asked for when the order runs out', () => {
    expect(nextExperts(order, new Set(['e2', 'e4', 'e5']), 3)).toEqual(['e1', 'e3']);
    expect(nextExperts(order, new Set(order), 1)).toEqual([]);
  });

  it('returns nobody for a count of zero', () => {
    expect(nextExperts(order, new Set(), 0)).toEqual([]);
  });
});
