import Joi from 'joi';
import { ValidationError } from '../errors';
import type { FactDefinition, ProgramDefinition } from './definition';

function factSchema(fact: FactDefinition): Joi.Schema {
  let schema: Joi.Schema;
  switch (fact.type) {
    case 'integer':
    case 'number': {
      let number = Joi.number();
      if (fact.type === 'integer') number = number.integer();
      if (fact.min !== undefined) number = number.min(fact.min);
      if (fact.max !== undefined) number = number.max(fact.max);
      schema = number;
      break;
    }
    case 'boolean':
      schema = Joi.boolean();
      break;
    case 'choice':
      schema = Joi.string().valid(...(fact.choices ?? []));
      break;
    case 'date':
      schema = Joi.string()
        .pattern(/^\d{4}-\d{2}-\d{2}$/)
        .message('{{#label}} must be a date as YYYY-MM-DD');
      break;
    case 'text': {
      let text = Joi.string().trim();
      if (fact.min !== undefined) text = text.min(fact.min);
      text = text.max(fact.max ?? 500);
      schema = text;
      break;
    }
  }
  schema = schema.label(`facts.${fact.name} (${fact.label})`);
  return fact.required ? schema.required() : schema.optional();
}

/**
 * Checks the facts an applicant supplied against the program's declared facts: each of
 * the right type and range, required ones present, no others.
 * @throws ValidationError listing every problem with its field path.
 */
export function validateApplicationFacts(
  definition: ProgramDefinition,
  facts: unknown,
): Record<string, unknown> {
  const keys = Object.fromEntries(definition.facts.map((fact) => [fact.name, factSchema(fact)]));
  const { value, error } = Joi.object(keys)
    .unknown(false)
    .validate(facts ?? {}, { abortEarly: false, convert: true });
  if (error) {
    throw new ValidationError(
      `The facts this program asks for have problems; correct them and submit again.`,
      error.details.map((d) => ({ field: ['facts', ...d.path].join('.'), message: d.message })),
    );
  }
  return value as Record<string, unknown>;
}
