/*
 * What the payment service needs from a bank format. An adapter is pure: it turns a batch
 * into file bytes and a bank's answer into lines, and never touches the database.
 */

export interface BankParty {
  /** Account holder's name, as the bank has it. */
  name: string;
  account: string;
  /** The account-holding bank's name (开户行). */
  bank: string;
}

export interface PaymentFileLine {
  /** The payment reference: the end-to-end id that the bank echoes in its confirmation. */
  reference: string;
  amountFen: bigint;
  payeeName: string;
  payeeAccount: string;
  payeeBank: string;
  /** Text the payee sees on the statement (附言). */
  remittanceInfo: string;
}

export interface PaymentFileBatch {
  reference: string;
  createdAt: Date;
  debtor: BankParty;
  payments: PaymentFileLine[];
}

export interface ConfirmationLine {
  reference: string;
  status: 'paid' | 'failed';
  amountFen: bigint;
  bankTransactionId?: string;
  /** For a failed line: the reason code (ISO 20022 external status reason, e.g. AC04) and text. */
  reason?: { code: string; text?: string };
  /** The settlement date, YYYY-MM-DD, when the bank gives one. */
  settledOn?: string;
}

export interface BankAdapter {
  /** Stored on the batch, e.g. `iso20022.pain.001.001.03`. */
  format: string;
  /**
   * Writes the file that instructs the bank to pay the batch.
   * @throws ValidationError when the batch cannot be expressed in the format.
   */
  writePaymentFile(batch: PaymentFileBatch): { fileName: string; content: Buffer };
  /**
   * Reads a bank's answer: one line per transaction with a final status.
   * @throws ValidationError naming what is wrong with a malformed file.
   */
  parseConfirmationFile(content: Buffer): ConfirmationLine[];
}

/**
 * The paying account: the civil affairs bureau's subsidy account. EXAMPLE values — the real
 * account number and bank come from the bureau and belong in configuration once known.
 */
export const EXAMPLE_DEBTOR: BankParty = {
  name: '烟台市民政局',
  account: '6228000000000000000',
  bank: '示例银行烟台分行（示例账户）',
};
