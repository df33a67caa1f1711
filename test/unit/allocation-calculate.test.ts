import { DISTRICTS } from '../../db/seed/regions';
import {
  calculateAllocation,
  type Allocation,
  type AllocationRules,
  type DistrictInput,
} from '../../services/allocations/calculate';
import { ValidationError } from '../../services/errors';

/*
 * Worked examples: each expected figure below was computed by hand from the rules at the top of
 * calculate.ts (the Yantai example with exact fractions outside the code under test). Figures
 * are invented for the examples; only the district codes and names are real.
 */

const nameOf = (code: string): string => DISTRICTS.find((district) => district.code === code)?.name ?? code;

function district(code: string, urban: number, rural: number, olderResidents: number): DistrictInput {
  return {
    districtCode: code,
    districtName: nameOf(code),
    urbanCommunities: urban,
    ruralCommunities: rural,
    olderResidents,
  };
}

const HALF_AND_HALF = { communityWeight: '0.5', olderResidentWeight: '0.5' };

function rules(budgetFen: bigint, capFen: bigint, weights = HALF_AND_HALF): AllocationRules {
  return { budgetFen, capFen, ...weights };
}

const amounts = (allocation: Allocation): Record<string, string> =>
  Object.fromEntries(allocation.districts.map((d) => [d.districtCode, d.amountFen]));

function validationProblems(run: () => unknown): Array<{ field: string; message: string }> {
  try {
    run();
  } catch (caught) {
    expect(caught).toBeInstanceOf(ValidationError);
    return (caught as ValidationError).details as Array<{ field: string; message: string }>;
  }
  throw new Error('expected a ValidationError');
}

const fields = (run: () => unknown): string[] => validationProblems(run).map((problem) => problem.field);

