import { formatYuan } from '../money/words';

export interface HomeBedAwardInput {
  bedsInspected: number;
  bedsPassed: number;
  /** Beds the provider runs that passed inspection, this application included. */
  providerOperatingBeds: number;
  rewardPerBedFen: bigint;
  minimumOperatingBeds: number;
}

export interface HomeBedAward {
  eligible: boolean;
  awardFen: bigint;
  /** Each step as a person would check it, for the decision notice and the record. */
  lines: Array<{ label: string; value: string }>;
  /** Why the provider is not eligible, in plain Chinese, when it is not. */
  reasons: string[];
}

/**
 * The reward: passing beds × reward per bed, provided the provider reaches the operating
 * scale. Pure, so that the figure on the notice can be recomputed from the record alone.
 */
export function computeHomeBedAward(input: HomeBedAwardInput): HomeBedAward {
  const reasons: string[] = [];
  if (input.bedsPassed === 0) reasons.push('没有床位通过实地核查，不符合建设标准。');
  if (input.providerOperatingBeds < input.minimumOperatingBeds) {
    reasons.push(
      `运营机构运营的家庭养老床位 ${input.providerOperatingBeds} 张，未达到运营规模要求（不少于 ${input.minimumOperatingBeds} 张）。`,
    );
  }
  const eligible = reasons.length === 0;
  const awardFen = eligible ? BigInt(input.bedsPassed) * input.rewardPerBedFen : 0n;
  return {
    eligible,
    awardFen,
    reasons,
    lines: [
      { label: '核查床位数', value: `${input.bedsInspected} 张` },
      { label: '通过核查床位数', value: `${input.bedsPassed} 张` },
      {
        label: '机构运营床位数',
        value: `${input.providerOperatingBeds} 张（要求不少于 ${input.minimumOperatingBeds} 张）`,
      },
      {
        label: '计算',
        value: `${input.bedsPassed} 张 × ${formatYuan(input.rewardPerBedFen)} 元 = ${formatYuan(awardFen)} 元`,
      },
    ],
  };
}
