import { config, loadConfig, setConfig } from '../../services/config';
import { readInfrastructure } from './test-infrastructure';

/**
 * Points the process configuration at the run's Temporal dev server, keeping the database that
 * `useTestDatabase()` chose for this file (call that first).
 * @throws Error when the global setup recorded no Temporal server.
 */
export async function useTemporal(): Promise<{ address: string }> {
  const address = readInfrastructure().temporalAddress;
  if (!address) throw new Error("No Temporal dev server recorded: run the tests with jest's global setup.");

  // useTestDatabase() put this file's own database in the configuration, not in the environment.
  const { databaseUrl } = config();
  const database = databaseUrl ? { DATABASE_URL: databaseUrl } : {};
  setConfig(loadConfig({ ...process.env, ...database, TEMPORAL_ADDRESS: address }));
  return { address };
}
