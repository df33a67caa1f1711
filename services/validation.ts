import type Joi from 'joi';
import { ValidationError } from './errors';

/**
 * Validates input against a joi schema, converting where joi converts (strings to numbers,
 * ISO text to dates), and returns the converted value.
 * @throws ValidationError naming `what` and listing every problem with its field path.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function validateInput(schema: Joi.Schema, input: unknown, what: string): any {
  const { value, error } = schema.validate(input, { abortEarly: false, convert: true });
  if (error) {
    throw new ValidationError(
      `The ${what} has problems; correct the fields listed.`,
      error.details.map((d) => ({ field: d.path.join('.'), message: d.message })),
    );
  }
  return value;
}
