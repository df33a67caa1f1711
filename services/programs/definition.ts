import type { Deadline, StageTable } from '../../workflows/stages';

/*
 * A program as data: what a definition file (services/programs/definitions/*.yaml) holds
 * once it has been parsed and validated. One published definition is one program version;
 * an application pins the version it was submitted under and is judged by it to the end.
 *
 * Expressions (eligibility rules, the amount formula) are JSONata restricted to a safe
 * subset, see expressions.ts. In them, facts about the application are plain names
 * (`subjectsPassed`) and parameters are variables (`$reward_per_bed_fen`).
 */

/** Who may apply. */
export type ApplicantType = 'provider' | 'township' | 'district';

/**
 * How applications are decided: one by one through the stage table, as a competitive
 * round (all applications of a call scored and ranked together), or as an allocation
 * (no applications: the city sizes each district's share by formula).
 */
export type ProgramProcess = 'staged_review' | 'competitive_round' | 'allocation';

export type ParameterValue = number | string | boolean;

/** One value of a parameter and the dates it holds: `from` inclusive, `to` exclusive or open. */
export interface ParameterPeriod {
  from: string;
  to: string | null;
  value: ParameterValue;
}

export interface ParameterDefinition {
  /** snake_case; referenced in expressions as `$name`. */
  name: string;
  /** What it means, in Chinese, as the bureau would write it. */
  description: string;
  /**
   * The short name printed on notices beside the value, such as 每张床位奖补标准, without a
   * unit: the value carries its own. Without it the description is printed.
   */
  label?: string;
  /** The clause of the policy text it implements, such as 二(四)4. */
  policyClause: string;
  unit: 'fen' | 'count' | 'ratio' | 'months' | 'days' | 'text' | 'boolean';
  /** True when the policy names no figure and the value is an example the bureau must confirm. */
  example: boolean;
  /** Non-overlapping periods, in date order. */
  values: ParameterPeriod[];
}

/** A fact the applicant supplies with the application, beyond the common fields. */
export interface FactDefinition {
  /** camelCase; referenced in expressions by this name. */
  name: string;
  /** The label applicants and reviewers see, in Chinese. */
  label: string;
  type: 'integer' | 'number' | 'boolean' | 'text' | 'choice' | 'date';
  required: boolean;
  min?: number;
  max?: number;
  /** For `choice`: the allowed values. */
  choices?: string[];
  /** For `choice`: how each value is printed on notices, such as 老年食堂 for elder_canteen. */
  choiceLabels?: Record<string, string>;
}

/** What an award is for, and so what must not be funded twice. */
export interface SubjectDefinition {
  /** `bed`: the application lists beds, each for one older person. Others name the subject by a fact. */
  kind: 'bed' | 'facility' | 'organisation' | 'region';
  /** As printed: 床位, 服务设施… */
  name: string;
  /** For kinds other than `bed`: the fact whose value identifies the subject. */
  keyFact?: string;
}

export interface DocumentRequirement {
  kind: string;
  /** As printed, in Chinese. */
  name: string;
  required: boolean;
  /** Whether one is needed per application or per subject (bed). */
  per: 'application' | 'subject';
}

export interface RuleDefinition {
  id: string;
  /** What the rule requires, in plain Chinese. */
  description: string;
  /** A JSONata expression; true means the rule passes. */
  when: string;
  /** Quoted in a refusal notice; `{name}` and `{$parameter}` are replaced by the values seen. */
  failMessage: string;
}

export interface AmountDefinition {
  /** A JSONata expression giving the award in whole fen. */
  formula: string;
  /** How the amount is worked out, in plain Chinese, for the award notice. */
  description: string;
}

/** Caps name parameters (in fen), so that they can change by date like any other figure. */
export interface CapsDefinition {
  perApplicantPerYear?: string;
  perRegionPerYear?: { level: 'district' | 'township'; parameter: string };
  perProgramPerYear?: string;
}

export interface ChecksDefinition {
  /** Refuse applicants on the blacklist (黑名单). */
  blacklist: boolean;
  /**
   * No subject funded twice for overlapping periods, across all programs that share the
   * funding group. `once`: a subject is funded at most once, ever; `year`: once per year.
   */
  doublePayment: { fundingGroup: string; period: 'once' | 'year' } | null;
  /**
   * Coordination with long-term care insurance (长期护理保险): the text parameter named
   * here says what to do with a bed whose person is already covered: `flag` or `exclude`.
   */
  longTermCareInsurance: { actionParameter: string } | null;
  /** Flag the same bank account used by an unrelated applicant. */
  sharedBankAccount: boolean;
}

/** When applications are accepted each year, as MM-DD dates in Asia/Shanghai, inclusive. */
export interface ApplicationWindow {
  opens: string;
  closes: string;
  firstYear: number;
  lastYear: number | null;
}

/** One criterion of an expert's scoring rubric. */
export interface RubricCriterion {
  id: string;
  /** As experts and applicants read it, in Chinese. */
  name: string;
  /** Its share of the total, in percent; the weights of a rubric add up to 100. */
  weight: number;
  /** Whole points an expert may give, inclusive. */
  min: number;
  max: number;
}

/**
 * How a competitive round (竞争立项) is run: the random expert draw (双随机), the rubric,
 * deadlines, aggregation, tie-breaks and the public notice (公示). Required exactly when the
 * process is `competitive_round`.
 */
export interface CompetitionDefinition {
  /** Experts drawn at random for each application; never from the applicant's own district. */
  expertsPerApplication: number;
  rubric: RubricCriterion[];
  /**
   * An expert's weighted total below this (on the 0–100 scale a rubric of 0–100 criteria gives)
   * must come with a comment.
   */
  commentRequiredBelow: number;
  /** From an expert's assignment to the scoring deadline; one who has not scored is replaced. */
  scoringPeriod: Deadline;
  /** From assignment to the reminder, which must come before the deadline. */
  reminderAfter: Deadline;
  /** Drop the highest and the lowest total when at least this many experts scored. */
  trimWhenAtLeast: number;
  /**
   * Tie-breaks in order, after the aggregated score: `criterion:<id>` (higher mean first) or
   * `earliest_submission`. The reference number decides last, so that a ranking is never random.
   */
  tieBreaks: string[];
  /** The count parameter that says how many winners a year. */
  winnersParameter: string;
  /** The boolean parameter that says whether an earlier winner may win again. */
  mayWinAgainParameter: string;
  /** How long the winners are published (公示) for objections. */
  noticePeriod: Deadline;
}

export interface ProgramDefinition {
  code: string;
  name: string;
  policyClause: string;
  /** The day this version takes effect for new applications (YYYY-MM-DD). */
  effectiveFrom: string;
  process: ProgramProcess;
  /** Two to six capital letters that begin each application reference, such as JTCW. */
  referencePrefix: string;
  applicantTypes: ApplicantType[];
  /** Fund sources the awards draw on, in the order they are tried. */
  fundSources: string[];
  window: ApplicationWindow;
  subject: SubjectDefinition;
  facts: FactDefinition[];
  documents: DocumentRequirement[];
  stages: StageTable;
  eligibility: RuleDefinition[];
  amount: AmountDefinition;
  caps: CapsDefinition;
  checks: ChecksDefinition;
  parameters: ParameterDefinition[];
  /** Only for `competitive_round` programs. */
  competition?: CompetitionDefinition;
}
