/*
 * Eligibility rules and amount formulas are written by the bureau in definition files: data
 * that behaves like code. They are JSONata (the `jsonata` package) for these reasons:
 *  - it is an interpreter of its own syntax tree, with no eval and no way to name a JS global,
 *    a prototype or a module, so a definition cannot run code on our servers (Node's `vm` is
 *    not a security boundary, and a grammar of our own would be ours alone to maintain);
 *  - arithmetic, comparisons and `? :` read much as the policy text does, and the parse tree
 *    is public (`ast()`), so an expression can be checked before a version is published;
 *  - IBM maintains it, it has no dependencies, and configuration logic is its common use.
 * On top of it we allow only a small subset, checked on the tree by expression-subset.ts, so
 * that every expression ends, reads only the values it names, and can list those names.
 *
 * CONTRACT: the definition validator and the award work call compileExpression, evaluateRules
 * and evaluateAmount; do not change their signatures without telling them.
 */
import jsonata from 'jsonata';

import type { AmountDefinition, ParameterValue, RuleDefinition } from './definition';
import { checkSubset, ExpressionError } from './expression-subset';
import type { ResolvedParameter } from './parameters';

// The checker throws it too, so it lives there; callers still import everything from here.
export { ExpressionError };

/** A value an expression may see: facts and parameters are numbers, strings or booleans. */
export type ExpressionValue = number | string | boolean | null;

export interface CompiledExpression {
  source: string;
  /** Fact names the expression reads (plain names). */
  facts: string[];
  /** Parameter names the expression reads (`$name`, without the `$`). */
  parameters: string[];
}

/** A checked expression, ready to evaluate. */
interface Checked {
  compiled: CompiledExpression;
  expression: jsonata.Expression;
}

// A rule anyone can review fits in far less; the bound also keeps the recursive checks shallow.
const MAX_SOURCE_LENGTH = 2000;

function parseChecked(source: string): Checked {
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ExpressionError(`An expression may not be longer than ${MAX_SOURCE_LENGTH} characters`);
  }

  let expression: jsonata.Expression;
  try {
    expression = jsonata(source);
  } catch (error) {
    // jsonata throws plain objects with a code, a message and the offset just past the token.
    const { message, position } = error as { message?: string; position?: number };
    const where = position === undefined ? '' : ` at character ${position}`;
    const hint = /(^|[\s(])not\s/.test(source) ? ' (negation is written $not(x))' : '';
    throw new ExpressionError(`Syntax error${where}: ${message ?? String(error)}${hint}`, position);
  }

  const compiled = { source, ...checkSubset(expression.ast()) };
  return { compiled, expression };
}

/**
 * Parses an expression and checks that it uses only the allowed subset.
 * @throws ExpressionError naming the problem.
 */
export function compileExpression(source: string): CompiledExpression {
  return parseChecked(source).compiled;
}

/** A value an evaluation read; parameters carry where their value comes from. */
export interface TraceValue {
  name: string;
  kind: 'fact' | 'parameter';
  /** Null when the value was missing. */
  value: ExpressionValue;
  effectiveFrom?: string;
  effectiveTo?: string | null;
  policyClause?: string;
  example?: boolean;
}

/** One eligibility rule as evaluated, kept whole in the record of the decision. */
export interface RuleTrace {
  id: string;
  description: string;
  expression: string;
  values: TraceValue[];
  passed: boolean;
  /** The rule's message with the values filled in when it failed; null when it passed. */
  failMessage: string | null;
  /** Why it could not be evaluated (a missing value, a wrong type), in Chinese; else null. */
  error: string | null;
}

/** The amount formula as evaluated. */
export interface AmountTrace {
  formula: string;
  description: string;
  values: TraceValue[];
  /** Whole fen, as a decimal string. */
  amountFen: string;
}

type Facts = Record<string, ExpressionValue>;
type Parameters = Record<string, ResolvedParameter>;
type Names = Pick<CompiledExpression, 'facts' | 'parameters'>;

const PLACEHOLDER = /\{(\$?)([A-Za-z_][A-Za-z0-9_]*)\}/g;

