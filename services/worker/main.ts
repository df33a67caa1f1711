import { closeDatabase } from '../../db';
import { runUntilSignalled } from '../lifecycle';
import { runWorker } from './run';

/** `npm run worker`: the worker alone, against DATABASE_URL and TEMPORAL_ADDRESS. */
runUntilSignalled('worker', async () => {
  const worker = await runWorker();
  return async () => {
    await worker.stop();
    await closeDatabase();
  };
});
