import { closeDatabase } from '../../db';
import { moduleLogger } from '../logger';
import { runWorker } from './run';

const log = moduleLogger('worker');

/** `npm run worker`: the worker alone, against DATABASE_URL and TEMPORAL_ADDRESS. */
async function main(): Promise<void> {
  const worker = await runWorker();
  const stop = async (): Promise<void> => {
    await worker.stop();
    await closeDatabase();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  log.fatal({ err: error }, 'worker failed to start');
  process.exit(1);
});
