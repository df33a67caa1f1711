import path from 'node:path';
import { Sequelize, type Transaction } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { initModels } from './models';
import { moduleLogger } from '../services/logger';

const log = moduleLogger('db');

let current: Sequelize | undefined;

/**
 * Opens the process's one connection pool and binds the models to it.
 * Calling it again with the same URL returns the same pool.
 */
export function connectDatabase(databaseUrl: string): Sequelize {
  if (current) return current;
  current = new Sequelize(databaseUrl, {
    dialect: 'postgres',
    logging: false,
    pool: { max: 10, min: 0, idle: 10_000 },
    dialectOptions: { application_name: 'eldercare-subsidies' },
  });
  initModels(current);
  return current;
}

/** The connection opened by {@link connectDatabase}. @throws Error before it is opened. */
export function database(): Sequelize {
  if (!current) throw new Error('Database not connected: call connectDatabase first');
  return current;
}

export async function closeDatabase(): Promise<void> {
  await current?.close();
  current = undefined;
}

/** Runs the migrations not yet applied, in name order. */
export async function migrate(sequelize: Sequelize): Promise<void> {
  const umzug = new Umzug({
    migrations: {
      glob: ['migrations/*.{ts,js}', { cwd: __dirname, ignore: ['**/*.d.ts'] }],
      resolve: ({ name, path: file, context }) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const migration = require(file as string);
        return {
          name: path.basename(name, path.extname(name)),
          up: async () => migration.up({ context }),
          down: async () => migration.down({ context }),
        };
      },
    },
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: undefined,
  });
  const applied = await umzug.up();
  log.info({ applied: applied.map((m) => m.name) }, 'migrations applied');
}

const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';

/**
 * Runs `work` in one transaction and retries it when Postgres reports a serialisation
 * failure or deadlock, which concurrent budget commitments can cause.
 */
export async function inTransaction<T>(work: (tx: Transaction) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await database().transaction(work);
    } catch (error) {
      const code = (error as { parent?: { code?: string } }).parent?.code;
      const retryable = code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED;
      if (!retryable || attempt >= attempts) throw error;
      log.warn({ attempt, code }, 'transaction retried after a concurrency conflict');
    }
  }
}
