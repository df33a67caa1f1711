import { startApiServer } from './server';
import { closeTemporal } from '../temporal/connection';
import { closeDatabase } from '../../db';
import { moduleLogger } from '../logger';

const log = moduleLogger('api');

/** `npm run api`: the API alone, against DATABASE_URL and TEMPORAL_ADDRESS. */
async function main(): Promise<void> {
  const api = await startApiServer();
  const stop = async (): Promise<void> => {
    await api.close();
    await closeTemporal();
    await closeDatabase();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  log.fatal({ err: error }, 'API failed to start');
  process.exit(1);
});
