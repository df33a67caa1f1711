/*
 * The part of JSONata a definition may use, checked on the parse tree: literals, facts as
 * single plain names, `$parameters`, operators, `? :` with both branches, and a few pure
 * functions with fixed argument counts. Without bindings, lambdas, paths, ranges or `~>`, every
 * expression ends after steps bounded by its length, reads nothing but the values it names, and
 * those names can be listed, so the validator can check each one and a trace can show its value.
 */
import type jsonata from 'jsonata';

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

/** The names an expression reads, each once, sorted. */
export interface ExpressionNames {
  /** Fact names (plain names). */
  facts: string[];
  /** Parameter names (`$name`, without the `$`). */
  parameters: string[];
}

/** A node of jsonata's parse tree; its shape depends on `type`. */
interface AstNode {
  type: string;
  value?: unknown;
  position?: number;
  [key: string]: unknown;
}

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

/**
 * Checks a jsonata parse tree against the allowed subset and lists the names it reads.
 * @throws ExpressionError at the first node outside the subset, with its position when known.
 */
export function checkSubset(tree: jsonata.ExprNode): ExpressionNames {
  const checker = new SubsetChecker();
  checker.check(tree as unknown as AstNode);

  return { facts: [...checker.facts].sort(), parameters: [...checker.parameters].sort() };
}
