import { closeDatabase } from '../../db';
import { runUntilSignalled } from '../lifecycle';
import { closeTemporal } from '../temporal/connection';
import { startApiServer } from './server';

/** `npm run api`: the API alone, against DATABASE_URL and TEMPORAL_ADDRESS. */
runUntilSignalled('api', async () => {
  const api = await startApiServer();
  return async () => {
    await api.close();
    await closeTemporal();
    await closeDatabase();
  };
});
