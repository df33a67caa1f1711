import fc from 'fast-check';
import { chineseCapitalAmount, formatYuan } from '../../services/money/words';

/*
 * Decodes 人民币…元…角…分 back to fen, independently of nzh, so that the property test
 * below checks the words against the number rather than against themselves.
 */
const DIGITS: Record<string, bigint> = Object.fromEntries(
  [...'零壹贰叁肆伍陆柒捌玖'].map((char, value) => [char, BigInt(value)]),
);
const SMALL_UNITS: Record<string, bigint> = { 拾: 10n, 佰: 100n, 仟: 1000n };

function decodeYuan(words: string): bigint {
  let total = 0n;
  let wan = 0n;
  let section = 0n;
  let digit = 0n;
  for (const char of words) {
    const unit = SMALL_UNITS[char];
    if (char in DIGITS) {
      digit = DIGITS[char] ?? 0n;
    } else if (unit) {
      [section, digit] = [section + digit * unit, 0n];
    } else if (char === '万') {
      [wan, section, digit] = [(section + digit) * 10n ** 4n, 0n, 0n];
    } else if (char === '亿') {
      [total, wan, section, digit] = [(total + wan + section + digit) * 10n ** 8n, 0n, 0n, 0n];
    } else {
      throw new Error(`unexpected ${char} in ${words}`);
    }
  }
  return total + wan + section + digit;
}

function decodeCapitalAmount(text: string): bigint {
  const match = /^人民币(?:(.+)元)?(?:零)?(?:(.)角)?(?:零)?(?:(.)分)?(整)?$/.exec(text);
  if (!match) throw new Error(`not an amount in words: ${text}`);
  const [, yuan, jiao, fen] = match;
  const digit = (char: string | undefined): bigint => (char ? (DIGITS[char] ?? 0n) : 0n);
  return (yuan ? decodeYuan(yuan) : 0n) * 100n + digit(jiao) * 10n + digit(fen);
}

describe('formatYuan', () => {
  it.each([
    [0n, '0.00'],
    [5n, '0.05'],
    [100n, '1.00'],
    [1_000_550n, '10,005.50'],
    [30_000_000n, '300,000.00'],
    [10_000_000_000n, '100,000,000.00'],
    [-123_456n, '-1,234.56'],
  ])('writes %p fen as %p', (fen, expected) => {
    expect(formatYuan(fen)).toBe(expected);
  });

  it('keeps every digit of any amount, grouped in threes', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (fen) => {
        const text = formatYuan(fen);

        expect(text).toMatch(/^-?\d{1,3}(,\d{3})*\.\d{2}$/);
        expect(BigInt(text.replace(/[,.]/g, ''))).toBe(fen);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('chineseCapitalAmount', () => {
  it.each([
    [0n, '人民币零元整'],
    [5n, '人民币伍分'],
    [50n, '人民币伍角整'],
    [100n, '人民币壹元整'],
    [100_005n, '人民币壹仟元零伍分'],
    [123_456n, '人民币壹仟贰佰叁拾肆元伍角陆分'],
    [1_000_550n, '人民币壹万零伍元伍角整'],
    [30_000_000n, '人民币叁拾万元整'],
    [10_000_000_000n, '人民币壹亿元整'],
  ])('writes %p fen as %p', (fen, expected) => {
    expect(chineseCapitalAmount(fen)).toBe(expected);
  });

  it('refuses negative amounts and amounts of 一万亿元 or more', () => {
    expect(() => chineseCapitalAmount(-1n)).toThrow(RangeError);
    expect(() => chineseCapitalAmount(100_000_000_000_000n)).toThrow(RangeError);
  });

  it('states exactly the amount, and ends in 整 unless it has 分', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 100_000_000_000_000n - 1n }), (fen) => {
        const words = chineseCapitalAmount(fen);

        expect(decodeCapitalAmount(words)).toBe(fen);
        expect(words.endsWith('整')).toBe(fen % 10n === 0n);
      }),
      { numRuns: 2000 },
    );
  });
});
