import { Client } from 'pg';
import { readInfrastructure } from './test-infrastructure';

export default async function globalTeardown(): Promise<void> {
  const info = readInfrastructure();
  const admin = new Client({ connectionString: `${info.postgresServerUrl}/postgres` });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'subsidies_test_%' OR datname = $1",
    [info.templateDatabase],
  );
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  await admin.end();
}
