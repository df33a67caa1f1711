import pino from 'pino';
import { config } from './config';

/**
 * One root logger; each module takes a child with its own `module` field.
 * Log a constant message with a metadata object, never personal data or whole documents.
 */
export const rootLogger = pino({
  level: config().logLevel,
  base: undefined,
  redact: {
    paths: ['*.password', '*.idNumber', '*.personName', '*.authorization', 'req.headers.authorization'],
    censor: '[redacted]',
  },
});

export function moduleLogger(module: string): pino.Logger {
  return rootLogger.child({ module });
}