// The caller's records are plain objects, where `constructor` would be Object's, not a fact.
function own<T>(record: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

function traceValues(names: Names, facts: Facts, parameters: Parameters): TraceValue[] {
  const values = names.facts.map((name): TraceValue => ({
    name,
    kind: 'fact',
    value: own(facts, name) ?? null,
  }));
  for (const name of names.parameters) {
    const { value = null, effectiveFrom, effectiveTo, policyClause, example } = own(parameters, name) ?? {};
    values.push({ name, kind: 'parameter', value, effectiveFrom, effectiveTo, policyClause, example });
  }
  return values;
}

/*
 * Every name an expression reads must be given, even one in a branch not taken: a value that
 * is silently absent turns `$not(x = 1)` true. Optional facts arrive as null, not undefined.
 */
function missingNames(names: Names, facts: Facts, parameters: Parameters): string[] {
  const absentFacts = names.facts.filter((name) => own(facts, name) === undefined);
  const absentParameters = names.parameters.filter((name) => own(parameters, name)?.value === undefined);
  return [...absentFacts, ...absentParameters.map((name) => `$${name}`)];
}

async function run(checked: Checked, facts: Facts, parameters: Parameters): Promise<unknown> {
  // Null prototypes: a fact or parameter named `constructor` or `__proto__` is only itself.
  const input: Facts = Object.create(null);
  for (const name of checked.compiled.facts) input[name] = own(facts, name) ?? null;
  const bindings: Record<string, ParameterValue | undefined> = Object.create(null);
  for (const name of checked.compiled.parameters) bindings[name] = own(parameters, name)?.value;
  return checked.expression.evaluate(input, bindings);
}

function errorText(error: unknown): string {
  // jsonata throws plain objects with a message, not Errors.
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

function display(value: ExpressionValue): string {
  if (value === null) return '未提供';
  if (typeof value === 'boolean') return value ? '是' : '否';
  return String(value);
}

/** The facts and parameters a fail message names as `{fact}` and `{$parameter}`. */
export function failMessageNames(template: string): Names {
  const facts = new Set<string>();
  const parameters = new Set<string>();
  for (const [, dollar, name = ''] of template.matchAll(PLACEHOLDER)) {
    (dollar ? parameters : facts).add(name);
  }
  return { facts: [...facts].sort(), parameters: [...parameters].sort() };
}

/**
 * Fills `{fact}` and `{$parameter}` with the values given: numbers as written, booleans as
 * 是/否, a value not given or null as 未提供.
 */
export function renderFailMessage(template: string, values: TraceValue[]): string {
  return template.replace(PLACEHOLDER, (_whole, dollar: string, name: string) => {
    const kind = dollar ? 'parameter' : 'fact';
    return display(values.find((value) => value.name === name && value.kind === kind)?.value ?? null);
  });
}

async function evaluateRule(rule: RuleDefinition, facts: Facts, parameters: Parameters): Promise<RuleTrace> {
  const { id, description, when: expression } = rule;
  const trace: RuleTrace = {
    id,
    description,
    expression,
    values: [],
    passed: false,
    failMessage: null,
    error: null,
  };
  try {
    const checked = parseChecked(expression);
    trace.values = traceValues(checked.compiled, facts, parameters);
    const missing = missingNames(checked.compiled, facts, parameters);
    if (missing.length > 0) trace.error = `缺少数据：${missing.join('、')}`;
    else trace.passed = (await run(checked, facts, parameters)) === true;
  } catch (error) {
    trace.error = `规则无法计算：${errorText(error)}`;
  }

  if (!trace.passed) {
    // The message may quote values the expression does not read, such as the beds applied for.
    const quoted = traceValues(failMessageNames(rule.failMessage), facts, parameters);
    trace.failMessage = renderFailMessage(rule.failMessage, quoted);
  }
  return trace;
}

/**
 * Evaluates each rule on the facts and parameters. A rule passes only when it gives exactly
 * `true`; a missing value or an evaluation error fails it with `error` set. Never throws for
 * the data it is given.
 */
export async function evaluateRules(
  rules: RuleDefinition[],
  facts: Facts,
  parameters: Parameters,
): Promise<RuleTrace[]> {
  const traces: RuleTrace[] = [];
  for (const rule of rules) traces.push(await evaluateRule(rule, facts, parameters));
  return traces;
}

/**
 * Works out the amount in whole fen, with the values the formula read.
 * @throws ExpressionError when a value is missing, the formula fails, or it gives anything but
 *   a non-negative safe integer: a defect of the definition, not of the application.
 */
export async function evaluateAmount(
  amount: AmountDefinition,
  facts: Facts,
  parameters: Parameters,
): Promise<AmountTrace> {
  const checked = parseChecked(amount.formula);
  const values = traceValues(checked.compiled, facts, parameters);
  const formula = `The amount formula ${JSON.stringify(amount.formula)}`;
  const missing = missingNames(checked.compiled, facts, parameters);
  if (missing.length > 0) throw new ExpressionError(`${formula} is missing ${missing.join(', ')}`);

  let result: unknown;
  try {
    result = await run(checked, facts, parameters);
  } catch (error) {
    throw new ExpressionError(`${formula} failed: ${errorText(error)}`);
  }
  if (typeof result !== 'number' || !Number.isSafeInteger(result) || result < 0) {
    const shown = typeof result === 'number' ? String(result) : (JSON.stringify(result) ?? 'nothing');
    throw new ExpressionError(`${formula} gave ${shown}, not a whole number of fen from 0 up`);
  }
  return { formula: amount.formula, description: amount.description, values, amountFen: String(result) };
}

export type { ParameterValue };