describe('calculateAllocation', () => {
  it('splits the budget by blended share when no district reaches the cap', () => {
    // Communities 2, 1, 1 of 4; older residents 100, 300, 100 of 500.
    // fushan ½·0.5 + ½·0.2 = 0.35, muping ½·0.25 + ½·0.6 = 0.425, laishan ½·0.25 + ½·0.2 = 0.225.
    const inputs = [
      district('fushan', 1, 1, 100),
      district('muping', 1, 0, 300),
      district('laishan', 0, 1, 100),
    ];

    const allocation = calculateAllocation(inputs, rules(100_000n, 1_000_000n));

    expect(allocation.method).toBe('weighted-shares-capped-largest-remainder');
    expect(allocation.totals).toEqual({ communities: 4, olderResidents: 500 });
    expect(allocation.districts.map((d) => [d.communityShare, d.olderResidentShare, d.blendedShare])).toEqual(
      [
        ['0.500000', '0.200000', '0.350000'],
        ['0.250000', '0.600000', '0.425000'],
        ['0.250000', '0.200000', '0.225000'],
      ],
    );
    expect(amounts(allocation)).toEqual({ fushan: '35000', muping: '42500', laishan: '22500' });
    expect(allocation.rounds).toEqual([
      {
        round: 1,
        placedFen: '100000.0000',
        sharing: ['fushan', 'muping', 'laishan'],
        capped: [],
        cutOffFen: '0.0000',
      },
    ]);
    expect(allocation.districts[0]).toMatchObject({
      districtName: '福山区',
      communities: 2,
      offers: [{ round: 1, offeredFen: '35000.0000', capped: false }],
      exactFen: '35000.0000',
      floorFen: '35000',
      remainderFen: '0.0000',
      roundedUp: false,
      capped: false,
    });
    expect(allocation).toMatchObject({ budgetFen: '100000', capFen: '1000000', totalFen: '100000' });
    expect(allocation.unallocatedFen).toBe('0');
  });

  it('places what the cap cuts off among the districts still below it, round after round', () => {
    // Communities 6, 2, 2 and older residents 40, 40, 20: blended shares 0.5, 0.3, 0.2.
    // Round 1 offers 50 000 / 30 000 / 20 000; zhifu stops at 35 000 and 15 000 is cut off.
    // Round 2 splits 15 000 3:2, 9 000 / 6 000; fushan would reach 39 000, 4 000 is cut off.
    // Round 3 gives the 4 000 to muping alone: 30 000.
    const inputs = [district('zhifu', 6, 0, 40), district('fushan', 1, 1, 40), district('muping', 0, 2, 20)];

    const allocation = calculateAllocation(inputs, rules(100_000n, 35_000n));

    expect(allocation.districts.map((d) => d.blendedShare)).toEqual(['0.500000', '0.300000', '0.200000']);
    expect(allocation.rounds).toEqual([
      {
        round: 1,
        placedFen: '100000.0000',
        sharing: ['zhifu', 'fushan', 'muping'],
        capped: ['zhifu'],
        cutOffFen: '15000.0000',
      },
      {
        round: 2,
        placedFen: '15000.0000',
        sharing: ['fushan', 'muping'],
        capped: ['fushan'],
        cutOffFen: '4000.0000',
      },
      { round: 3, placedFen: '4000.0000', sharing: ['muping'], capped: [], cutOffFen: '0.0000' },
    ]);
    expect(allocation.districts.map((d) => d.offers)).toEqual([
      [{ round: 1, offeredFen: '50000.0000', capped: true }],
      [
        { round: 1, offeredFen: '30000.0000', capped: false },
        { round: 2, offeredFen: '9000.0000', capped: true },
      ],
      [
        { round: 1, offeredFen: '20000.0000', capped: false },
        { round: 2, offeredFen: '6000.0000', capped: false },
        { round: 3, offeredFen: '4000.0000', capped: false },
      ],
    ]);
    expect(amounts(allocation)).toEqual({ zhifu: '35000', fushan: '35000', muping: '30000' });
    expect(allocation.districts.map((d) => d.capped)).toEqual([true, true, false]);
    expect(allocation.totalFen).toBe('100000');
    expect(allocation.unallocatedFen).toBe('0');
  });

  it('stops at the sum of the caps when every district reaches the cap, and reports the rest unallocated', () => {
    // The same shares with 200 000 to place: offers 100 000 / 60 000 / 40 000, all above 30 000.
    const inputs = [district('zhifu', 6, 0, 40), district('fushan', 1, 1, 40), district('muping', 0, 2, 20)];

    const allocation = calculateAllocation(inputs, rules(200_000n, 30_000n));

    expect(allocation.rounds).toEqual([
      {
        round: 1,
        placedFen: '200000.0000',
        sharing: ['zhifu', 'fushan', 'muping'],
        capped: ['zhifu', 'fushan', 'muping'],
        cutOffFen: '110000.0000',
      },
    ]);
    expect(amounts(allocation)).toEqual({ zhifu: '30000', fushan: '30000', muping: '30000' });
    expect(allocation.totalFen).toBe('90000');
    expect(allocation.unallocatedFen).toBe('110000');
  });

  it('hands the leftover yuan out by largest remainder, an equal remainder going to the larger share', () => {
    // Blended shares 3/12, 2/12, 6/12, 1/12 of 120 300 fen: exactly 30 075, 20 050, 60 150, 10 025.
    // Floors 30 000, 20 000, 60 100, 10 000 leave 2 yuan. Remainders 75, 50, 50, 25: zhifu first,
    // then fushan and muping tie at 50 and muping's larger share wins, though fushan's code is first.
    const inputs = [
      district('zhifu', 3, 0, 300),
      district('fushan', 2, 0, 200),
      district('muping', 3, 3, 600),
      district('laishan', 0, 1, 100),
    ];

    const allocation = calculateAllocation(inputs, rules(120_300n, 1_000_000n));

    expect(allocation.districts.map((d) => [d.exactFen, d.floorFen, d.remainderFen, d.roundedUp])).toEqual([
      ['30075.0000', '30000', '75.0000', true],
      ['20050.0000', '20000', '50.0000', false],
      ['60150.0000', '60100', '50.0000', true],
      ['10025.0000', '10000', '25.0000', false],
    ]);
    expect(amounts(allocation)).toEqual({
      zhifu: '30100',
      fushan: '20000',
      muping: '60200',
      laishan: '10000',
    });
    expect(allocation.totalFen).toBe('120300');
  });

  it('lets the unweighted figure, not the code, settle a tie between equal shares', () => {
    // Communities only: 3, 1, 1, 2 of 7 sevenths of 1 000 fen are 428.57, 142.86, 142.86, 285.71.
    // Floors 400, 100, 100, 200 leave 2 yuan: laishan (85.71), then fushan and muping tie on
    // remainder and share; muping has more older residents, so a district never gets less than
    // one it equals on communities and outnumbers on older residents.
    const inputs = [
      district('zhifu', 3, 0, 500),
      district('fushan', 1, 0, 100),
      district('muping', 0, 1, 200),
      district('laishan', 2, 0, 50),
    ];

    const allocation = calculateAllocation(
      inputs,
      rules(1_000n, 1_000_000n, { communityWeight: '1', olderResidentWeight: '0' }),
    );

    expect(allocation.districts.map((d) => [d.blendedShare, d.remainderFen, d.roundedUp])).toEqual([
      ['0.428571', '28.5714', false],
      ['0.142857', '42.8571', false],
      ['0.142857', '42.8571', true],
      ['0.285714', '85.7143', true],
    ]);
    expect(amounts(allocation)).toEqual({ zhifu: '400', fushan: '100', muping: '200', laishan: '300' });
  });

  it('gives nothing to a district without communities or older residents and leaves it out of the rounds', () => {
    // Communities 2, 0, 2 and older residents 300, 0, 100: blended 0.625, 0, 0.375.
    const inputs = [
      district('zhifu', 2, 0, 300),
      district('fushan', 0, 0, 0),
      district('changdao', 1, 1, 100),
    ];

    const allocation = calculateAllocation(inputs, rules(80_000n, 1_000_000n));

    expect(amounts(allocation)).toEqual({ zhifu: '50000', fushan: '0', changdao: '30000' });
    expect(allocation.districts[1]).toMatchObject({
      communityShare: '0.000000',
      olderResidentShare: '0.000000',
      blendedShare: '0.000000',
      offers: [],
      exactFen: '0.0000',
      capped: false,
    });
    expect(allocation.rounds.map((round) => round.sharing)).toEqual([['zhifu', 'changdao']]);
  });

  it('places the whole budget by communities when no district reports older residents', () => {
    const inputs = [district('zhifu', 3, 0, 0), district('changdao', 0, 1, 0)];

    const allocation = calculateAllocation(inputs, rules(10_000n, 1_000_000n));

    expect(allocation.districts.map((d) => [d.olderResidentShare, d.blendedShare])).toEqual([
      ['0.000000', '0.375000'],
      ['0.000000', '0.125000'],
    ]);
    expect(amounts(allocation)).toEqual({ zhifu: '7500', changdao: '2500' });
  });

  it('places nothing when no district has a share, or when the budget is 0', () => {
    const empty = calculateAllocation([district('zhifu', 0, 0, 0)], rules(10_000n, 1_000_000n));
    const noBudget = calculateAllocation([district('zhifu', 1, 0, 10)], rules(0n, 1_000_000n));

    expect(empty).toMatchObject({ rounds: [], totalFen: '0', unallocatedFen: '10000' });
    expect(noBudget).toMatchObject({ rounds: [], totalFen: '0', unallocatedFen: '0' });
    expect(noBudget.districts[0]?.amountFen).toBe('0');
  });

  it("allocates 1 000 000 yuan among Yantai's 14 districts under a 100 000-yuan cap", () => {
    // Invented figures: [urban communities, rural communities, older residents].
    const figures: Record<string, [number, number, number]> = {
      zhifu: [160, 20, 250_000],
      fushan: [60, 250, 95_000],
      muping: [40, 560, 110_000],
      laishan: [50, 120, 70_000],
      penglai: [45, 560, 105_000],
      longkou: [70, 620, 150_000],
      laiyang: [55, 780, 190_000],
      laizhou: [75, 980, 200_000],
      zhaoyuan: [50, 720, 140_000],
      qixia: [30, 900, 130_000],
      haiyang: [35, 620, 130_000],
      yeda: [40, 90, 40_000],
      gaoxin: [15, 30, 20_000],
      changdao: [5, 40, 10_000],
    };
    const inputs = DISTRICTS.map(({ code, name }) => {
      const [urban, rural, older] = figures[code] ?? [0, 0, 0];
      return { ...district(code, urban, rural, older), districtName: name };
    });

    const allocation = calculateAllocation(inputs, rules(100_000_000n, 10_000_000n));

    expect(allocation.totals).toEqual({ communities: 7_020, olderResidents: 1_640_000 });
    expect(allocation.rounds).toEqual([
      {
        round: 1,
        placedFen: '100000000.0000',
        sharing: DISTRICTS.map((d) => d.code),
        capped: ['laiyang', 'laizhou', 'qixia'],
        cutOffFen: '5939128.6221',
      },
      {
        round: 2,
        placedFen: '5939128.6221',
        sharing: DISTRICTS.map((d) => d.code).filter((c) => !['laiyang', 'laizhou', 'qixia'].includes(c)),
        capped: ['longkou', 'zhaoyuan'],
        cutOffFen: '1024107.8208',
      },
      {
        round: 3,
        placedFen: '1024107.8208',
        sharing: ['zhifu', 'fushan', 'muping', 'laishan', 'penglai', 'haiyang', 'yeda', 'gaoxin', 'changdao'],
        capped: [],
        cutOffFen: '0.0000',
      },
    ]);
    // Remainders above 50 fen: haiyang 82.45, fushan 72.59, gaoxin 70.59, yeda 64.47, changdao 60.90
    // take the 5 leftover yuan; muping (56.04) and the rest do not.
    expect(
      allocation.districts.map((d) => [d.districtCode, d.blendedShare, d.exactFen, d.roundedUp, d.amountFen]),
    ).toEqual([
      ['zhifu', '0.089040', '9932947.0359', false, '9932900'],
      ['fushan', '0.051043', '5694172.5936', true, '5694200'],
      ['muping', '0.076272', '8508556.0357', false, '8508500'],
      ['laishan', '0.033450', '3731516.8311', false, '3731500'],
      ['penglai', '0.075103', '8378229.1041', false, '8378200'],
      ['longkou', '0.094877', '10000000.0000', false, '10000000'],
      ['laiyang', '0.117400', '10000000.0000', false, '10000000'],
      ['laizhou', '0.136118', '10000000.0000', false, '10000000'],
      ['zhaoyuan', '0.097526', '10000000.0000', false, '10000000'],
      ['qixia', '0.105873', '10000000.0000', false, '10000000'],
      ['haiyang', '0.086287', '9625782.4461', true, '9625800'],
      ['yeda', '0.021454', '2393364.4697', true, '2393400'],
      ['gaoxin', '0.009303', '1037770.5858', true, '1037800'],
      ['changdao', '0.006254', '697660.8980', true, '697700'],
    ]);
    expect(allocation.districts[7]?.districtName).toBe('莱州市');
    expect(allocation.totalFen).toBe('100000000');
    expect(allocation.unallocatedFen).toBe('0');
  });

  describe('refuses inputs it cannot allocate', () => {
    const inputs = [district('zhifu', 1, 0, 10), district('fushan', 0, 1, 10)];

    it('refuses weights that do not sum to 1, naming both', () => {
      const run = () =>
        calculateAllocation(
          inputs,
          rules(10_000n, 10_000n, { communityWeight: '0.6', olderResidentWeight: '0.5' }),
        );

      expect(fields(run)).toEqual(['communityWeight', 'olderResidentWeight']);
    });

    it.each([
      ['1.5', '-0.5'],
      ['abc', '0.5'],
      ['0.5', '5e-1'],
    ])(
      'refuses a weight that is not a decimal between 0 and 1 (%s, %s)',
      (communityWeight, olderResidentWeight) => {
        const run = () =>
          calculateAllocation(inputs, rules(10_000n, 10_000n, { communityWeight, olderResidentWeight }));

        expect(fields(run).length).toBeGreaterThan(0);
      },
    );

    it('names the weight that is out of range', () => {
      const run = () =>
        calculateAllocation(
          inputs,
          rules(10_000n, 10_000n, { communityWeight: '1.5', olderResidentWeight: '0' }),
        );

      expect(fields(run)).toEqual(['communityWeight']);
    });

    it('refuses a district listed twice', () => {
      const run = () =>
        calculateAllocation([...inputs, district('zhifu', 2, 2, 20)], rules(10_000n, 10_000n));

      expect(fields(run)).toEqual(['inputs[2].districtCode']);
    });

    it('refuses a negative or fractional figure', () => {
      const run = () =>
        calculateAllocation(
          [district('zhifu', -1, 0, 10), district('fushan', 0, 1, 2.5)],
          rules(10_000n, 10_000n),
        );

      expect(fields(run)).toEqual(['inputs[0].urbanCommunities', 'inputs[1].olderResidents']);
    });

    it('refuses a budget or cap that is negative or not whole yuan', () => {
      expect(fields(() => calculateAllocation(inputs, rules(12_345n, 10_000n)))).toEqual(['budgetFen']);
      expect(fields(() => calculateAllocation(inputs, rules(-100n, 10_000n)))).toEqual(['budgetFen']);
      expect(fields(() => calculateAllocation(inputs, rules(10_000n, 10_050n)))).toEqual(['capFen']);
      expect(fields(() => calculateAllocation(inputs, rules(10_000n, -100n)))).toEqual(['capFen']);
    });

    it('refuses an empty list of districts', () => {
      expect(fields(() => calculateAllocation([], rules(10_000n, 10_000n)))).toEqual(['inputs']);
    });
  });
});
