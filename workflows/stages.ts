/*
 * A program's review chain as data: which stage comes next, who may decide it, and what
 * each decision leads to. The generic application workflow reads this table and the API
 * checks against it too. Pure data and functions: safe inside the workflow sandbox.
 */

export type Role =
  | 'applicant'
  | 'township_reviewer'
  | 'district_assessor'
  | 'district_reviewer'
  | 'city_reviewer'
  | 'finance_officer'
  | 'admin'
  | 'expert';

export type RegionLevel = 'township' | 'district' | 'city';

export type NoticeKind = 'acceptance' | 'documents_requested' | 'refusal' | 'award' | 'payment';

/**
 * Where a decision leads: another stage, back to the applicant, a refusal, the award, or —
 * in a competitive program — into the round, where the application is scored and ranked
 * with the others and the round decides the award.
 */
export type DecisionTarget =
  | { to: 'stage'; stage: string }
  | { to: 'applicant' }
  | { to: 'refused' }
  | { to: 'award' }
  | { to: 'round' };

export interface DecisionRule {
  target: DecisionTarget;
  /** Refusals and returns must say why: the applicant reads the reasons. */
  reasonsRequired: boolean;
  notice?: NoticeKind;
  /**
   * Only for a return to the applicant: how long they have to answer (补正期限). Past it the
   * application lapses and is refused; without it, it waits for the applicant indefinitely.
   */
  answerWithin?: Deadline;
}

export interface StageDefinition {
  id: string;
  /** The name applicants and reviewers see, e.g. 初审. */
  name: string;
  role: Role;
  level: RegionLevel;
  /** `inspection` stages also take per-bed findings before their decision. */
  kind: 'review' | 'inspection';
  decisions: Record<string, DecisionRule>;
  /** How long the deciding role has: a reminder goes to them when it is reached. */
  sla?: Deadline;
  /** How long after the SLA the supervisor is alerted; absent means no escalation. */
  escalation?: Deadline;
  /** The supervisor alerted past the SLA; by default the next level up. */
  escalateTo?: { role: Role; level: RegionLevel };
}

/**
 * A span of time: working days by the working-day calendar, or an ISO 8601 duration
 * (PT48H) for deadlines counted in clock time. Turned into an absolute time by an
 * activity, since the calendar is data the workflow cannot read.
 */
export type Deadline = { workingDays: number } | { duration: string };

export interface StageTable {
  first: string;
  stages: StageDefinition[];
}

export type ApplicationStatus =
  /** Submitted to a competitive round that is still open: screening starts when it closes. */
  | 'awaiting_round'
  | 'under_review'
  /** Screened into a competitive round: the round scores, ranks and decides. */
  | 'in_round'
  /** Not among the round's winners: final. */
  | 'not_selected'
  /** Awarded in a round, then withdrawn after an upheld objection: final. */
  | 'award_withdrawn'
  | 'awaiting_applicant'
  | 'refused'
  | 'awaiting_funds'
  /** A district's line of an allocation by formula, until the district acknowledges its notice. */
  | 'awaiting_acknowledgement'
  | 'awaiting_payment'
  | 'payment_prepared'
  | 'payment_sent'
  | 'paid';

/** Statuses after which nothing more happens to an application. */
export const FINAL_STATUSES: readonly ApplicationStatus[] = [
  'refused',
  'paid',
  'not_selected',
  'award_withdrawn',
];

export function findStage(table: StageTable, stageId: string): StageDefinition | undefined {
  return table.stages.find((stage) => stage.id === stageId);
}

/**
 * Where an application stands after a decision leading to `target`, taken at `stageId`.
 * The award keeps the deciding stage until the award step settles the status.
 */
export function positionAfter(
  target: DecisionTarget,
  stageId: string,
): { status: ApplicationStatus; stageId: string } {
  switch (target.to) {
    case 'stage':
      return { status: 'under_review', stageId: target.stage };
    case 'applicant':
      return { status: 'awaiting_applicant', stageId };
    case 'refused':
      return { status: 'refused', stageId };
    case 'award':
      return { status: 'under_review', stageId };
    case 'round':
      return { status: 'in_round', stageId };
  }
}

/** The region an actor must belong to for a stage at `level`. */
export function regionForLevel(
  level: RegionLevel,
  application: { townshipCode: string; districtCode: string; cityCode: string },
): string {
  if (level === 'township') return application.townshipCode;
  if (level === 'district') return application.districtCode;
  return application.cityCode;
}

/**
 * Checks a table for the mistakes that would strand an application: unknown targets,
 * unreachable or missing stages, a chain that never reaches the award.
 * @returns the problems found; empty when the table is sound.
 */
export function stageTableProblems(table: StageTable): string[] {
  const problems: string[] = [];
  const ids = new Set(table.stages.map((stage) => stage.id));
  if (!ids.has(table.first)) problems.push(`first stage "${table.first}" is not defined`);
  let reachesAward = false;
  for (const stage of table.stages) {
    if (Object.keys(stage.decisions).length === 0) problems.push(`stage "${stage.id}" has no decisions`);
    for (const [name, rule] of Object.entries(stage.decisions)) {
      if (rule.target.to === 'stage' && !ids.has(rule.target.stage)) {
        problems.push(`stage "${stage.id}" decision "${name}" leads to unknown stage "${rule.target.stage}"`);
      }
      if (rule.target.to === 'award' || rule.target.to === 'round') reachesAward = true;
    }
  }
  if (!reachesAward) problems.push('no decision leads to the award');
  return problems;
}
