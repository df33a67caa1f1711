import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { childEnvironment, config } from '../config';
import { moduleLogger } from '../logger';

const log = moduleLogger('temporal-cli');

/** Where the project keeps the CLI it builds; git-ignored. */
export const PROJECT_CLI_DIR = path.resolve(__dirname, '../../.temporal/bin');
export const PROJECT_CLI_PATH = path.join(PROJECT_CLI_DIR, 'temporal');

// Later tags carry a `replace` directive in their go.mod, which `go install pkg@version` refuses.
export const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

// Go's own installer puts it here; it is often missing from PATH in non-login shells.
const USUAL_GO_PATH = '/usr/local/go/bin/go';

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project-cache' | 'go-build' | 'sdk-download';

export interface TemporalCli {
  /** The executable to run; empty when the SDK is to download its own copy. */
  path: string;
  source: TemporalCliSource;
}

/**
 * Finds the `temporal` CLI that runs the dev server, in this order: TEMPORAL_CLI_PATH, `temporal`
 * on PATH, the project's cache in `.temporal/bin`, a build with Go into that cache, and last the
 * SDK's download (returned as source 'sdk-download' with an empty path). Logs which it used.
 * @throws Error when TEMPORAL_CLI_PATH names no executable file, or when Go is there but the
 *   build fails.
 */
export async function locateTemporalCli(): Promise<TemporalCli> {
  const found = await findTemporalCli();
  if (found.source === 'sdk-download') {
    log.warn({ source: found.source }, 'no temporal CLI found and no Go to build it: the SDK will download it');
  } else {
    log.info({ source: found.source, path: found.path }, 'temporal CLI located');
  }
  return found;
}

async function findTemporalCli(): Promise<TemporalCli> {
  const configured = config().temporalCliPath;
  if (configured) {
    if (!isExecutable(configured)) {
      throw new Error(`TEMPORAL_CLI_PATH is ${configured}, which is not an executable file: fix or unset it.`);
    }
    return { path: path.resolve(configured), source: 'TEMPORAL_CLI_PATH' };
  }

  const onPath = findOnSearchPath('temporal');
  if (onPath) return { path: onPath, source: 'PATH' };

  if (isExecutable(PROJECT_CLI_PATH)) return { path: PROJECT_CLI_PATH, source: 'project-cache' };

  const go = findOnSearchPath('go') ?? (isExecutable(USUAL_GO_PATH) ? USUAL_GO_PATH : undefined);
  if (go) {
    await buildWithGo(go);
    return { path: PROJECT_CLI_PATH, source: 'go-build' };
  }

  return { path: '', source: 'sdk-download' };
}

function findOnSearchPath(name: string): string | undefined {
  return config()
    .searchPath.map((dir) => path.join(dir, name))
    .find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Builds the CLI into the project cache. Takes a few minutes the first time (it compiles the
 * server and the UI), seconds once Go's caches are warm; progress goes to the log meanwhile.
 */
async function buildWithGo(go: string): Promise<void> {
  log.info({ go, module: CLI_MODULE, into: PROJECT_CLI_DIR }, 'building the temporal CLI with Go');
  fs.mkdirSync(PROJECT_CLI_DIR, { recursive: true });
  const started = Date.now();
  const child = spawn(go, ['install', CLI_MODULE], {
    env: childEnvironment({ GOBIN: PROJECT_CLI_DIR }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  // Go prints little while it compiles, so a heartbeat shows the build has not hung.
  const heartbeat = setInterval(() => {
    log.info({ elapsedSeconds: Math.round((Date.now() - started) / 1000) }, 'still building the temporal CLI');
  }, 30_000);
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      log.info({ line }, 'go install progress');
    });
  }

  const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  }).finally(() => clearInterval(heartbeat));

  if (exit.code !== 0 || !isExecutable(PROJECT_CLI_PATH)) {
    const reason = exit.error?.message ?? `exit code ${String(exit.code)}`;
    throw new Error(
      `Building the temporal CLI with Go failed (${reason}). Last output:\n${tail.join('\n')}\n` +
        `Run "GOBIN=${PROJECT_CLI_DIR} go install ${CLI_MODULE}" to see why, ` +
        'or set TEMPORAL_CLI_PATH to a temporal CLI you already have.',
    );
  }
  log.info({ seconds: Math.round((Date.now() - started) / 1000) }, 'temporal CLI built');
}

// `tsx services/temporal/cli-binary.ts --ensure` makes sure a CLI is there before the tests (CI).
if (require.main === module && process.argv.includes('--ensure')) {
  locateTemporalCli().then(
    (cli) => process.stdout.write(`temporal CLI: ${cli.path || '(the SDK will download it)'} [${cli.source}]\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
