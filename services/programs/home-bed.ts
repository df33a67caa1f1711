import type { StageTable } from '../../workflows/stages';

/**
 * Home elderly-care bed rewards (家庭养老床位奖补), policy section 二(二)1.
 * A provider equips older people's homes as care beds; beds that pass the construction
 * standard, run by a provider of a sufficient operating scale, earn a reward per bed.
 */
export const HOME_BED_PROGRAM_CODE = 'home-bed';
export const HOME_BED_POLICY_CLAUSE = '二(二)1';

const refuse = { target: { to: 'refused' }, reasonsRequired: true, notice: 'refusal' } as const;
const returnToApplicant = { target: { to: 'applicant' }, reasonsRequired: true } as const;

/** 申报 → 受理 → 初审 → 实地核查 → 复核 → 审定 → award. */
export const HOME_BED_STAGES: StageTable = {
  first: 'completeness',
  stages: [
    {
      id: 'completeness',
      name: '受理（形式审查）',
      role: 'township_reviewer',
      level: 'township',
      kind: 'review',
      decisions: {
        accept: {
          target: { to: 'stage', stage: 'first_review' },
          reasonsRequired: false,
          notice: 'acceptance',
        },
        request_documents: {
          target: { to: 'applicant' },
          reasonsRequired: true,
          notice: 'documents_requested',
        },
        refuse,
      },
    },
    {
      id: 'first_review',
      name: '初审',
      role: 'township_reviewer',
      level: 'township',
      kind: 'review',
      decisions: {
        approve: { target: { to: 'stage', stage: 'site_inspection' }, reasonsRequired: false },
        return: returnToApplicant,
        refuse,
      },
    },
    {
      id: 'site_inspection',
      name: '实地核查',
      role: 'district_assessor',
      level: 'district',
      kind: 'inspection',
      decisions: {
        complete: { target: { to: 'stage', stage: 'district_review' }, reasonsRequired: false },
      },
    },
    {
      id: 'district_review',
      name: '复核',
      role: 'district_reviewer',
      level: 'district',
      kind: 'review',
      decisions: {
        approve: { target: { to: 'stage', stage: 'city_review' }, reasonsRequired: false },
        return: returnToApplicant,
        refuse,
      },
    },
    {
      id: 'city_review',
      name: '审定',
      role: 'city_reviewer',
      level: 'city',
      kind: 'review',
      decisions: {
        approve: { target: { to: 'award' }, reasonsRequired: false },
        return: returnToApplicant,
        refuse,
      },
    },
  ],
};

/** Parameter names the award formula reads; their values and dates live in program_parameters. */
export const HOME_BED_PARAMETERS = {
  rewardPerBedFen: 'reward_per_bed_fen',
  minimumOperatingBeds: 'minimum_operating_beds',
} as const;
