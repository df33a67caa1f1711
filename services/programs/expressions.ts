/*
 * Eligibility rules and amount formulas are written by the bureau in definition files: data
 * that behaves like code. They are JSONata (the `jsonata` package) for these reasons:
 *  - it is an interpreter of its own syntax tree, with no eval and no way to name a JS global,
 *    a prototype or a module, so a definition cannot run code on our servers (Node's `vm` is
 *    not a security boundary, and a grammar of our own would be ours alone to maintain);
 *  - arithmetic, comparisons and `? :` read much as the policy text does, and the parse tree
 *    is public (`ast()`), so an expression can be checked before a version is published;
 *  - IBM maintains it, it has no dependencies, and configuration logic is its common use.
 * On top of it we allow a small subset, checked on the tree: literals, facts as single plain
 * names, `$parameters`, operators, `? :` with both branches, and a few pure functions with
 * fixed argument counts. Without bindings, lambdas, paths, ranges or `~>`, every expression
 * ends after steps bounded by its length, reads nothing but the values it names, and those
 * names can be listed, so the validator can check each one and a trace can show its value.
 *
 * CONTRACT: the definition validator and the award work call compileExpression, evaluateRules
 * and evaluateAmount; do not change their signatures without telling them.
 */
import jsonata from 'jsonata';

import type { AmountDefinition, ParameterValue, RuleDefinition } from './definition';
import type { ResolvedParameter } from './parameters';

/** A value an expression may see: facts and parameters are numbers, strings or booleans. */
export type ExpressionValue = number | string | boolean | null;

/** A syntax or safety problem in an expression; `position` is the character offset when known. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

export interface CompiledExpression {
  source: string;
  /** Fact names the expression reads (plain names). */
  facts: string[];
  /** Parameter names the expression reads (`$name`, without the `$`). */
  parameters: string[];
}

/** A node of jsonata's parse tree; its shape depends on `type`. */
interface AstNode {
  type: string;
  value?: unknown;
  position?: number;
  [key: string]: unknown;
}

/** A checked expression, ready to evaluate. */
interface Checked {
  compiled: CompiledExpression;
  expression: jsonata.Expression;
}

// A rule anyone can review fits in far less; the bound also keeps the recursive checks shallow.
const MAX_SOURCE_LENGTH = 2000;

/*
 * Allowed functions with their argument counts. The counts matter for safety too: called with
 * fewer arguments, several jsonata functions read the whole input object instead.
 */
const ONE_ARGUMENT = 'min max sum count floor ceil abs not exists boolean number string length';
const FUNCTIONS = new Map<string, [min: number, max: number]>([
  ...ONE_ARGUMENT.split(' ').map((name): [string, [number, number]] => [name, [1, 1]]),
  ['round', [1, 2]],
  ['contains', [2, 2]],
]);
const FUNCTIONS_TAKING_ARRAYS = new Set(['min', 'max', 'sum']);
const BINARY_OPERATORS = new Set('+ - * / % = != < <= > >= and or & in'.split(' '));

const FORBIDDEN_NODES: Record<string, string> = {
  bind: 'Assignment (:=) is not allowed: an expression cannot define variables',
  lambda: 'Function definitions are not allowed',
  regex: 'Regular expressions are not allowed',
  apply: 'The ~> operator is not allowed; call the function directly',
  transform: 'Transform expressions (| … | … |) are not allowed',
  partial: 'Partial application (? as an argument) is not allowed',
  wildcard: 'Wildcards (*) are not allowed; name the fact',
  descendant: 'The descendant operator (**) is not allowed',
  parent: 'The parent operator (%) is not allowed',
  sort: 'Sorting (^(…)) is not allowed',
};

// What each allowed node may carry; any other key hangs a filter, group or binding off it.
const SCALAR_KEYS = ['type', 'value', 'position'];
const ALLOWED_KEYS: Record<string, string[]> = {
  path: ['type', 'steps'],
  binary: [...SCALAR_KEYS, 'lhs', 'rhs'],
  unary: [...SCALAR_KEYS, 'expression', 'expressions'],
  block: ['type', 'position', 'expressions'],
  condition: ['type', 'position', 'condition', 'then', 'else'],
  function: [...SCALAR_KEYS, 'arguments', 'procedure'],
};
for (const type of ['number', 'string', 'value', 'variable', 'name']) ALLOWED_KEYS[type] = SCALAR_KEYS;

const ATTACHMENT_MESSAGES: Record<string, string> = {};
for (const [keys, message] of [
  ['predicate stages', 'Filters and indexes ([…]) are not allowed'],
  ['group', 'Object constructors and grouping ({…}) are not allowed'],
  ['focus index tuple', 'Context and position variables (@, #) are not allowed'],
  ['ancestor', 'The parent operator (%) is not allowed'],
  ['keepArray keepSingletonArray', 'Keeping arrays ([]) is not allowed'],
]) {
  for (const key of (keys as string).split(' ')) ATTACHMENT_MESSAGES[key] = message as string;
}

