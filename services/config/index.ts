import path from 'node:path';
import Joi from 'joi';

/**
 * Everything the processes read from the environment, validated once at start-up.
 * Nothing else in the project reads `process.env`.
 */
export interface Config {
  /** Unset: the launcher starts an embedded Postgres and fills this in. */
  databaseUrl: string | undefined;
  /** Unset: the launcher starts a Temporal dev server and fills this in. */
  temporalAddress: string | undefined;
  temporalNamespace: string;
  temporalTaskQueue: string;
  temporalTlsCertPath: string | undefined;
  temporalTlsKeyPath: string | undefined;
  temporalApiKey: string | undefined;
  temporalCliPath: string | undefined;
  apiPort: number;
  publicBaseUrl: string | undefined;
  jwtSecret: string;
  jwtTtlSeconds: number;
  /** Sign-in attempts allowed per address in 15 minutes; an office behind one address needs room. */
  loginAttemptsPer15Minutes: number;
  /** 32 bytes, base64: encrypts names and identity numbers at rest (AES-256-GCM). */
  personalDataKey: string;
  dataDir: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  auditAnchorPath: string;
  logLevel: string;
  embeddedPostgresPort: number;
  temporalDevPort: number;
  temporalUiPort: number;
  /** The directories of `PATH`, where helper programs (the Temporal CLI, Go) are looked for. */
  searchPath: string[];
}

// The development defaults are deliberately marked unsafe: a production deployment
// must set its own secrets (see README, "Configuration").
const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-in-production';
const DEV_PERSONAL_DATA_KEY = Buffer.alloc(32, 7).toString('base64');

const schema = Joi.object({
  DATABASE_URL: Joi.string().uri({ scheme: ['postgres', 'postgresql'] }),
  TEMPORAL_ADDRESS: Joi.string(),
  TEMPORAL_NAMESPACE: Joi.string().default('default'),
  TEMPORAL_TASK_QUEUE: Joi.string().default('subsidies'),
  TEMPORAL_TLS_CERT_PATH: Joi.string(),
  TEMPORAL_TLS_KEY_PATH: Joi.string(),
  TEMPORAL_API_KEY: Joi.string(),
  TEMPORAL_CLI_PATH: Joi.string(),
  API_PORT: Joi.number().port().default(3000),
  PUBLIC_BASE_URL: Joi.string().uri(),
  JWT_SECRET: Joi.string().min(32).default(DEV_JWT_SECRET),
  JWT_TTL_SECONDS: Joi.number()
    .integer()
    .min(60)
    .default(8 * 3600),
  LOGIN_ATTEMPTS_PER_15_MINUTES: Joi.number().integer().min(1).default(100),
  PERSONAL_DATA_KEY: Joi.string()
    .base64()
    .custom((value: string, helpers) =>
      Buffer.from(value, 'base64').length === 32 ? value : helpers.error('any.invalid'),
    )
    .message('PERSONAL_DATA_KEY must be 32 bytes encoded as base64')
    .default(DEV_PERSONAL_DATA_KEY),
  DATA_DIR: Joi.string().default(path.resolve(__dirname, '../../.data')),
  SMTP_URL: Joi.string().uri({ scheme: ['smtp', 'smtps'] }),
  MAIL_FROM: Joi.string().default('烟台市民政局养老服务补贴 <subsidies@localhost>'),
  AUDIT_ANCHOR_PATH: Joi.string(),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  EMBEDDED_POSTGRES_PORT: Joi.number().port().default(54329),
  TEMPORAL_DEV_PORT: Joi.number().port().default(7233),
  TEMPORAL_UI_PORT: Joi.number().port().default(8233),
  PATH: Joi.string().allow('').default(''),
}).unknown(true);

/**
 * Reads and validates the environment.
 * @throws Error naming every invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { value, error } = schema.validate(env, { abortEarly: false, convert: true });
  if (error) {
    throw new Error(`Invalid configuration: ${error.details.map((d) => d.message).join('; ')}`);
  }
  const dataDir = path.resolve(value.DATA_DIR as string);
  return {
    databaseUrl: value.DATABASE_URL,
    temporalAddress: value.TEMPORAL_ADDRESS,
    temporalNamespace: value.TEMPORAL_NAMESPACE,
    temporalTaskQueue: value.TEMPORAL_TASK_QUEUE,
    temporalTlsCertPath: value.TEMPORAL_TLS_CERT_PATH,
    temporalTlsKeyPath: value.TEMPORAL_TLS_KEY_PATH,
    temporalApiKey: value.TEMPORAL_API_KEY,
    temporalCliPath: value.TEMPORAL_CLI_PATH,
    apiPort: value.API_PORT,
    publicBaseUrl: value.PUBLIC_BASE_URL,
    jwtSecret: value.JWT_SECRET,
    jwtTtlSeconds: value.JWT_TTL_SECONDS,
    loginAttemptsPer15Minutes: value.LOGIN_ATTEMPTS_PER_15_MINUTES,
    personalDataKey: value.PERSONAL_DATA_KEY,
    dataDir,
    smtpUrl: value.SMTP_URL,
    mailFrom: value.MAIL_FROM,
    auditAnchorPath: value.AUDIT_ANCHOR_PATH ?? path.join(dataDir, 'audit-anchor.json'),
    logLevel: value.LOG_LEVEL,
    embeddedPostgresPort: value.EMBEDDED_POSTGRES_PORT,
    temporalDevPort: value.TEMPORAL_DEV_PORT,
    temporalUiPort: value.TEMPORAL_UI_PORT,
    searchPath: (value.PATH as string).split(path.delimiter).filter((dir) => dir !== ''),
  };
}

let current: Config | undefined;

/** The process-wide configuration, read on first use. */
export function config(): Config {
  current ??= loadConfig();
  return current;
}

/** Replaces the process-wide configuration: the launcher fills in started services, tests point elsewhere. */
export function setConfig(next: Config): void {
  current = next;
}

/**
 * The environment for a helper program the project runs (such as `go install`): this process's
 * own, plus `overrides`. Kept here so that the environment is read in one place only.
 */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
