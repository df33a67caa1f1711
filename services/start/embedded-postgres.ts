import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { moduleLogger } from '../logger';

const log = moduleLogger('embedded-postgres');

const HOST = '127.0.0.1';
const USER = 'postgres';
// Local development only: the server listens on 127.0.0.1 and holds demo data.
const PASSWORD = 'postgres';
const DATABASE = 'subsidies';
const EMBEDDED_POSTGRES_PACKAGE: string = 'embedded-postgres';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;

export interface RunningPostgres {
  /** URL of the `subsidies` database. */
  databaseUrl: string;
  /** URL of the server without a database name, for creating other databases (tests do). */
  serverUrl: string;
  /** Stops the server (a fast shutdown); the data stays for the next start. Safe to call twice. */
  stop(): Promise<void>;
}

interface PostgresBinaries {
  postgres: string;
}

// The package's own types are not visible under this project's module resolution (it is ESM with
// an `exports` map), so the little used here is declared locally.
interface EmbeddedPostgresCluster {
  initialise(): Promise<void>;
}
type EmbeddedPostgresConstructor = new (options: {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  authMethod: 'scram-sha-256';
  initdbFlags: string[];
  createPostgresUser: boolean;
  onLog: (message: string) => void;
  onError: (error: unknown) => void;
}) => EmbeddedPostgresCluster;

/**
 * Runs Postgres from the embedded-postgres package with its data in `<dataDir>/postgres`:
 * initialises the cluster on first use, reuses it afterwards, and creates the `subsidies`
 * database if it is missing. As root, it runs the server as the `postgres` system user,
 * creating that user if needed, because Postgres refuses to run as root.
 * @throws Error when initdb fails, when the server exits before it is ready (with the end of
 *   its output, e.g. the port is taken), or when it is not ready in time.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
}): Promise<RunningPostgres> {
  const databaseDir = path.join(path.resolve(options.dataDir), 'postgres');
  // Checked first because readiness is a successful connection: with the port taken, that could
  // be some other Postgres answering.
  await assertPortFree(options.port);
  // The `postgres` user must be able to reach its directory when we run as root.
  fs.mkdirSync(path.dirname(databaseDir), { recursive: true, mode: 0o755 });
  const asRoot = process.getuid?.() === 0;

  const reused = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (reused) {
    log.info({ databaseDir }, 'reusing the existing embedded Postgres data directory');
  } else {
    log.info({ databaseDir, asRoot }, 'initialising a new embedded Postgres data directory');
    await initialise(databaseDir, options.port, asRoot);
  }

  const binaries = await loadBinaries();
  const server = spawn(binaries.postgres, serverArguments(databaseDir, options.port), {
    ...(asRoot ? postgresUserIds() : {}),
    // Its own process group: a Ctrl-C in the terminal reaches only the launcher, which stops
    // the API and the worker before the database they use.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = (): void => void server.kill('SIGQUIT');
  process.once('exit', killOnExit);
  const output = captureOutput(server);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    await stopServer(server);
  };

  const serverUrl = `postgres://${USER}:${PASSWORD}@${HOST}:${options.port}`;
  try {
    await waitUntilReady(serverUrl, server, output);
    await assertServesDirectory(serverUrl, databaseDir);
    const created = await createDatabaseIfMissing(serverUrl);
    log.info(
      { port: options.port, databaseDir, reused, databaseCreated: created },
      'embedded Postgres ready',
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { databaseUrl: `${serverUrl}/${DATABASE}`, serverUrl, stop };
}

async function initialise(databaseDir: string, port: number, asRoot: boolean): Promise<void> {
  // embedded-postgres is an ES module; it also installs signal handlers that exit the process
  // at once, which would cut the launcher's orderly shutdown short, so they are removed again.
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
  const loaded = (await import(EMBEDDED_POSTGRES_PACKAGE)) as { default: EmbeddedPostgresConstructor };
  const EmbeddedPostgres = loaded.default;
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }

  const cluster = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    initdbFlags: ['--encoding=UTF8'],
    createPostgresUser: asRoot,
    onLog: (message) => log.debug({ message }, 'initdb output'),
    onError: (error) => log.error({ error }, 'initdb error'),
  });
  await cluster.initialise();
}

async function loadBinaries(): Promise<PostgresBinaries> {
  // The package that holds the binaries is named after the platform, as embedded-postgres does.
  const name = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  return (await import(name)) as PostgresBinaries;
}

function serverArguments(databaseDir: string, port: number): string[] {
  // TCP on the loopback only, and no Unix socket, so it cannot collide with a system Postgres.
  return ['-D', databaseDir, '-p', String(port), '-h', HOST, '-k', ''];
}

function postgresUserIds(): { uid: number; gid: number } {
  const id = (flag: string): number => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function captureOutput(server: ChildProcess): string[] {
  const tail: string[] = [];
  for (const stream of [server.stdout, server.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      for (const line of chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        log.debug({ line }, 'postgres output');
      }
    });
  }
  return tail;
}

async function waitUntilReady(serverUrl: string, server: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`The embedded Postgres exited before it was ready:\n${output.join('\n')}`);
    }
    const client = new Client({ connectionString: `${serverUrl}/postgres`, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        const waited = `${READY_TIMEOUT_MS / 1000} s`;
        throw new Error(`The embedded Postgres was not ready after ${waited}:\n${output.join('\n')}`, {
          cause: error,
        });
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function assertPortFree(port: number): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: HOST, exclusive: true }, () => probe.close(() => resolve(true)));
  });
  if (!free) {
    throw new Error(
      `Port ${port} on ${HOST} is already in use (another Postgres?): set EMBEDDED_POSTGRES_PORT to a free ` +
        'port, or DATABASE_URL to use the server that is there.',
    );
  }
}

/** Makes sure the server that answered is the one just started, not another that took the port. */
async function assertServesDirectory(serverUrl: string, databaseDir: string): Promise<void> {
  const client = new Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    const served = rows[0]?.data_directory;
    if (served && fs.realpathSync(served) !== fs.realpathSync(databaseDir)) {
      throw new Error(`Another Postgres (serving ${served}) answered on the embedded Postgres's port.`);
    }
  } finally {
    await client.end();
  }
}

async function createDatabaseIfMissing(serverUrl: string): Promise<boolean> {
  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount) return false;
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    return true;
  } finally {
    await admin.end();
  }
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  // SIGINT is Postgres's "fast" shutdown: it ends sessions and writes a checkpoint.
  server.kill('SIGINT');
  const timer = setTimeout(() => server.kill('SIGQUIT'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
  log.info({ pid: server.pid }, 'embedded Postgres stopped');
}
