import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/ports';

const REPO = path.resolve(__dirname, '../..');
const FIXTURE = path.join(__dirname, 'fixtures/embedded-postgres-query.ts');

/** Runs one statement on a fresh start of the embedded Postgres; see the fixture for why a child process. */
async function queryOnFreshStart(dataDir: string, sql: string): Promise<{ rows: unknown; log: string }> {
  const tsx = path.join(REPO, 'node_modules/.bin/tsx');
  const port = await freePort();
  const { stdout } = await promisify(execFile)(tsx, [FIXTURE, dataDir, String(port), sql], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  const rowsLine = stdout.split('\n').find((line) => line.startsWith('rows: ')) ?? 'rows: null';
  return { rows: JSON.parse(rowsLine.slice('rows: '.length)), log: stdout };
}

describe('the embedded Postgres', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-postgres-test-'));
    fs.chmodSync(dataDir, 0o755); // as root, the server runs as the `postgres` user
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('initialises a data directory, creates the subsidies database and answers a query', async () => {
    const first = await queryOnFreshStart(dataDir, "CREATE TABLE kept AS SELECT 'from the first start'::text AS note");

    expect(first.log).toContain('initialising a new embedded Postgres data directory');
    expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
  });

  it('reuses the data directory on the next start, keeping what was written', async () => {
    const second = await queryOnFreshStart(dataDir, 'SELECT note FROM kept');

    expect(second.log).toContain('reusing the existing embedded Postgres data directory');
    expect(second.rows).toEqual([{ note: 'from the first start' }]);
  });
});
