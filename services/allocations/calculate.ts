import { ValidationError } from '../errors';

/*
 * The yearly allocation of the neighbourhood mutual-aid funding (城乡社区邻里互助养老服务奖补,
 * policy clause 二(四)3): each district-level unit receives at most capFen a year, sized by the
 * scale of its communities and by its number of older residents.
 *
 * - A district's blended share is communityWeight × its share of all communities (urban plus
 *   rural) plus olderResidentWeight × its share of all older residents. A figure that is 0 for
 *   every district makes that share 0 for everyone rather than undefined.
 * - The budget is placed in rounds. Each round offers the money still to place to the districts
 *   below the cap, in proportion to their blended shares; a district that reaches the cap keeps
 *   the cap and what is cut off goes to the next round. It stops when nothing is left to place
 *   or every district with a positive share is at the cap. A district whose share is 0 gets 0.
 * - Every amount is an exact fraction of bigints, never a float, so that the same figures give
 *   the same money on every machine. The decimal strings in the result are rounded half up for
 *   reading only: 6 places for shares, 4 for fractions of a fen. amountFen and floorFen are exact.
 * - The exact amounts become whole yuan by the largest-remainder method: each is floored to whole
 *   yuan and the leftover yuan go one each to the largest remainders. Equal remainders go to the
 *   larger blended share, then to more communities, then to more older residents, then to the
 *   smaller districtCode. The two figure keys matter only when a weight is 0: without them, a
 *   district with more of the unweighted figure could lose the tie on its code and receive one
 *   yuan less than a district it outnumbers on both figures.
 * - The total is the budget, or the sum of the caps when that is smaller; the rest of the budget
 *   is reported as unallocated. Budget and cap are whole yuan, so the total always is too.
 *
 * Pure: no I/O, no clock; the districts in any order receive the same amounts.
 */

/** One district's figures for the year, as the formula takes them. */
export interface DistrictInput {
  districtCode: string;
  districtName: string;
  urbanCommunities: number;
  ruralCommunities: number;
  olderResidents: number;
}

/** The program's parameters and the year's budget. Amounts in fen; weights as decimal strings ("0.5"). */
export interface AllocationRules {
  budgetFen: bigint;
  capFen: bigint;
  communityWeight: string;
  olderResidentWeight: string;
}
/** One pass of placing money among the districts still below the cap. */
export interface RedistributionRound {
  round: number;
  /** Money placed in this pass, exact, as a decimal string of fen rounded to 4 places for reading. */
  placedFen: string;
  /** Districts that shared this pass. */
  sharing: string[];
  /** Districts that reached the cap in this pass. */
  capped: string[];
  /** What the cap cut off in this pass, to be placed in the next (decimal fen, 4 places). */
  cutOffFen: string;
}

export interface DistrictAllocation {
  districtCode: string;
  districtName: string;
  urbanCommunities: number;
  ruralCommunities: number;
  communities: number;
  olderResidents: number;
  /** Shares as decimal strings with 6 places, for reading; the calculation itself is exact. */
  communityShare: string;
  olderResidentShare: string;
  blendedShare: string;
  /** Per redistribution round, what this district was offered (decimal fen, 4 places); absent once capped. */
  offers: Array<{ round: number; offeredFen: string; capped: boolean }>;
  /** The exact amount before rounding (decimal fen, 4 places). */
  exactFen: string;
  /** Whole yuan below the exact amount, in fen. */
  floorFen: string;
  /** The remainder that ranks districts for the leftover yuan (decimal fen, 4 places). */
  remainderFen: string;
  /** Whether the largest-remainder step gave this district one more yuan. */
  roundedUp: boolean;
  /** The final amount, whole yuan, in fen. */
  amountFen: string;
  capped: boolean;
}

export interface Allocation {
  method: 'weighted-shares-capped-largest-remainder';
  budgetFen: string;
  capFen: string;
  communityWeight: string;
  olderResidentWeight: string;
  totals: { communities: number; olderResidents: number };
  rounds: RedistributionRound[];
  districts: DistrictAllocation[];
  /** Sum of amountFen: the budget (to the whole yuan), or the sum of the caps when that is smaller. */
  totalFen: string;
  /** Budget left unplaced because every district is at the cap. */
  unallocatedFen: string;
}

