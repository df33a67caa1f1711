import { moduleLogger } from './logger';

/**
 * Runs a long-lived process: `start` brings it up and returns how to stop it; SIGINT or
 * SIGTERM stops it and exits 0; a failure to start is logged and exits 1.
 */
export function runUntilSignalled(name: string, start: () => Promise<() => Promise<void>>): void {
  const log = moduleLogger(name);
  start().then(
    (stop) => {
      const shutdown = (): void => {
        stop().then(
          () => process.exit(0),
          (error: unknown) => {
            log.error({ err: error }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
    (error: unknown) => {
      log.fatal({ err: error }, 'failed to start');
      process.exit(1);
    },
  );
}
