/**
 * `npm start`: everything a developer needs on one machine, in one process. Starts what is not
 * configured (an embedded Postgres without DATABASE_URL, a Temporal dev server without
 * TEMPORAL_ADDRESS), migrates and seeds the database, runs the worker and the API, and prints
 * where to go. Ctrl-C stops it all in the reverse order; data stays in DATA_DIR for next time.
 */
import './configuration-check';
import fs from 'node:fs';
import path from 'node:path';
import { closeDatabase, connectDatabase, migrate } from '../../db';
import { seed } from '../../db/seed';
import { startApiServer } from '../api/server';
import { config, setConfig, type Config } from '../config';
import { moduleLogger } from '../logger';
import { locateTemporalCli } from '../temporal/cli-binary';
import { closeTemporal } from '../temporal/connection';
import { startTemporalDevServer } from '../temporal/dev-server';
import { runWorker } from '../worker/run';
import { startEmbeddedPostgres } from './embedded-postgres';

const log = moduleLogger('start');

interface Running {
  name: string;
  stop(): Promise<void>;
}

/** A start-up step that failed, with what the user can do about it. */
class LaunchError extends Error {
  constructor(
    readonly step: string,
    readonly advice: string,
    override readonly cause: unknown,
  ) {
    super(`Could not ${step}: ${firstLine(cause).replace(/\.$/, '')}`);
  }
}

// In start order; stopped from the last: API, worker, Temporal, Postgres.
const running: Running[] = [];
const KEPT = 'data kept from an earlier start';
let stopRequested = false;

async function main(): Promise<void> {
  const base = config();
  installSignalHandlers();

  try {
    const summary = await launch(base);
    if (!stopRequested) {
      process.stdout.write(summary);
      return;
    }
  } catch (error) {
    if (!stopRequested) {
      const launchError = error instanceof LaunchError ? error : new LaunchError('start', 'See the log.', error);
      log.error({ step: launchError.step, err: launchError.cause }, 'start-up failed');
      await stopAll();
      fail(launchError);
    }
  }
  // A Ctrl-C came in during start-up: stop what was started, as after a normal run.
  await stopAll();
  process.exit(0);
}

async function launch(base: Config): Promise<string> {
  fs.mkdirSync(base.dataDir, { recursive: true, mode: 0o755 });
  const notes: string[] = [];

  let databaseUrl = base.databaseUrl;
  if (!databaseUrl) {
    const reused = fs.existsSync(path.join(base.dataDir, 'postgres', 'PG_VERSION'));
    const postgres = await step(
      'start the embedded Postgres',
      'Details are in the log above; DATABASE_URL can point at a Postgres of your own instead.',
      () => startEmbeddedPostgres({ dataDir: base.dataDir, port: base.embeddedPostgresPort }),
    );
    running.push({ name: 'embedded Postgres', stop: postgres.stop });
    databaseUrl = postgres.databaseUrl;
    notes.push(`Postgres:     embedded, ${reused ? KEPT : 'new data'}`);
  }

  let temporalAddress = base.temporalAddress;
  let temporalUi = `(not started here: TEMPORAL_ADDRESS is ${temporalAddress ?? ''})`;
  if (!temporalAddress) {
    const cli = await step(
      'find or build the temporal CLI',
      'Set TEMPORAL_CLI_PATH to a temporal CLI, or install Go so that one can be built.',
      () => locateTemporalCli(),
    );
    const dbFile = path.join(base.dataDir, 'temporal.db');
    const reused = fs.existsSync(dbFile);
    const server = await step(
      'start the Temporal dev server',
      `Its output is in ${path.join(base.dataDir, 'temporal.log')}; ` +
        'TEMPORAL_ADDRESS can point at a running Temporal server instead.',
      () =>
        startTemporalDevServer({
          port: base.temporalDevPort,
          uiPort: base.temporalUiPort,
          dbFile,
          logFile: path.join(base.dataDir, 'temporal.log'),
          cli,
        }),
    );
    running.push({ name: 'Temporal dev server', stop: server.stop });
    temporalAddress = server.address;
    temporalUi = server.uiUrl;
    notes.push(`Temporal:     dev server at ${server.address}, ${reused ? KEPT : 'new data'}`);
  }

  setConfig({ ...base, databaseUrl, temporalAddress });
  const sequelize = connectDatabase(databaseUrl);
  running.push({ name: 'database connection', stop: () => closeDatabase() });
  await step('migrate the database', 'Check that DATABASE_URL names a database this user may change.', () =>
    migrate(sequelize),
  );
  const { demoLogins } = await step('seed the database', 'See the error in the log above.', () => seed());

  const worker = await step(
    'start the worker',
    `Check that Temporal answers at ${temporalAddress} and has the namespace ${base.temporalNamespace}.`,
    () => runWorker(),
  );
  running.push({ name: 'worker', stop: worker.stop });
  running.push({ name: 'Temporal client', stop: () => closeTemporal() });
  const api = await step('start the API', `Set API_PORT to a free port (now ${base.apiPort}).`, () =>
    startApiServer(),
  );
  running.push({ name: 'API', stop: api.close });

  log.info({ api: api.url, temporalUi, dataDir: base.dataDir }, 'everything started');
  return formatSummary(api.url, temporalUi, base.dataDir, notes, demoLogins);
}

/** Runs one start-up step; stops early, between steps, once a Ctrl-C has come in. */
async function step<T>(name: string, advice: string, work: () => Promise<T>): Promise<T> {
  if (stopRequested) throw new LaunchError(name, 'Stopped by Ctrl-C.', new Error('stopping'));
  try {
    return await work();
  } catch (error) {
    throw new LaunchError(name, advice, error);
  }
}

function formatSummary(
  apiUrl: string,
  temporalUi: string,
  dataDir: string,
  notes: string[],
  logins: Array<{ username: string; password: string; role: string; region: string }>,
): string {
  const columns = ['username', 'password', 'role', 'region'] as const;
  const widths = columns.map((c) => Math.max(c.length, ...logins.map((l) => l[c].length)));
  const row = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [
    '',
    'Yantai elderly-care subsidies is running.',
    '',
    `  API:          ${apiUrl}`,
    `  Temporal UI:  ${temporalUi}`,
    `  Data:         ${dataDir}`,
    ...notes.map((note) => `  ${note}`),
    '',
    'Demo logins (development only):',
    row(columns),
    ...logins.map((login) => row(columns.map((c) => login[c]))),
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

let stopping: Promise<void> | undefined;

/** Stops everything started, last first; callers share one run of it. */
async function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const service of running.splice(0).reverse()) {
      try {
        await service.stop();
        log.info({ service: service.name }, 'stopped');
      } catch (error) {
        // Keep going: what is still running must be stopped even when one part fails to.
        log.error({ service: service.name, err: error }, 'failed to stop');
      }
    }
  })();
  return stopping;
}

function installSignalHandlers(): void {
  let firstAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) {
      // One Ctrl-C can arrive twice (from the terminal and relayed by npm); only a later one forces.
      if (Date.now() - firstAt < 1_000) return;
      process.stderr.write('Forced exit: some services may still be running.\n');
      process.exit(130);
    }
    stopRequested = true;
    firstAt = Date.now();
    process.stdout.write('Stopping… (press Ctrl-C again to force)\n');
    log.info({ signal }, 'stopping');
    // During start-up the current step finishes first; `main` then stops what was started.
    if (running.some((service) => service.name === 'API')) {
      void stopAll().then(() => process.exit(0));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function fail(error: LaunchError): never {
  process.stderr.write(`\nStart-up failed. ${error.message}. ${error.advice}\n`);
  process.exit(1);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

void main();
