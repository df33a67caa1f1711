/**
 * Imported first by the launcher: the modules imported after it read the configuration as they
 * load, so an invalid one is reported here, as one line, rather than as a stack trace.
 */
import { config } from '../config';

try {
  config();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`\nStart-up failed. ${message}. Fix these environment variables and start again.\n`);
  process.exit(1);
}
