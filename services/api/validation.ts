import type Joi from 'joi';
import { ValidationError } from '../errors';

/**
 * Validates one part of a request against a joi schema.
 * @throws ValidationError listing every problem with its field path.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function validate(schema: Joi.Schema, input: unknown, part: 'body' | 'query' | 'params'): any {
  const { value, error } = schema.validate(input, { abortEarly: false, convert: true });
  if (error) {
    throw new ValidationError(
      `The request ${part} has problems; correct the fields listed.`,
      error.details.map((d) => ({ field: d.path.join('.'), message: d.message })),
    );
  }
  return value;
}

