import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { config, loadConfig, setConfig } from '../../services/config';
import { seed } from '../../db/seed';
import { runWorker } from '../../services/worker/run';
import { startApiServer } from '../../services/api/server';
import { closeTemporal } from '../../services/temporal/connection';
import { releaseTestDatabase, useTestDatabase } from './database';
import { useTemporal } from './temporal';

/** The whole system as a user meets it: API over HTTP, worker, real Temporal, Postgres, SMTP. */
export interface RunningSystem {
  url: string;
  dataDir: string;
  mails: ParsedMail[];
  stop(): Promise<void>;
}

/**
 * Starts, for one test file: its own database (seeded), a worker on its own task queue of
 * the run's Temporal server, the API on a free port, and an SMTP server on loopback that
 * keeps every message it receives.
 */
export async function startSystem(): Promise<RunningSystem> {
  await useTestDatabase();
  await useTemporal();
  const mails: ParsedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'subsidies-system-'));

  const current = config();
  setConfig(
    loadConfig({
      ...process.env,
      DATABASE_URL: current.databaseUrl,
      TEMPORAL_ADDRESS: current.temporalAddress,
      TEMPORAL_TASK_QUEUE: `test-${crypto.randomBytes(4).toString('hex')}`,
      API_PORT: '0',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      DATA_DIR: dataDir,
    }),
  );
  await seed();
  const worker = await runWorker();
  const api = await startApiServer();

  return {
    url: api.url,
    dataDir,
    mails,
    stop: async () => {
      await api.close();
      await worker.stop();
      await closeTemporal();
      await new Promise<void>((resolve) => smtp.close(resolve));
      await releaseTestDatabase();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