/**
 * Allocates the year's budget among the districts under the cap; see the comment at the top.
 * Districts come out in the order they went in.
 * @throws ValidationError listing every problem with the inputs: no district, a repeated
 *   districtCode, a figure that is not a whole number 0 or more, a budget or cap that is negative
 *   or not whole yuan, a weight that is not a decimal in [0, 1], weights that do not sum to 1.
 */
export function calculateAllocation(inputs: DistrictInput[], rules: AllocationRules): Allocation {
  const weights = validated(inputs, rules);

  const totalCommunities = inputs.reduce((sum, input) => sum + communitiesOf(input), 0);
  const totalOlderResidents = inputs.reduce((sum, input) => sum + input.olderResidents, 0);
  const districts: Working[] = inputs.map((input) => {
    const communityShare = shareOf(communitiesOf(input), totalCommunities);
    const olderResidentShare = shareOf(input.olderResidents, totalOlderResidents);
    return {
      input,
      communities: communitiesOf(input),
      communityShare,
      olderResidentShare,
      blendedShare: add(
        multiply(weights.communityWeight, communityShare),
        multiply(weights.olderResidentWeight, olderResidentShare),
      ),
      exactFen: ZERO,
      capped: false,
      offers: [],
    };
  });

  const rounds = placeUnderCap(districts, rules.budgetFen, rules.capFen);

  const withShare = districts.filter((district) => district.blendedShare.numerator > 0n).length;
  const capsFen = rules.capFen * BigInt(withShare);
  const targetFen = rules.budgetFen < capsFen ? rules.budgetFen : capsFen;
  const amounts = toWholeYuan(districts, targetFen, rules.capFen);
  const totalFen = amounts.reduce((sum, amount) => sum + amount.amountFen, 0n);
  if (totalFen !== targetFen) {
    // Cannot happen: the rounds place exactly targetFen, and every leftover yuan has a remainder.
    throw new Error(`allocation total ${totalFen} differs from its target ${targetFen}`);
  }

  return {
    method: 'weighted-shares-capped-largest-remainder',
    budgetFen: rules.budgetFen.toString(),
    capFen: rules.capFen.toString(),
    communityWeight: rules.communityWeight,
    olderResidentWeight: rules.olderResidentWeight,
    totals: { communities: totalCommunities, olderResidents: totalOlderResidents },
    rounds,
    districts: districts.map((district, index) => {
      const amount = amounts[index] as WholeYuan;
      return {
        districtCode: district.input.districtCode,
        districtName: district.input.districtName,
        urbanCommunities: district.input.urbanCommunities,
        ruralCommunities: district.input.ruralCommunities,
        communities: district.communities,
        olderResidents: district.input.olderResidents,
        communityShare: decimal(district.communityShare, SHARE_PLACES),
        olderResidentShare: decimal(district.olderResidentShare, SHARE_PLACES),
        blendedShare: decimal(district.blendedShare, SHARE_PLACES),
        offers: district.offers,
        exactFen: decimal(district.exactFen, FEN_PLACES),
        floorFen: amount.floorFen.toString(),
        remainderFen: decimal(amount.remainderFen, FEN_PLACES),
        roundedUp: amount.roundedUp,
        amountFen: amount.amountFen.toString(),
        capped: district.capped,
      };
    }),
    totalFen: totalFen.toString(),
    unallocatedFen: (rules.budgetFen - totalFen).toString(),
  };
}

const SHARE_PLACES = 6;
const FEN_PLACES = 4;

/** A district during the calculation; placeUnderCap fills exactFen, capped and offers. */
interface Working {
  input: DistrictInput;
  communities: number;
  communityShare: Fraction;
  olderResidentShare: Fraction;
  blendedShare: Fraction;
  exactFen: Fraction;
  capped: boolean;
  offers: DistrictAllocation['offers'];
}

function communitiesOf(input: DistrictInput): number {
  return input.urbanCommunities + input.ruralCommunities;
}

function shareOf(part: number, total: number): Fraction {
  return total === 0 ? ZERO : fraction(BigInt(part), BigInt(total));
}

