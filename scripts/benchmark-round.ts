import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CITY, DISTRICTS } from '../db/seed/regions';
import { renderNoticePdf } from '../services/notices/render';
import type { PublicNoticeListNotice } from '../services/notices/content';
import type { CompetitionDefinition } from '../services/programs/definition';
import { DEFAULT_DEFINITION_DIRECTORY, loadDefinitionFile } from '../services/programs/definition-loader';
import {
  rankCandidates,
  weightedTotalHundredths,
  type Ranking,
  type RankingCandidate,
} from '../services/rounds/ranking';

/**
 * How long a competitive round of 10,000 candidates takes to rank and to publish, and what it
 * costs in memory and paper. A benchmark, not a test: it asserts nothing and needs no database.
 *
 *   npx tsx scripts/benchmark-round.ts [--candidates 10000] [--runs 5] [--out list.pdf]
 *
 * The candidates, experts and scores are synthetic and seeded, so every run ranks the same
 * round: 5 experts each, whole points per criterion of the township demonstration rubric.
 * Prints the median time of each step over the runs, the peak resident set size, and the PDF's
 * size and page count.
 */

const args = parseArguments(process.argv.slice(2));
const CANDIDATES = args.candidates ?? 10_000;
const RUNS = args.runs ?? 5;
const EXPERTS_PER_CANDIDATE = 5;

const definition = loadDefinitionFile(path.join(DEFAULT_DEFINITION_DIRECTORY, 'township-demonstration.yaml'));
const competition = definition.competition as CompetitionDefinition;

let peakRss = process.memoryUsage().rss;
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

async function main(): Promise<void> {
  const candidates = syntheticCandidates(CANDIDATES);
  sampleRss();
  const rules = {
    rubric: competition.rubric,
    trimWhenAtLeast: competition.trimWhenAtLeast,
    tieBreaks: competition.tieBreaks,
    places: 5,
    awardFen: 30_000_000n,
    budgetFen: 150_000_000n,
  };

  let ranking: Ranking | undefined;
  const rankTimes = await timeRuns(() => {
    ranking = rankCandidates(candidates, rules);
  });
  const notice = publicList(ranking as Ranking);

  let pdf: Buffer = Buffer.alloc(0);
  const renderTimes = await timeRuns(async () => {
    pdf = await renderNoticePdf(notice);
  });
  if (args.out) fs.writeFileSync(args.out, pdf);

  const ms = (times: number[]): string =>
    `${median(times).toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`;
  const line = (label: string, value: string): void => console.log(`${label.padEnd(28)}${value}`);
  line('candidates', `${CANDIDATES}, ${EXPERTS_PER_CANDIDATE} expert scores each`);
  line('rankCandidates, median', ms(rankTimes));
  line('render public list, median', ms(renderTimes));
  line('rows on the list', String(notice.entries.length));
  line('PDF size', `${(pdf.length / 1024).toFixed(0)} KiB`);
  line('PDF pages', String(pageCount(pdf)));
  line('peak RSS (sampled)', `${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  // ru_maxrss counts every moment, including those between samples; Linux reports KiB.
  line('peak RSS (ru_maxrss)', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

/** A seeded generator (mulberry32): the same round every run, on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function syntheticCandidates(count: number): RankingCandidate[] {
  const next = random(20_260_301);
  const windowOpens = Date.parse('2026-03-01T00:00:00+08:00');
  const district = (i: number) => DISTRICTS[i % DISTRICTS.length] ?? CITY;

  return Array.from({ length: count }, (_, i) => {
    // Each township has its own level, and each expert sees it a little differently.
    const level = 55 + next() * 35;
    const scores = Array.from({ length: EXPERTS_PER_CANDIDATE }, (_, e) => {
      const criteria = Object.fromEntries(
        competition.rubric.map((criterion) => {
          const points = Math.round(level + (next() - 0.5) * 20);
          return [criterion.id, Math.min(criterion.max, Math.max(criterion.min, points))];
        }),
      );
      const totalHundredths = weightedTotalHundredths(competition.rubric, criteria);
      return { expertId: `expert-${(i * 7 + e * 13) % 400}`, totalHundredths, criteria };
    });
    return {
      applicationId: `application-${i + 1}`,
      reference: `ZYSF-2026-${String(i + 1).padStart(6, '0')}`,
      submittedAt: new Date(windowOpens + Math.floor(next() * 90 * 86_400_000)).toISOString(),
      organisationName: `${district(i).name}示例镇${i + 1}（合成数据）`,
      districtCode: district(i).code,
      eligible: true,
      ineligibleReasons: [],
      scores,
    };
  });
}

/** Every ranked candidate on one list: the worst case of the renderer, not a real 公示. */
function publicList(ranking: Ranking): PublicNoticeListNotice {
  const districtNames = new Map(DISTRICTS.map((district) => [district.code, district.name]));
  return {
    kind: 'public_notice_list',
    documentNumber: '烟民养补〔2026〕第000001号',
    issuedOn: '2026-07-01',
    organisationName: '社会公众',
    applicationReference: 'ROUND-2026-township-demonstration',
    noticeKey: 'round-benchmark:public-notice:1',
    programName: definition.name,
    roundTitle: `2026年度${definition.name}竞争立项（基准测试，合成数据）`,
    roundYear: 2026,
    entries: ranking.entries
      .filter((entry) => entry.rank !== null)
      .map((entry) => ({
        rank: entry.rank as number,
        organisationName: entry.organisationName,
        districtName: districtNames.get(entry.districtCode) ?? entry.districtCode,
        score: entry.score,
      })),
    periodFrom: '2026-07-01',
    periodTo: '2026-07-07',
    objectionUrl: 'http://localhost:3000/public/rounds/benchmark/objections',
  };
}

async function timeRuns(work: () => unknown): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
    sampleRss();
  }
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** pdfkit writes each page object uncompressed as `/Type /Page`, its tree as `/Type /Pages`. */
function pageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type \/Page(?!s)/g) ?? []).length;
}

function parseArguments(argv: string[]): { candidates?: number; runs?: number; out?: string } {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const count = (name: string): number | undefined => {
    const raw = value(name);
    if (raw === undefined) return undefined;
    const parsed = Number(raw);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} must be a positive whole number`);
    return parsed;
  };
  return { candidates: count('candidates'), runs: count('runs'), out: value('out') };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
