import nzh from 'nzh/cn';

/*
 * How amounts are written on notices. Money is whole fen as bigint throughout; these
 * functions turn it into digits as strings without ever passing through a float.
 */

const FEN_PER_YUAN = 100n;
// 一万亿元, far beyond any budget; above it nzh's wording for large units gets unusual.
const LARGEST_CAPITAL_AMOUNT_FEN = 100_000_000_000_000n;

/**
 * 30000000n → "300,000.00": yuan with thousands separators and exactly two decimals.
 * Negative amounts keep their sign ("-5.00"), for corrections shown to staff.
 */
export function formatYuan(fen: bigint): string {
  const sign = fen < 0n ? '-' : '';
  const magnitude = fen < 0n ? -fen : fen;
  const yuan = (magnitude / FEN_PER_YUAN).toString();
  const cents = (magnitude % FEN_PER_YUAN).toString().padStart(2, '0');

  return `${sign}${yuan.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

/**
 * The amount in Chinese capital numerals as written on payment documents:
 * 30000000n → "人民币叁拾万元整", 123456n → "人民币壹仟贰佰叁拾肆元伍角陆分",
 * 5n → "人民币伍分", 0n → "人民币零元整". "整" follows an amount that ends at 元 or 角,
 * never one with 分, as the payment-settlement rules require.
 * @throws RangeError for a negative amount (a notice never states one) or one of
 *   一万亿元 or more.
 */
export function chineseCapitalAmount(fen: bigint): string {
  if (fen < 0n) throw new RangeError('A notice cannot state a negative amount');
  if (fen >= LARGEST_CAPITAL_AMOUNT_FEN) throw new RangeError('Amount too large to write in words');

  // nzh takes the amount as a decimal string, which keeps it exact; a number would not be
  // beyond 2^53 fen. Its default drops "整" after "1.00" (it sees the ".00"), so we pass
  // whole yuan without decimals and ask for "整" whenever the result stops before 分.
  const yuan = (fen / FEN_PER_YUAN).toString();
  const cents = fen % FEN_PER_YUAN;
  const decimal = cents === 0n ? yuan : `${yuan}.${cents.toString().padStart(2, '0')}`;

  return nzh.toMoney(decimal, { outSymbol: true, forceZheng: true });
}
