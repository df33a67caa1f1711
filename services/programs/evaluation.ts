import { formatYuan } from '../money/words';
import type { CapsDefinition, ProgramDefinition } from './definition';
import {
  evaluateAmount,
  evaluateRules,
  type AmountTrace,
  type ExpressionValue,
  type RuleTrace,
  type TraceValue,
} from './expressions';
import { ENGINE_FACT_LABELS, type EngineFactName } from './facts';
import type { ResolvedParameter } from './parameters';

/*
 * One evaluation of an application under its pinned program version: every rule with the
 * values it saw, the formula with every parameter it used, each cap that applied, and the
 * outcome. Stored whole, so that anyone can see later why an applicant got what it got.
 */

export type CapName = keyof CapsDefinition;

/** How much of a cap is already used this year, worked out by the caller from the record. */
export interface CapUsage {
  cap: CapName;
  parameter: string;
  usedFen: bigint;
}

export interface CapStep {
  cap: CapName;
  parameter: string;
  capFen: string;
  usedFen: string;
  roomFen: string;
  /** True when the cap lowered the amount. */
  applied: boolean;
}

export interface Evaluation {
  programCode: string;
  programVersion: number;
  /** The day whose parameter values were used (YYYY-MM-DD). */
  onDate: string;
  facts: Record<string, ExpressionValue>;
  rules: RuleTrace[];
  amount: AmountTrace | null;
  caps: CapStep[];
  eligible: boolean;
  /** Why not, in plain Chinese: the failed rules' messages, then any cap that left nothing. */
  reasons: string[];
  awardFen: string;
  /** The calculation as an award notice prints it. */
  lines: Array<{ label: string; value: string }>;
}

const CAP_LABELS: Record<CapName, string> = {
  perApplicantPerYear: '每个申报主体年度奖补上限',
  perRegionPerYear: '本区域年度奖补上限',
  perProgramPerYear: '本项目年度奖补总额上限',
};

/** Applies the caps in order; each leaves at most the room still unused this year. */
function applyCaps(
  amountFen: bigint,
  usages: CapUsage[],
  parameters: Record<string, ResolvedParameter>,
): { awardFen: bigint; steps: CapStep[]; reasons: string[] } {
  let awardFen = amountFen;
  const steps: CapStep[] = [];
  const reasons: string[] = [];
  for (const usage of usages) {
    const capFen = BigInt(Number(parameters[usage.parameter]?.value ?? 0));
    const room = capFen > usage.usedFen ? capFen - usage.usedFen : 0n;
    const applied = awardFen > room;
    if (applied) awardFen = room;
    steps.push({
      cap: usage.cap,
      parameter: usage.parameter,
      capFen: capFen.toString(),
      usedFen: usage.usedFen.toString(),
      roomFen: room.toString(),
      applied,
    });
    if (applied && room === 0n) {
      reasons.push(`${CAP_LABELS[usage.cap]}${formatYuan(capFen)}元已用完，本申请无可安排的奖补额度。`);
    }
  }
  return { awardFen, steps, reasons };
}

function displayValue(
  value: TraceValue,
  parameters: Record<string, ResolvedParameter>,
  definition: ProgramDefinition,
): string {
  if (value.value === null) return '未提供';
  const choice = definition.facts.find((fact) => fact.name === value.name)?.choiceLabels?.[
    String(value.value)
  ];
  if (value.kind === 'fact' && choice) return choice;
  if (typeof value.value === 'boolean') return value.value ? '是' : '否';
  const unit = definition.parameters.find((p) => p.name === value.name)?.unit;
  if (value.kind === 'parameter' && unit === 'fen') return `${formatYuan(BigInt(Number(value.value)))}元`;
  if (value.kind === 'parameter' && parameters[value.name]?.example) return `${value.value}（示例值）`;
  return String(value.value);
}

function labelOf(value: TraceValue, definition: ProgramDefinition): string {
  if (value.kind === 'parameter') {
    const parameter = definition.parameters.find((p) => p.name === value.name);
    return parameter?.label ?? parameter?.description ?? value.name;
  }
  const declared = definition.facts.find((f) => f.name === value.name);
  return declared?.label ?? ENGINE_FACT_LABELS[value.name as EngineFactName] ?? value.name;
}

/**
 * Evaluates the rules; when all pass, the formula and then the caps.
 * @throws ExpressionError when the formula gives no whole, non-negative number of fen —
 *   a defect of the definition, not of the application.
 */
export async function evaluateApplication(input: {
  definition: ProgramDefinition;
  programVersion: number;
  onDate: string;
  facts: Record<string, ExpressionValue>;
  parameters: Record<string, ResolvedParameter>;
  capUsages: CapUsage[];
}): Promise<Evaluation> {
  const { definition, parameters } = input;
  const rules = await evaluateRules(definition.eligibility, input.facts, parameters);
  const failed = rules.filter((rule) => !rule.passed);
  const base = {
    programCode: definition.code,
    programVersion: input.programVersion,
    onDate: input.onDate,
    facts: input.facts,
    rules,
  };
  if (failed.length > 0) {
    const reasons = failed.map((rule) => {
      const message = rule.failMessage ?? rule.description;
      return rule.error ? `${message}（${rule.error}）` : message;
    });
    return { ...base, amount: null, caps: [], eligible: false, reasons, awardFen: '0', lines: [] };
  }

  const amount = await evaluateAmount(definition.amount, input.facts, parameters);
  const capped = applyCaps(BigInt(amount.amountFen), input.capUsages, parameters);
  const lines = [
    ...amount.values.map((value) => ({
      label: labelOf(value, definition),
      value: displayValue(value, parameters, definition),
    })),
    { label: '计算方法', value: definition.amount.description },
    ...capped.steps
      .filter((step) => step.applied)
      .map((step) => ({
        label: CAP_LABELS[step.cap],
        value: `${formatYuan(BigInt(step.capFen))}元，本年度已安排${formatYuan(BigInt(step.usedFen))}元`,
      })),
  ];
  const eligible = capped.awardFen > 0n;
  return {
    ...base,
    amount,
    caps: capped.steps,
    eligible,
    reasons: eligible ? [] : capped.reasons.length > 0 ? capped.reasons : ['按计算公式核定的奖补金额为零。'],
    awardFen: capped.awardFen.toString(),
    lines,
  };
}
