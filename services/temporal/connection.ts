import fs from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { config } from '../config';
import { moduleLogger } from '../logger';

const log = moduleLogger('temporal-connection');

/** Temporal could not be reached at the configured address; the message says what to check. */
export class TemporalUnreachableError extends Error {
  constructor(
    readonly address: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      `Temporal is unreachable at ${address} (${reason}). Start it (npm start runs a dev server when ` +
        'TEMPORAL_ADDRESS is unset), or set TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TLS to a running cluster.',
      options,
    );
    this.name = 'TemporalUnreachableError';
  }
}

/** The options a client connection and a worker's native connection both accept. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | true;
  apiKey?: string;
}

/**
 * What both connection kinds share, read from the configuration: the address, mutual TLS when a
 * certificate pair is configured, and TLS with an API key (as Temporal Cloud expects).
 * @throws Error when TEMPORAL_ADDRESS is unset or a configured certificate file cannot be read.
 */
export function temporalConnectionOptions(): TemporalConnectionOptions {
  const { temporalAddress, temporalTlsCertPath, temporalTlsKeyPath, temporalApiKey } = config();
  if (!temporalAddress) {
    throw new Error('TEMPORAL_ADDRESS is not set: run "npm start", which starts a dev server, or set it.');
  }
  if (Boolean(temporalTlsCertPath) !== Boolean(temporalTlsKeyPath)) {
    throw new Error('Set both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH, or neither.');
  }

  const options: TemporalConnectionOptions = { address: temporalAddress };
  if (temporalTlsCertPath && temporalTlsKeyPath) {
    options.tls = {
      clientCertPair: { crt: fs.readFileSync(temporalTlsCertPath), key: fs.readFileSync(temporalTlsKeyPath) },
    };
  }
  if (temporalApiKey) {
    options.apiKey = temporalApiKey;
    options.tls ??= true;
  }
  return options;
}

let sharedClient: Promise<Client> | undefined;

/**
 * The process's one Temporal client, connected on first use to the configured namespace.
 * @throws TemporalUnreachableError when the server does not answer.
 */
export async function connectClient(): Promise<Client> {
  // One promise, so that concurrent first callers share one connection.
  sharedClient ??= openClient().catch((error: unknown) => {
    sharedClient = undefined;
    throw error;
  });
  return sharedClient;
}

async function openClient(): Promise<Client> {
  const options = temporalConnectionOptions();
  let connection: Connection;
  try {
    connection = await Connection.connect(options);
  } catch (error) {
    throw new TemporalUnreachableError(options.address, { cause: error });
  }
  log.info({ address: options.address, namespace: config().temporalNamespace }, 'temporal client connected');
  return new Client({ connection, namespace: config().temporalNamespace });
}

/**
 * A new native connection for a worker, which owns it and closes it when it stops.
 * @throws TemporalUnreachableError when the server does not answer.
 */
export async function connectNativeConnection(): Promise<NativeConnection> {
  const options = temporalConnectionOptions();
  try {
    return await NativeConnection.connect(options);
  } catch (error) {
    throw new TemporalUnreachableError(options.address, { cause: error });
  }
}

/** Closes the shared client's connection, if one was opened; the next call to connectClient reconnects. */
export async function closeTemporal(): Promise<void> {
  const pending = sharedClient;
  sharedClient = undefined;
  const client = await pending?.catch(() => undefined);
  await client?.connection.close();
}
