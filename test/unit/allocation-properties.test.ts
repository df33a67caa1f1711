import fc from 'fast-check';
import {
  calculateAllocation,
  type Allocation,
  type AllocationRules,
  type DistrictInput,
} from '../../services/allocations/calculate';

/*
 * Random years: 1–20 districts, weights in hundredths (0 and 1 included), whole-yuan budgets and
 * caps from a few yuan (where rounding decides most of the money) to millions (where the cap
 * binds). Small figures are drawn often so that equal figures, equal shares and equal remainders
 * are common. Whatever the year, the money adds up to the fen and respects the cap, and the
 * allocation is fair and reproducible.
 */

const RUNS = { numRuns: 500 };

const often = (small: number, large: number): fc.Arbitrary<number> =>
  fc.oneof(fc.integer({ min: 0, max: small }), fc.integer({ min: 0, max: large }));

const districtOf = (index: number): fc.Arbitrary<DistrictInput> =>
  fc.record({
    districtCode: fc.constant(`district-${String(index).padStart(2, '0')}`),
    districtName: fc.constant(`示例区${index}`),
    urbanCommunities: often(3, 2_500),
    ruralCommunities: often(3, 2_500),
    olderResidents: often(3, 2_000_000),
  });

const districts = fc
  .integer({ min: 1, max: 20 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, index) => districtOf(index))));

// A weight in hundredths as a decimal string with up to 2 places: 0 → "0", 50 → "0.5", 35 → "0.35".
const weightText = (hundredths: number): string =>
  hundredths === 100
    ? '1'
    : hundredths === 0
      ? '0'
      : `0.${String(hundredths).padStart(2, '0')}`.replace(/0$/, '');

const yuan = (small: number, large: number): fc.Arbitrary<bigint> =>
  often(small, large).map((y) => BigInt(y) * 100n);

const rules: fc.Arbitrary<AllocationRules> = fc
  .record({
    budgetFen: yuan(1_000, 2_000_000),
    capFen: yuan(500, 200_000),
    communityWeight: fc.integer({ min: 0, max: 100 }),
  })
  .map(({ communityWeight, ...money }) => ({
    ...money,
    communityWeight: weightText(communityWeight),
    olderResidentWeight: weightText(100 - communityWeight),
  }));

const communitiesOf = (district: DistrictInput): number =>
  district.urbanCommunities + district.ruralCommunities;

// From the figures, not from blendedShare, whose 6 places can show a small positive share as 0.
const hasShare = (district: DistrictInput, year: AllocationRules): boolean =>
  (year.communityWeight !== '0' && communitiesOf(district) > 0) ||
  (year.olderResidentWeight !== '0' && district.olderResidents > 0);

const amountOf = (allocation: Allocation, code: string): bigint =>
  BigInt(allocation.districts.find((d) => d.districtCode === code)?.amountFen ?? NaN);

describe('calculateAllocation over random years', () => {
  it('keeps every district within the cap, in whole yuan', () => {
    fc.assert(
      fc.property(districts, rules, (inputs, year) => {
        const allocation = calculateAllocation(inputs, year);

        for (const district of allocation.districts) {
          const amount = BigInt(district.amountFen);
          expect(amount).toBeGreaterThanOrEqual(0n);
          expect(amount).toBeLessThanOrEqual(year.capFen);
          expect(amount % 100n).toBe(0n);
        }
      }),
      RUNS,
    );
  });

  it('allocates exactly the budget, or the sum of the caps when that is smaller', () => {
    fc.assert(
      fc.property(districts, rules, (inputs, year) => {
        const allocation = calculateAllocation(inputs, year);

        const total = BigInt(allocation.totalFen);
        const sum = allocation.districts.reduce((sum, d) => sum + BigInt(d.amountFen), 0n);
        const withShare = BigInt(inputs.filter((district) => hasShare(district, year)).length);
        const caps = year.capFen * withShare;
        expect(sum).toBe(total);
        expect(total).toBeLessThanOrEqual(year.budgetFen);
        expect(total).toBe(year.budgetFen < caps ? year.budgetFen : caps);
        expect(BigInt(allocation.unallocatedFen)).toBe(year.budgetFen - total);
      }),
      RUNS,
    );
  });

  it('never gives a district less than one it equals or outnumbers on both figures', () => {
    fc.assert(
      fc.property(districts, rules, (inputs, year) => {
        const allocation = calculateAllocation(inputs, year);

        for (const larger of inputs) {
          for (const smaller of inputs) {
            const atLeast =
              communitiesOf(larger) >= communitiesOf(smaller) &&
              larger.olderResidents >= smaller.olderResidents;
            const more =
              communitiesOf(larger) > communitiesOf(smaller) ||
              larger.olderResidents > smaller.olderResidents;
            if (atLeast && more) {
              expect(amountOf(allocation, larger.districtCode)).toBeGreaterThanOrEqual(
                amountOf(allocation, smaller.districtCode),
              );
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('gives nothing to a district with no weighted figure, and leaves it out of every round', () => {
    fc.assert(
      fc.property(districts, rules, (inputs, year) => {
        const allocation = calculateAllocation(inputs, year);

        inputs.forEach((input, index) => {
          if (hasShare(input, year)) return;
          expect(allocation.districts[index]).toMatchObject({ amountFen: '0', offers: [], capped: false });
          for (const round of allocation.rounds) expect(round.sharing).not.toContain(input.districtCode);
        });
      }),
      RUNS,
    );
  });

  it('gives the same result for the same year, and the same amounts whatever the order of the districts', () => {
    const shuffled = districts.chain((inputs) =>
      fc.tuple(
        fc.constant(inputs),
        fc.shuffledSubarray(inputs, { minLength: inputs.length, maxLength: inputs.length }),
      ),
    );
    fc.assert(
      fc.property(shuffled, rules, ([inputs, reordered], year) => {
        const allocation = calculateAllocation(inputs, year);
        const again = calculateAllocation(
          inputs.map((input) => ({ ...input })),
          { ...year },
        );
        const fromReordered = calculateAllocation(reordered, year);

        expect(again).toEqual(allocation);
        expect(fromReordered.districts.map((d) => d.districtCode)).toEqual(
          reordered.map((d) => d.districtCode),
        );
        for (const input of inputs) {
          expect(amountOf(fromReordered, input.districtCode)).toBe(amountOf(allocation, input.districtCode));
        }
        expect(fromReordered.totalFen).toBe(allocation.totalFen);
      }),
      RUNS,
    );
  });
});
