import { connectDatabase, closeDatabase } from '../../db';
import { config } from '../config';
import { verifyAuditChain, writeAuditAnchor } from '.';

/**
 * `npm run audit:verify [-- --anchor]`: walks the audit chain in DATABASE_URL and prints
 * whether it is intact, or where it first breaks; exits 1 when it is broken.
 * With --anchor it also writes the latest hash to the anchor file when the chain is intact.
 */
async function main(): Promise<number> {
  const { databaseUrl } = config();
  if (!databaseUrl) {
    process.stderr.write('Set DATABASE_URL to the database to verify (npm start prints it).\n');
    return 2;
  }
  connectDatabase(databaseUrl);
  try {
    const result = await verifyAuditChain();
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!result.intact) {
      const where = result.brokenAt
        ? `at event ${result.brokenAt.id} (${result.brokenAt.reason})`
        : 'against the anchor file';
      process.stderr.write(`Audit chain BROKEN ${where}.\n`);
      return 1;
    }
    if (process.argv.includes('--anchor')) {
      const anchor = await writeAuditAnchor();
      process.stdout.write(`Anchor written to ${config().auditAnchorPath}: event ${anchor?.eventId}\n`);
    }
    process.stdout.write(`Audit chain intact: ${result.eventsChecked} events.\n`);
    return 0;
  } finally {
    await closeDatabase();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Audit verification failed to run: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
