import { Client } from 'pg';
import { writeInfrastructure } from './test-infrastructure';

/**
 * Runs once per `npm test`: prepares a migrated template database on the Postgres at
 * TEST_POSTGRES_URL (default: the local server on 127.0.0.1:5432).
 */
export default async function globalSetup(): Promise<void> {
  const serverUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
  const templateDatabase = `subsidies_template_${process.pid}`;

  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase}`);
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  await admin.end();

  process.env.DATABASE_URL = `${serverUrl}/${templateDatabase}`;
  const { connectDatabase, migrate, closeDatabase } = await import('../../db');
  await migrate(connectDatabase(process.env.DATABASE_URL));
  await closeDatabase();

  writeInfrastructure({ postgresServerUrl: serverUrl, templateDatabase });
}
