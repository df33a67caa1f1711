import { DefaultLogger, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import * as activities from '../../activities';
import { connectDatabase } from '../../db';
import { config } from '../config';
import { moduleLogger } from '../logger';
import { connectNativeConnection } from '../temporal/connection';

const log = moduleLogger('worker');

const SDK_LOG_LEVELS: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

let runtimeInstalled = false;

/** The SDK logs at the project's level; its runtime can be set up once per process. */
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    // No signal handling of its own: the process that runs the worker decides the shutdown order.
    Runtime.install({ logger: new DefaultLogger(SDK_LOG_LEVELS[config().logLevel] ?? 'INFO'), shutdownSignals: [] });
  } catch {
    // Already installed by an earlier worker in this process: keep it.
  }
}

/**
 * Runs the Temporal worker: the workflows (bundled from workflows/) and the activities
 * (in this process, against DATABASE_URL) on the configured task queue.
 */
export async function runWorker(options: { taskQueue?: string } = {}): Promise<{ stop(): Promise<void> }> {
  const { databaseUrl, temporalTaskQueue, temporalNamespace } = config();
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  connectDatabase(databaseUrl);
  installRuntime();
  const connection = await connectNativeConnection();
  const taskQueue = options.taskQueue ?? temporalTaskQueue;
  const worker = await Worker.create({
    connection,
    namespace: temporalNamespace,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities,
  });
  const running = worker.run();
  log.info({ taskQueue }, 'worker running');
  return {
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      log.info({ taskQueue }, 'worker stopped');
    },
  };
}
