import { ValidationError } from '../errors';

/*
 * Money is whole fen (分) held in bigint, end to end. Yuan strings are parsed digit by
 * digit, never through Number, so that "0.1 + 0.2" problems cannot reach a payment.
 */

// Whole yuan without leading zeros, then at most two decimals. No sign, no exponent, no
// thousands separators: a bank file or a form that sends those should be fixed upstream.
const YUAN_PATTERN = /^(0|[1-9]\d*)(?:\.(\d{1,2}))?$/;

/** The largest value a Postgres BIGINT column can hold. */
export const MAX_FEN = 9_223_372_036_854_775_807n;

/**
 * Parses an amount of yuan written as digits with up to two decimals ("300000", "300000.5",
 * "300000.50") into fen. Surrounding whitespace is ignored.
 * @throws ValidationError for an empty string, a sign, an exponent, more than two decimals,
 *   separators or anything else that is not plain digits, and for amounts beyond BIGINT.
 */
export function parseYuan(text: string): bigint {
  const trimmed = String(text).trim();
  const match = YUAN_PATTERN.exec(trimmed);
  if (!match) {
    throw new ValidationError(
      `"${String(text).slice(0, 40)}" is not an amount in yuan: write digits with at most two ` +
        'decimals, without sign, exponent or separators, e.g. "300000.50".',
      { value: String(text).slice(0, 40) },
    );
  }

  const whole = BigInt(match[1] as string);
  const decimals = (match[2] ?? '').padEnd(2, '0');
  const fen = whole * 100n + BigInt(decimals);
  if (fen > MAX_FEN) throw new ValidationError('The amount is too large to store.', { value: trimmed });
  return fen;
}

/**
 * Writes fen as yuan with exactly two decimals: 30000050n → "300000.50". A negative amount
 * (a difference, never a stored balance) keeps its sign.
 */
export function fenToYuanString(fen: bigint): string {
  const sign = fen < 0n ? '-' : '';
  const absolute = fen < 0n ? -fen : fen;
  const fraction = (absolute % 100n).toString().padStart(2, '0');
  return `${sign}${absolute / 100n}.${fraction}`;
}

/**
 * Converts a BIGINT column value to bigint. pg returns BIGINT as a string; raw queries may
 * return a number for small aggregates. `null` becomes 0n because `SUM()` over no rows is
 * NULL in SQL — a caller reading a nullable column where NULL means "not decided yet"
 * (applications.award_fen) must test for null first.
 * @throws ValidationError for anything that is not an integer (a float never becomes money).
 */
export function fenFromColumn(value: string | number | bigint | null): bigint {
  if (value === null) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new ValidationError('A money column held a value that is not a whole number of fen.', { value });
    }
    return BigInt(value);
  }
  if (!/^-?\d+$/.test(value)) {
    throw new ValidationError('A money column held a value that is not a whole number of fen.', { value });
  }
  return BigInt(value);
}

/**
 * Checks that a fen amount given by a caller is a positive bigint.
 * @throws ValidationError otherwise, naming `what`.
 */
export function requirePositiveFen(amountFen: bigint, what: string): bigint {
  if (typeof amountFen !== 'bigint' || amountFen <= 0n || amountFen > MAX_FEN) {
    throw new ValidationError(`${what} must be a positive whole number of fen.`, { what });
  }
  return amountFen;
}
