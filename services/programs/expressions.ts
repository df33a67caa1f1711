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

import type { ParameterValue } from './definition';

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
const FUNCTIONS: Record<string, [min: number, max: number]> = {
  min: [1, 1],
  max: [1, 1],
  sum: [1, 1],
  count: [1, 1],
  floor: [1, 1],
  ceil: [1, 1],
  round: [1, 2],
  abs: [1, 1],
  not: [1, 1],
  exists: [1, 1],
  boolean: [1, 1],
  number: [1, 1],
  string: [1, 1],
  contains: [2, 2],
  length: [1, 1],
};
const FUNCTIONS_TAKING_ARRAYS = new Set(['min', 'max', 'sum']);
const BINARY_OPERATORS = new Set(['+', '-', '*', '/', '%', '=', '!=', '<', '<=', '>', '>=']);
for (const word of ['and', 'or', '&', 'in']) BINARY_OPERATORS.add(word);

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

// What each allowed node may carry; anything else hangs a path feature off it.
const SCALAR_KEYS = ['type', 'value', 'position'];
const ALLOWED_KEYS: Record<string, string[]> = {
  number: SCALAR_KEYS,
  string: SCALAR_KEYS,
  value: SCALAR_KEYS,
  variable: SCALAR_KEYS,
  name: SCALAR_KEYS,
  path: ['type', 'steps'],
  binary: [...SCALAR_KEYS, 'lhs', 'rhs'],
  unary: [...SCALAR_KEYS, 'expression', 'expressions'],
  block: ['type', 'position', 'expressions'],
  condition: ['type', 'position', 'condition', 'then', 'else'],
  function: [...SCALAR_KEYS, 'arguments', 'procedure'],
};
const ATTACHMENT_MESSAGES: Record<string, string> = {
  predicate: 'Filters and indexes ([…]) are not allowed',
  stages: 'Filters and indexes ([…]) are not allowed',
  group: 'Object constructors and grouping ({…}) are not allowed',
  focus: 'Context and position variables (@, #) are not allowed',
  index: 'Context and position variables (@, #) are not allowed',
  tuple: 'Context and position variables (@, #) are not allowed',
  ancestor: 'The parent operator (%) is not allowed',
  keepArray: 'Keeping arrays ([]) is not allowed',
  keepSingletonArray: 'Keeping arrays ([]) is not allowed',
};

function refuse(message: string, node?: AstNode): never {
  const steps = node?.steps as AstNode[] | undefined;
  throw new ExpressionError(message, node?.position ?? steps?.[0]?.position);
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
    for (const [key, value] of Object.entries(node)) {
      if (value === undefined || keys.includes(key)) continue;
      refuse(ATTACHMENT_MESSAGES[key] ?? `"${key}" on a ${node.type} is not allowed`, node);
    }

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
    if (FUNCTIONS[name]) refuse(`$${name} is a function: call it with its arguments`, node);
    this.parameters.add(name);
  }

  private path(node: AstNode): void {
    const steps = node.steps as AstNode[];
    for (const step of steps) if (FORBIDDEN_NODES[step.type]) this.check(step);
    if (steps.length !== 1)
      refuse('Nested paths such as a.b are not allowed; a fact is one plain name', node);
    const step = steps[0] as AstNode;
    if (step.type !== 'name') {
      this.check(step);
      refuse('Only a plain fact name may stand here', node);
    }
    for (const [key, value] of Object.entries(step)) {
      if (value !== undefined && !SCALAR_KEYS.includes(key)) {
        refuse(ATTACHMENT_MESSAGES[key] ?? `"${key}" on a fact name is not allowed`, step);
      }
    }
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
    const arity = FUNCTIONS[name];
    if (!arity) {
      const allowed = Object.keys(FUNCTIONS).map((f) => `$${f}`);
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
    // jsonata throws plain objects carrying a code, a message and the position of the token.
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

export type { ParameterValue };
