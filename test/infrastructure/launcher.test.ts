import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, portInUse } from '../support/ports';

const REPO = path.resolve(__dirname, '../..');
const START_TIMEOUT_MS = 150_000;

interface Launched {
  apiUrl: string;
  output: () => string;
  /** Sends Ctrl-C to the launcher's process group, as a terminal does, and resolves its exit code. */
  interrupt(): Promise<number | null>;
}

/**
 * Runs the launcher as `npm start` does (tsx services/start/main.ts) and waits for it to print the
 * API URL. tsx is run directly: npm itself reports a Ctrl-C as death by signal, hiding the exit code.
 */
async function launch(env: NodeJS.ProcessEnv): Promise<Launched> {
  const child: ChildProcess = spawn(path.join(REPO, 'node_modules/.bin/tsx'), ['services/start/main.ts'], {
    cwd: REPO,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const apiUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no API URL after ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS,
    );
    const poll = setInterval(() => {
      const match = /^\s*API:\s+(http\S+)/m.exec(output);
      if (match?.[1]) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(match[1]);
      }
    }, 200);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`the launcher exited (code ${String(code)}) before printing the API URL:\n${output}`));
    });
  });

  return {
    apiUrl,
    output: () => output,
    interrupt: async () => {
      process.kill(-(child.pid as number), 'SIGINT');
      return exited;
    },
  };
}

describe('npm start (the one-command launcher)', () => {
  let dataDir: string;
  let ports: Record<'API_PORT' | 'TEMPORAL_DEV_PORT' | 'TEMPORAL_UI_PORT' | 'EMBEDDED_POSTGRES_PORT', string>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'launcher-test-'));
    fs.chmodSync(dataDir, 0o755); // as root, the embedded Postgres runs as the `postgres` user
    ports = {
      API_PORT: String(await freePort()),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
    };
    // Nothing configured: the launcher must start its own Postgres and Temporal.
    env = { ...process.env, ...ports, DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    delete env.DATABASE_URL;
    delete env.TEMPORAL_ADDRESS;
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  async function portsInUse(): Promise<string[]> {
    const busy = await Promise.all(
      Object.entries(ports).map(async ([name, port]) => ((await portInUse(Number(port))) ? name : '')),
    );
    return busy.filter(Boolean);
  }

  it('starts everything from an empty data directory, serves /health, and stops cleanly on Ctrl-C', async () => {
    const launched = await launch(env);

    const health = await fetch(`${launched.apiUrl}/health`);
    expect(health.status).toBe(200);
    expect(launched.output()).toContain('Demo logins');

    await expect(launched.interrupt()).resolves.toBe(0);
    await expect(portsInUse()).resolves.toEqual([]);
  }, 240_000);

  it('starts again on the same data directory and keeps its data', async () => {
    const launched = await launch(env);

    const health = await fetch(`${launched.apiUrl}/health`);
    expect(health.status).toBe(200);
    expect(launched.output()).toContain('reusing the existing embedded Postgres data directory');
    expect(launched.output()).toMatch(/Temporal: .*data kept from an earlier start/);

    await expect(launched.interrupt()).resolves.toBe(0);
    await expect(portsInUse()).resolves.toEqual([]);
  }, 240_000);
});
