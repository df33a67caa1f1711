import { Client } from 'pg';
import { readInfrastructure, takeTestServices } from './test-infrastructure';

/** Drops the run's databases, then stops the Temporal dev server and any embedded Postgres. */
export default async function globalTeardown(): Promise<void> {
  const info = readInfrastructure();
  const services = takeTestServices();

  try {
    const admin = new Client({ connectionString: `${info.postgresServerUrl}/postgres` });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>(
      // Only this run's databases: another run may be using the same server at the same time.
      "SELECT datname FROM pg_database WHERE datname LIKE $1 || '\\_%' OR datname = $1",
      [info.templateDatabase],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
  } finally {
    await services?.stopTemporal();
    await services?.stopPostgres?.();
  }
}
