import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * What the global setup started for this test run, shared with every test file through
 * a small JSON file (jest runs test files in separate workers).
 */
export interface TestInfrastructure {
  /** Server-level URL (no database name) of the Postgres the run uses. */
  postgresServerUrl: string;
  /** A migrated database that each test file copies as its own. */
  templateDatabase: string;
  /** Filled in once the Temporal dev server is started by the global setup. */
  temporalAddress?: string;
}

export const INFRASTRUCTURE_FILE = path.join(os.tmpdir(), `subsidies-test-infrastructure-${process.ppid}.json`);

export function writeInfrastructure(info: TestInfrastructure): void {
  fs.writeFileSync(infrastructureFile(), JSON.stringify(info));
}

export function readInfrastructure(): TestInfrastructure {
  return JSON.parse(fs.readFileSync(infrastructureFile(), 'utf8')) as TestInfrastructure;
}

function infrastructureFile(): string {
  // The global setup runs in jest's parent process and records the path for the workers.
  process.env.SUBSIDIES_TEST_INFRASTRUCTURE ??= INFRASTRUCTURE_FILE;
  return process.env.SUBSIDIES_TEST_INFRASTRUCTURE;
}
