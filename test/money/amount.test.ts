import fc from 'fast-check';
import { fenFromColumn, fenToYuanString, parseYuan } from '../../services/money/amount';
import { ValidationError } from '../../services/errors';

describe('parseYuan', () => {
  it.each([
    ['300000', 30_000_000n],
    ['300000.5', 30_000_050n],
    ['300000.50', 30_000_050n],
    ['0.01', 1n],
    ['0', 0n],
    [' 12.30 ', 1_230n],
    ['92233720368547758.07', 9_223_372_036_854_775_807n],
  ])('reads "%s" as %s fen', (text, fen) => {
    expect(parseYuan(text)).toBe(fen);
  });

  it.each([
    '300000.505',
    '-1',
    '+1',
    '1e5',
    '1E5',
    '',
    '.5',
    '5.',
    '1,000',
    '00.1',
    '0x10',
    'NaN',
    '１２',
    '1 000',
    '92233720368547758.08',
  ])('refuses "%s"', (text) => {
    expect(() => parseYuan(text)).toThrow(ValidationError);
  });

  it('refuses a float beyond two decimals that a client computed', () => {
    expect(() => parseYuan(String(0.1 + 0.2))).toThrow(ValidationError);
  });
});

describe('fenToYuanString', () => {
  it('always writes two decimals', () => {
    expect(fenToYuanString(30_000_000n)).toBe('300000.00');
    expect(fenToYuanString(5n)).toBe('0.05');
    expect(fenToYuanString(0n)).toBe('0.00');
    expect(fenToYuanString(-150n)).toBe('-1.50');
  });

  it('round-trips with parseYuan for any non-negative amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 9_223_372_036_854_775_807n }), (fen) => {
        expect(parseYuan(fenToYuanString(fen))).toBe(fen);
      }),
    );
  });
});

describe('fenFromColumn', () => {
  it('reads what pg returns for BIGINT and aggregates', () => {
    expect(fenFromColumn('9223372036854775807')).toBe(9_223_372_036_854_775_807n);
    expect(fenFromColumn(42)).toBe(42n);
    expect(fenFromColumn(7n)).toBe(7n);
    expect(fenFromColumn(null)).toBe(0n);
    expect(fenFromColumn('-3')).toBe(-3n);
  });

  it('refuses anything that is not a whole number of fen', () => {
    expect(() => fenFromColumn(1.5)).toThrow(ValidationError);
    expect(() => fenFromColumn('1.50')).toThrow(ValidationError);
    expect(() => fenFromColumn(2 ** 60)).toThrow(ValidationError);
  });
});
