import fs from 'node:fs';
import { simulateBankResponse } from '../services/money/bank';

/**
 * `npm run bank:simulate -- <pain.001 file> [REFERENCE=REASON …]`: writes to stdout the
 * pain.002 status report a bank would return for a payment file, so that a demo can be
 * run end to end without a bank. REFERENCE=AC04 rejects that payment with that ISO code.
 * This is a simulation for demonstrations and tests, never a stand-in in production.
 */
const [file, ...rejections] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: npm run bank:simulate -- <payment-file.xml> [PAYMENT-REFERENCE=AC04 ...]\n');
  process.exit(2);
}
const reject = Object.fromEntries(rejections.map((r) => r.split('=') as [string, string]));
process.stdout.write(simulateBankResponse(fs.readFileSync(file), { reject }).content);
