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
  /** host:port of the Temporal dev server the global setup started for this run. */
  temporalAddress: string;
}

/** How to stop what the global setup started; held in jest's parent process only. */
export interface TestServices {
  stopTemporal(): Promise<void>;
  /** Set only when the run started its own embedded Postgres. */
  stopPostgres?: () => Promise<void>;
}

// Jest runs the global setup and teardown in one process and shares only globals between them.
const SERVICES_KEY = Symbol.for('subsidies.testServices');

export function setTestServices(services: TestServices): void {
  (globalThis as Record<symbol, unknown>)[SERVICES_KEY] = services;
}

export function takeTestServices(): TestServices | undefined {
  const services = (globalThis as Record<symbol, unknown>)[SERVICES_KEY] as TestServices | undefined;
  delete (globalThis as Record<symbol, unknown>)[SERVICES_KEY];
  return services;
}

export const INFRASTRUCTURE_FILE = path.join(
  os.tmpdir(),
  `subsidies-test-infrastructure-${process.ppid}.json`,
);

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
