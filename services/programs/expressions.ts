/*
 * CONTRACT — implemented by the expressions work. Do not change the exported signatures
 * without telling the definition and award work, which call them.
 */
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

/**
 * Parses an expression and checks that it uses only the allowed subset.
 * @throws ExpressionError naming the problem.
 */
export function compileExpression(source: string): CompiledExpression {
  throw new ExpressionError(`not implemented: ${source}`);
}

export type { ParameterValue };
