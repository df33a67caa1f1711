import type { AddressInfo } from 'node:net';
import { config } from '../config';
import { moduleLogger } from '../logger';
import { connectDatabase } from '../../db';
import { createApp } from './app';

const log = moduleLogger('api');

/** Starts the HTTP API on the configured port (0: any free port). */
export async function startApiServer(): Promise<{ url: string; close(): Promise<void> }> {
  const { databaseUrl, apiPort } = config();
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  connectDatabase(databaseUrl);
  const app = createApp();
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const listening = app.listen(apiPort, '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  log.info({ url }, 'API listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
