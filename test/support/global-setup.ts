// First, so that the services imported below log only warnings during the setup.
import './env';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { closeDatabase, connectDatabase, migrate } from '../../db';
import { startEmbeddedPostgres } from '../../services/start/embedded-postgres';
import { startTemporalDevServer } from '../../services/temporal/dev-server';
import { freePort } from './ports';
import { setTestServices, writeInfrastructure } from './test-infrastructure';

const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432';

/**
 * Runs once per `npm test`: chooses a Postgres (TEST_POSTGRES_URL, else the local server on
 * 127.0.0.1:5432, else an embedded one for this run), prepares a migrated template database on
 * it, and starts one Temporal dev server that every test file shares.
 */
export default async function globalSetup(): Promise<void> {
  const postgres = await choosePostgres();
  const templateDatabase = `subsidies_template_${process.pid}`;

  const admin = new Client({ connectionString: `${postgres.serverUrl}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase}`);
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  await admin.end();
  await migrate(connectDatabase(`${postgres.serverUrl}/${templateDatabase}`));
  await closeDatabase();

  // Free ports chosen by the OS, so that a developer's own `npm start` on 7233 is left alone.
  const logFile = path.join(os.tmpdir(), `subsidies-test-temporal-${process.pid}.log`);
  const temporal = await startTemporalDevServer({
    port: await freePort(),
    uiPort: await freePort(),
    logFile,
  });
  const stopTemporal = async (): Promise<void> => {
    await temporal.stop();
    fs.rmSync(logFile, { force: true });
  };
  setTestServices({ stopTemporal, stopPostgres: postgres.stop });

  writeInfrastructure({
    postgresServerUrl: postgres.serverUrl,
    templateDatabase,
    temporalAddress: temporal.address,
  });
}

async function choosePostgres(): Promise<{ serverUrl: string; stop?: () => Promise<void> }> {
  const configured = process.env.TEST_POSTGRES_URL;
  if (configured) return { serverUrl: configured };
  if (await acceptsConnections(LOCAL_POSTGRES_URL)) return { serverUrl: LOCAL_POSTGRES_URL };

  // No Postgres server on this machine: run an embedded one for this test run only.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'subsidies-test-postgres-'));
  fs.chmodSync(dataDir, 0o755); // the `postgres` user runs the server when tests run as root
  const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  return {
    serverUrl: embedded.serverUrl,
    stop: async () => {
      await embedded.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function acceptsConnections(serverUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: `${serverUrl}/postgres`, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