// Each round caps at least one district or places everything, so there are at most n rounds.
function placeUnderCap(districts: Working[], budgetFen: bigint, capFen: bigint): RedistributionRound[] {
  const cap = fraction(capFen, 1n);
  const rounds: RedistributionRound[] = [];
  let toPlace = fraction(budgetFen, 1n);

  while (toPlace.numerator > 0n) {
    const sharing = districts.filter((district) => !district.capped && district.blendedShare.numerator > 0n);
    if (sharing.length === 0) break;
    const round = rounds.length + 1;
    const sharingTotal = sharing.reduce((sum, district) => add(sum, district.blendedShare), ZERO);

    let cutOff = ZERO;
    const capped: string[] = [];
    for (const district of sharing) {
      const offered = divide(multiply(toPlace, district.blendedShare), sharingTotal);
      const reached = add(district.exactFen, offered);
      // Reaching the cap exactly counts as capped: any further offer would exceed it.
      const reachesCap = compare(reached, cap) >= 0;
      if (reachesCap) {
        cutOff = add(cutOff, subtract(reached, cap));
        district.exactFen = cap;
        district.capped = true;
        capped.push(district.input.districtCode);
      } else {
        district.exactFen = reached;
      }
      district.offers.push({ round, offeredFen: decimal(offered, FEN_PLACES), capped: reachesCap });
    }

    rounds.push({
      round,
      placedFen: decimal(toPlace, FEN_PLACES),
      sharing: sharing.map((district) => district.input.districtCode),
      capped,
      cutOffFen: decimal(cutOff, FEN_PLACES),
    });
    toPlace = cutOff;
  }
  return rounds;
}

interface WholeYuan {
  floorFen: bigint;
  remainderFen: Fraction;
  roundedUp: boolean;
  amountFen: bigint;
}

/**
 * Floors each exact amount to whole yuan and hands the leftover yuan (targetFen − Σ floors) out
 * one each, largest remainder first. The leftover is Σ remainders ÷ 100 fen and each remainder is
 * below 100 fen, so it always reaches districts with a remainder, which are below the cap.
 */
function toWholeYuan(districts: Working[], targetFen: bigint, capFen: bigint): WholeYuan[] {
  const amounts = districts.map((district): WholeYuan => {
    const { numerator, denominator } = district.exactFen;
    const floorFen = (numerator / (denominator * 100n)) * 100n;
    const remainderFen = subtract(district.exactFen, fraction(floorFen, 1n));
    return { floorFen, remainderFen, roundedUp: false, amountFen: floorFen };
  });
  let leftoverYuan = (targetFen - amounts.reduce((sum, amount) => sum + amount.floorFen, 0n)) / 100n;

  const claims = districts
    .map((district, index) => ({ district, amount: amounts[index] as WholeYuan }))
    .filter(({ amount }) => amount.remainderFen.numerator > 0n && amount.floorFen + 100n <= capFen)
    .sort(
      (a, b) =>
        compare(b.amount.remainderFen, a.amount.remainderFen) ||
        compare(b.district.blendedShare, a.district.blendedShare) ||
        b.district.communities - a.district.communities ||
        b.district.input.olderResidents - a.district.input.olderResidents ||
        // Codes are unique, and compared by code unit so that the locale plays no part.
        (a.district.input.districtCode < b.district.input.districtCode ? -1 : 1),
    );
  for (const { amount } of claims) {
    if (leftoverYuan <= 0n) break;
    amount.roundedUp = true;
    amount.amountFen += 100n;
    leftoverYuan -= 1n;
  }
  return amounts;
}

interface Problem {
  field: string;
  message: string;
}

const FIGURES = ['urbanCommunities', 'ruralCommunities', 'olderResidents'] as const;

