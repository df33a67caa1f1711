import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { moduleLogger } from '../logger';
import { locateTemporalCli, type TemporalCli } from './cli-binary';

const log = moduleLogger('temporal-dev-server');

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 90_000;
const KEPT_FIRST_LINES = 10;
const KEPT_LAST_LINES = 20;
const STOP_GRACE_MS = 10_000;

export interface DevServerOptions {
  port: number;
  uiPort: number;
  /** SQLite file that keeps workflows across restarts; without it they live in memory only. */
  dbFile?: string;
  /** Where the server's own output goes; by default it is logged at debug level. */
  logFile?: string;
  /** The CLI to run; found with {@link locateTemporalCli} when omitted. */
  cli?: TemporalCli;
}

export interface RunningDevServer {
  /** host:port of the frontend, as TEMPORAL_ADDRESS expects it. */
  address: string;
  uiUrl: string;
  /** Stops the server: SIGTERM, then SIGKILL if it has not exited in time. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a Temporal dev server on 127.0.0.1 and resolves once its frontend answers and the
 * `default` namespace exists.
 * @throws Error when a port is taken (saying whether a Temporal server already answers there),
 *   when the server exits early (with the start and end of its output), or when it is not ready in time.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  await assertPortFree(options.port, 'TEMPORAL_DEV_PORT', true);
  await assertPortFree(options.uiPort, 'TEMPORAL_UI_PORT', false);
  const cli = options.cli ?? (await locateTemporalCli());
  if (cli.source === 'sdk-download') return startWithSdkDownload(options);

  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(options.port)];
  args.push('--ui-port', String(options.uiPort), '--log-level', 'warn', '--namespace', 'default');
  if (options.dbFile) args.push('--db-filename', options.dbFile);

  // Its own process group: a Ctrl-C in the terminal reaches only the launcher, which then
  // stops the API and the worker before the server they depend on.
  const child = spawn(cli.path, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const output = captureOutput(child, options.logFile);
  log.info({ cli: cli.path, port: options.port, uiPort: options.uiPort, dbFile: options.dbFile }, 'starting');

  const address = `${HOST}:${options.port}`;
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
  };
  try {
    await waitUntilReady(address, child, output);
  } catch (error) {
    await stop();
    throw error;
  }
  log.info({ address, uiPort: options.uiPort }, 'temporal dev server ready');
  return { address, uiUrl: `http://${HOST}:${options.uiPort}`, stop };
}

async function startWithSdkDownload(options: DevServerOptions): Promise<RunningDevServer> {
  // The SDK's test environment downloads the CLI (from Temporal's releases) and runs it.
  const environment = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: HOST,
      port: options.port,
      ui: true,
      uiPort: options.uiPort,
      dbFilename: options.dbFile,
      namespace: 'default',
    },
  });
  log.info({ address: environment.address }, 'temporal dev server downloaded by the SDK is ready');
  let stopped = false;
  return {
    address: environment.address,
    uiUrl: `http://${HOST}:${options.uiPort}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await environment.teardown();
    },
  };
}

/**
 * Keeps the first and the last lines of the server's output for error messages: a Go panic
 * names its cause on its first line and then prints a long goroutine dump.
 */
function captureOutput(child: ChildProcess, logFile: string | undefined): string[] {
  const head: string[] = [];
  const tail: string[] = [];
  const kept: string[] = [];
  let dropped = 0;
  const file = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
  child.once('close', () => file?.end());
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      file?.write(chunk);
      for (const line of chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')) {
        if (head.length < KEPT_FIRST_LINES) head.push(line);
        else tail.push(line);
        if (tail.length > KEPT_LAST_LINES) {
          tail.shift();
          dropped++;
        }
        if (!file) log.debug({ line }, 'temporal dev server output');
      }
      kept.splice(0, kept.length, ...head, ...(dropped > 0 ? [`… ${dropped} lines …`] : []), ...tail);
    });
  }
  return kept;
}

async function waitUntilReady(address: string, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const how = child.exitCode !== null ? `code ${child.exitCode}` : `signal ${String(child.signalCode)}`;
      throw new Error(`The temporal dev server exited (${how}) before it was ready:\n${output.join('\n')}`);
    }
    if (await answersAsTemporal(address, true)) return;
    if (Date.now() > deadline) {
      const waited = `${READY_TIMEOUT_MS / 1000} s`;
      throw new Error(`The temporal dev server was not ready after ${waited}:\n${output.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** True when a Temporal frontend answers at `address` (and, if asked, knows the default namespace). */
async function answersAsTemporal(address: string, needNamespace: boolean): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    if (needNamespace) {
      await connection.workflowService.describeNamespace({ namespace: 'default' });
    } else {
      await connection.healthService.check({});
    }
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

async function assertPortFree(port: number, variable: string, temporalPort: boolean): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: HOST, exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (free) return;

  if (temporalPort && (await answersAsTemporal(`${HOST}:${port}`, false))) {
    throw new Error(
      `A Temporal server is already running on ${HOST}:${port}. To use it, set TEMPORAL_ADDRESS=${HOST}:${port}; ` +
        `to start another, stop it or set ${variable} to a free port.`,
    );
  }
  throw new Error(
    `Port ${port} on ${HOST} is already in use: stop what holds it or set ${variable} to a free port.`,
  );
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    log.warn({ pid: child.pid, graceMs: STOP_GRACE_MS }, 'temporal dev server ignored SIGTERM: killing it');
    child.kill('SIGKILL');
  }, STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
  log.info({ pid: child.pid }, 'temporal dev server stopped');
}