function refuse(message: string, node?: AstNode): never {
  const steps = node?.steps as AstNode[] | undefined;
  throw new ExpressionError(message, node?.position ?? steps?.[0]?.position);
}

function refuseExtraKeys(node: AstNode, allowed: string[]): void {
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined || allowed.includes(key)) continue;
    refuse(ATTACHMENT_MESSAGES[key] ?? `"${key}" on a ${node.type} is not allowed`, node);
  }
}

/** Walks the tree, refusing anything outside the subset and collecting the names it reads. */
class SubsetChecker {
  readonly facts = new Set<string>();
  readonly parameters = new Set<string>();

  check(node: AstNode, arrayAllowed = false): void {
    const forbidden = FORBIDDEN_NODES[node.type];
    if (forbidden) refuse(forbidden, node);
    if (node.type === 'unary' && node.value === '{') refuse(ATTACHMENT_MESSAGES.group as string, node);
    const keys = ALLOWED_KEYS[node.type];
    if (!keys) refuse(`Expressions of the kind "${node.type}" are not allowed`, node);
    refuseExtraKeys(node, keys);

    switch (node.type) {
      case 'variable':
        return this.variable(node);
      case 'path':
        return this.path(node);
      case 'binary':
        return this.binary(node);
      case 'unary':
        return this.unary(node, arrayAllowed);
      case 'block': {
        const expressions = node.expressions as AstNode[];
        if (expressions.length !== 1) {
          refuse('Parentheses must hold exactly one expression; ; sequences are not allowed', node);
        }
        return this.check(expressions[0] as AstNode);
      }
      case 'condition':
        if (node.else === undefined) refuse('A conditional needs both branches: test ? then : else', node);
        for (const part of ['condition', 'then', 'else']) this.check(node[part] as AstNode);
        return;
      case 'function':
        return this.call(node);
    }
  }

  private variable(node: AstNode): void {
    const name = node.value as string;
    if (name === '' || name === '$') {
      refuse('The context variables $ and $$ are not allowed; name a fact instead', node);
    }
    if (FUNCTIONS.has(name)) refuse(`$${name} is a function: call it with its arguments`, node);
    this.parameters.add(name);
  }

  private path(node: AstNode): void {
    const steps = node.steps as AstNode[];
    for (const step of steps) if (FORBIDDEN_NODES[step.type]) this.check(step);
    if (steps.length !== 1) {
      refuse('Nested paths such as a.b are not allowed; a fact is one plain name', node);
    }
    const step = steps[0] as AstNode;
    if (step.type !== 'name') {
      this.check(step);
      refuse('Only a plain fact name may stand here', node);
    }
    refuseExtraKeys(step, SCALAR_KEYS);
    this.facts.add(step.value as string);
  }

  private binary(node: AstNode): void {
    const operator = node.value as string;
    if (operator === '..') refuse('Ranges (..) are not allowed', node);
    if (!BINARY_OPERATORS.has(operator)) refuse(`The operator ${operator} is not allowed`, node);
    this.check(node.lhs as AstNode);
    // A list of choices is the one thing `in` is for: facilityType in ['a', 'b'].
    this.check(node.rhs as AstNode, operator === 'in');
  }

  private unary(node: AstNode, arrayAllowed: boolean): void {
    if (node.value === '-') return this.check(node.expression as AstNode);
    if (node.value !== '[') refuse(`The operator ${String(node.value)} is not allowed`, node);
    if (!arrayAllowed) {
      refuse('A list [...] is allowed only inside $min, $max, $sum or after in', node);
    }
    for (const item of node.expressions as AstNode[]) this.check(item);
  }

  private call(node: AstNode): void {
    const procedure = node.procedure as AstNode;
    if (procedure.type !== 'variable' || Object.keys(procedure).some((k) => !SCALAR_KEYS.includes(k))) {
      refuse('Only the allowed functions may be called, by name', node);
    }
    const name = procedure.value as string;
    const arity = FUNCTIONS.get(name);
    if (!arity) {
      const allowed = [...FUNCTIONS.keys()].map((f) => `$${f}`);
      refuse(`The function $${name} is not allowed; allowed are ${allowed.join(', ')}`, procedure);
    }

    const args = node.arguments as AstNode[];
    const [min, max] = arity;
    if (args.length < min || args.length > max) {
      const expected = min === max ? `${min}` : `${min} or ${max}`;
      refuse(`$${name} takes ${expected} argument(s), not ${args.length}`, procedure);
    }
    for (const arg of args) this.check(arg, FUNCTIONS_TAKING_ARRAYS.has(name));
  }
}

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

  const checker = new SubsetChecker();
  checker.check(expression.ast() as unknown as AstNode);
  const compiled = {
    source,
    facts: [...checker.facts].sort(),
    parameters: [...checker.parameters].sort(),
  };
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