function validated(
  inputs: DistrictInput[],
  rules: AllocationRules,
): { communityWeight: Fraction; olderResidentWeight: Fraction } {
  const problems: Problem[] = [];

  if (!Array.isArray(inputs) || inputs.length === 0) {
    problems.push({ field: 'inputs', message: 'At least one district is needed.' });
  }
  const seen = new Set<string>();
  (Array.isArray(inputs) ? inputs : []).forEach((input, index) => {
    const code = input.districtCode;
    if (typeof code !== 'string' || code.trim() === '') {
      problems.push({ field: `inputs[${index}].districtCode`, message: 'A district needs its code.' });
    } else if (seen.has(code)) {
      problems.push({ field: `inputs[${index}].districtCode`, message: `District ${code} is listed twice.` });
    }
    seen.add(code);
    for (const figure of FIGURES) {
      const value: unknown = input[figure];
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        problems.push({
          field: `inputs[${index}].${figure}`,
          message: `${figure} of ${String(code)} must be a whole number, 0 or more, not ${String(value)}.`,
        });
      }
    }
  });

  for (const field of ['budgetFen', 'capFen'] as const) {
    const value: unknown = rules[field];
    if (typeof value !== 'bigint' || value < 0n) {
      problems.push({ field, message: `${field} must be a bigint of fen, 0 or more.` });
    } else if (value % 100n !== 0n) {
      problems.push({ field, message: `${field} must be whole yuan (a multiple of 100 fen), not ${value}.` });
    }
  }

  const communityWeight = weightOf(rules.communityWeight, 'communityWeight', problems);
  const olderResidentWeight = weightOf(rules.olderResidentWeight, 'olderResidentWeight', problems);
  if (
    communityWeight &&
    olderResidentWeight &&
    compare(add(communityWeight, olderResidentWeight), ONE) !== 0
  ) {
    const message =
      `communityWeight ${rules.communityWeight} and olderResidentWeight ${rules.olderResidentWeight} ` +
      'must sum to exactly 1.';
    problems.push({ field: 'communityWeight', message }, { field: 'olderResidentWeight', message });
  }

  if (problems.length > 0 || !communityWeight || !olderResidentWeight) {
    throw new ValidationError('The allocation cannot be calculated; correct the fields listed.', problems);
  }
  return { communityWeight, olderResidentWeight };
}

// Plain decimals only ("0.5", "0.35", "1"): no sign, exponent or separators, so no float is involved.
const WEIGHT_PATTERN = /^(\d+)(?:\.(\d+))?$/;

function weightOf(text: unknown, field: string, problems: Problem[]): Fraction | null {
  const match = typeof text === 'string' ? WEIGHT_PATTERN.exec(text.trim()) : null;
  if (!match) {
    problems.push({
      field,
      message: `${field} must be a decimal such as "0.5", not ${JSON.stringify(text)}.`,
    });
    return null;
  }
  const decimals = match[2] ?? '';
  const weight = fraction(BigInt(`${match[1]}${decimals}`), 10n ** BigInt(decimals.length));
  if (compare(weight, ONE) > 0) {
    problems.push({ field, message: `${field} must be between 0 and 1, not ${text as string}.` });
    return null;
  }
  return weight;
}

/** An exact non-negative fraction, kept reduced, with a positive denominator. */
interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

const ZERO: Fraction = { numerator: 0n, denominator: 1n };
const ONE: Fraction = { numerator: 1n, denominator: 1n };

function fraction(numerator: bigint, denominator: bigint): Fraction {
  let [a, b] = [numerator < 0n ? -numerator : numerator, denominator];
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? ZERO : { numerator: numerator / a, denominator: denominator / a };
}

function add(x: Fraction, y: Fraction): Fraction {
  return fraction(x.numerator * y.denominator + y.numerator * x.denominator, x.denominator * y.denominator);
}

function subtract(x: Fraction, y: Fraction): Fraction {
  return fraction(x.numerator * y.denominator - y.numerator * x.denominator, x.denominator * y.denominator);
}

function multiply(x: Fraction, y: Fraction): Fraction {
  return fraction(x.numerator * y.numerator, x.denominator * y.denominator);
}

/** x ÷ y for y > 0. */
function divide(x: Fraction, y: Fraction): Fraction {
  return fraction(x.numerator * y.denominator, x.denominator * y.numerator);
}

function compare(x: Fraction, y: Fraction): number {
  const left = x.numerator * y.denominator;
  const right = y.numerator * x.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** A non-negative fraction as a decimal with exactly `places` places, half up: 1/3, 6 → "0.333333". */
function decimal(x: Fraction, places: number): string {
  const scale = 10n ** BigInt(places);
  const scaled = (2n * x.numerator * scale + x.denominator) / (2n * x.denominator);
  const digits = scaled.toString().padStart(places + 1, '0');
  return `${digits.slice(0, -places)}.${digits.slice(-places)}`;
}
