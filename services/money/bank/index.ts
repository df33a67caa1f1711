export type { BankAdapter, BankParty, ConfirmationLine, PaymentFileBatch, PaymentFileLine } from './types';
export { EXAMPLE_DEBTOR } from './types';
export { iso20022Bank, parsePain001, parsePain002, writePain001 } from './iso20022';
export { isKnownReasonCode, reasonText } from './reason-codes';
export { simulateBankResponse, type SimulatedBankRule } from './simulated-bank';
