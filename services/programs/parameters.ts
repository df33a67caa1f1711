import { ConflictError } from '../errors';
import type { ParameterDefinition, ParameterValue, ProgramDefinition } from './definition';

/** A parameter's value on one day, with where it comes from: the record of a calculation keeps all of it. */
export interface ResolvedParameter {
  name: string;
  value: ParameterValue;
  effectiveFrom: string;
  effectiveTo: string | null;
  policyClause: string;
  example: boolean;
}

function resolve(parameter: ParameterDefinition, onDate: string): ResolvedParameter | undefined {
  // Dates are YYYY-MM-DD, so string order is date order.
  const period = parameter.values.find((p) => p.from <= onDate && (p.to === null || onDate < p.to));
  if (!period) return undefined;
  return {
    name: parameter.name,
    value: period.value,
    effectiveFrom: period.from,
    effectiveTo: period.to,
    policyClause: parameter.policyClause,
    example: parameter.example,
  };
}

/** Every parameter of the definition that has a value on `onDate` (YYYY-MM-DD), by name. */
export function parametersOn(
  definition: ProgramDefinition,
  onDate: string,
): Record<string, ResolvedParameter> {
  const resolved: Record<string, ResolvedParameter> = {};
  for (const parameter of definition.parameters) {
    const value = resolve(parameter, onDate);
    if (value) resolved[parameter.name] = value;
  }
  return resolved;
}

/**
 * The value of one parameter on `onDate`.
 * @throws ConflictError PARAMETER_MISSING when the definition gives no value for that day.
 */
export function parameterOn(definition: ProgramDefinition, name: string, onDate: string): ResolvedParameter {
  const parameter = definition.parameters.find((p) => p.name === name);
  const value = parameter && resolve(parameter, onDate);
  if (!value) {
    throw new ConflictError(
      `Program ${definition.code} has no value for parameter ${name} on ${onDate}; publish a version that sets one.`,
      'PARAMETER_MISSING',
    );
  }
  return value;
}
