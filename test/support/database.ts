import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Sequelize } from 'sequelize';
import { connectDatabase, closeDatabase } from '../../db';
import { loadConfig, setConfig } from '../../services/config';
import { readInfrastructure } from './test-infrastructure';

/**
 * Gives the calling test file a database of its own, copied from the run's migrated
 * template, and points the process configuration at it. Files then run in parallel
 * without seeing each other's rows.
 */
export async function useTestDatabase(): Promise<{ sequelize: Sequelize; databaseUrl: string }> {
  const info = readInfrastructure();
  const name = `${info.templateDatabase}_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: `${info.postgresServerUrl}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${info.templateDatabase}`);
  await admin.end();

  const databaseUrl = `${info.postgresServerUrl}/${name}`;
  // Its own data folder too: files, the mail outbox and the audit anchor must not leak between files.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'subsidies-test-data-'));
  setConfig(loadConfig({ ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: dataDir }));
  return { sequelize: connectDatabase(databaseUrl), databaseUrl };
}

export async function releaseTestDatabase(): Promise<void> {
  await closeDatabase();
}
