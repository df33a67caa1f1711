import { parsePain001, writePain001 } from './pain001';
import { parsePain002 } from './pain002';
import type { BankAdapter } from './types';

/**
 * The ISO 20022 customer-to-bank format: payment files as pain.001.001.03, confirmations
 * as pain.002.001.03 status reports.
 */
export const iso20022Bank: BankAdapter = {
  format: 'iso20022.pain.001.001.03',
  writePaymentFile: writePain001,
  parseConfirmationFile: parsePain002,
};

export { parsePain001, writePain001, parsePain002 };
