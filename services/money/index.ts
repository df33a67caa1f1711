/*
 * The money service: amounts, the budget ledger, commitments, payments and the bank.
 * Chinese-numeral formatting lives in ./words.
 */
export { fenFromColumn, fenToYuanString, MAX_FEN, parseYuan, requirePositiveFen } from './amount';
export {
  applicationPosition,
  LEDGER_ACCOUNTS,
  ledgerBalances,
  postLedgerTransaction,
  verifyLedger,
  type ApplicationPosition,
  type LedgerBalances,
  type LedgerLine,
  type LedgerProblem,
  type LedgerTransactionInput,
  type LedgerVerification,
} from './ledger';
export type { AppropriationSummary } from './appropriations';
export {
  CITY_SPECIAL_FUND_CODE,
  commitAward,
  fundAppropriation,
  recoverSpending,
  releaseCommitment,
  spendCommitment,
  type Commitment,
} from './budget';
export {
  approvePayment,
  cancelPayment,
  preparePayment,
  summarisePayment,
  type IssuedBatch,
  type PaymentSummary,
} from './payments';
export {
  importBankConfirmation,
  type BankImportResult,
  type ReconciliationLine,
  type ReconciliationOutcome,
} from './reconciliation';
export {
  EXAMPLE_DEBTOR,
  iso20022Bank,
  isKnownReasonCode,
  parsePain001,
  parsePain002,
  reasonText,
  simulateBankResponse,
  writePain001,
  type BankAdapter,
  type BankParty,
  type ConfirmationLine,
  type PaymentFileBatch,
  type PaymentFileLine,
  type SimulatedBankRule,
} from './bank';
