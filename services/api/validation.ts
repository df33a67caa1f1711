import type Joi from 'joi';
import { validateInput } from '../validation';

/**
 * Validates one part of a request against a joi schema.
 * @throws ValidationError listing every problem with its field path.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function validate(schema: Joi.Schema, input: unknown, part: 'body' | 'query' | 'params'): any {
  return validateInput(schema, input, `request ${part}`);
}
