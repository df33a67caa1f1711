import { competitionProblems } from './definition-competition-checks';
import type { ParameterDefinition, ProgramDefinition } from './definition';
import { stageProblems, subjectProblems, type FieldProblem } from './definition-stage-checks';
import { compileExpression, ExpressionError, failMessageNames } from './expressions';
import { ENGINE_FACTS } from './facts';

export type { FieldProblem } from './definition-stage-checks';

/*
 * The loader's third pass: what must hold between the fields of a definition whose shape the
 * schema has already accepted (references, dates, the stage graph, expressions). The checks
 * rely on that shape, so they never run on a definition the schema refused.
 */

/** Every problem between fields of a definition whose shape is already valid; empty when none. */
export function definitionProblems(definition: ProgramDefinition): FieldProblem[] {
  return [
    ...duplicateProblems(definition),
    ...processProblems(definition),
    ...windowProblems(definition),
    ...subjectProblems(definition),
    ...stageProblems(definition),
    ...factProblems(definition),
    ...parameterProblems(definition),
    ...expressionProblems(definition),
    ...capAndCheckProblems(definition),
    ...competitionProblems(definition),
  ];
}

function duplicateProblems(definition: ProgramDefinition): FieldProblem[] {
  return [
    ...duplicates(definition.stages.stages, 'stages.stages', 'id', 'stage id'),
    ...duplicates(definition.eligibility, 'eligibility', 'id', 'rule id'),
    ...duplicates(definition.facts, 'facts', 'name', 'fact name'),
    ...duplicates(definition.parameters, 'parameters', 'name', 'parameter name'),
    ...duplicates(definition.documents, 'documents', 'kind', 'document kind'),
  ];
}

function duplicates<K extends string, T extends Record<K, string>>(
  items: T[],
  listPath: string,
  key: K,
  what: string,
): FieldProblem[] {
  const seen = new Map<string, number>();
  const problems: FieldProblem[] = [];
  items.forEach((item, index) => {
    const first = seen.get(item[key]);
    if (first === undefined) seen.set(item[key], index);
    else {
      problems.push({
        path: `${listPath}[${index}].${key}`,
        message: `${what} "${item[key]}" is already used by ${listPath}[${first}]; each must be different`,
      });
    }
  });
  return problems;
}

function processProblems(definition: ProgramDefinition): FieldProblem[] {
  if (definition.process !== 'staged_review' || definition.eligibility.length > 0) return [];
  return [
    {
      path: 'eligibility',
      message: 'a staged_review program needs at least one eligibility rule, or every application would pass',
    },
  ];
}

function windowProblems({ window }: ProgramDefinition): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (window.lastYear !== null && window.lastYear < window.firstYear) {
    problems.push({
      path: 'window.lastYear',
      message: `lastYear ${window.lastYear} is before firstYear ${window.firstYear}`,
    });
  }
  if (window.closes < window.opens) {
    problems.push({
      path: 'window.closes',
      message:
        `the window closes (${window.closes}) before it opens (${window.opens}); ` +
        'it must open and close in the same year',
    });
  }
  return problems;
}

function factProblems({ facts }: ProgramDefinition): FieldProblem[] {
  const problems: FieldProblem[] = [];
  facts.forEach((fact, index) => {
    if (fact.name in ENGINE_FACTS) {
      problems.push({
        path: `facts[${index}].name`,
        message: `"${fact.name}" is a fact the engine works out itself; choose another name`,
      });
    }
    if (fact.min !== undefined && fact.max !== undefined && fact.min > fact.max) {
      problems.push({ path: `facts[${index}].max`, message: `max ${fact.max} is below min ${fact.min}` });
    }
    for (const bound of ['min', 'max'] as const) {
      const value = fact[bound];
      if (fact.type === 'integer' && value !== undefined && !Number.isInteger(value)) {
        problems.push({
          path: `facts[${index}].${bound}`,
          message: `${bound} of an integer fact must be a whole number`,
        });
      }
    }
  });
  return problems;
}

function parameterProblems(definition: ProgramDefinition): FieldProblem[] {
  const problems: FieldProblem[] = [];
  definition.parameters.forEach((parameter, index) => {
    const path = `parameters[${index}]`;
    parameter.values.forEach((period, position) => {
      const periodPath = `${path}.values[${position}]`;
      const valueProblem = unitProblem(parameter.unit, period.value);
      if (valueProblem) problems.push({ path: `${periodPath}.value`, message: valueProblem });
      if (period.to !== null && period.to <= period.from) {
        problems.push({
          path: `${periodPath}.to`,
          message:
            `to (${period.to}) must come after from (${period.from}); ` +
            'to is the first day the value no longer holds',
        });
      }
      const previous = parameter.values[position - 1];
      if (!previous) return;
      if (period.from < previous.from) {
        problems.push({
          path: `${periodPath}.from`,
          message:
            `the period from ${period.from} is listed after the one from ${previous.from}: ` +
            'list periods in date order',
        });
      } else if (previous.to === null || previous.to > period.from) {
        problems.push({
          path: `${periodPath}.from`,
          message:
            `the period from ${period.from} overlaps the one before it, which runs ` +
            (previous.to === null ? 'with no end' : `until ${previous.to}`),
        });
      }
    });

    if (!hasValueOn(parameter, definition.effectiveFrom)) {
      problems.push({
        path: `${path}.values`,
        message:
          `parameter ${parameter.name} has no value on ${definition.effectiveFrom}, ` +
          'the day this version takes effect',
      });
    }
  });
  return problems;
}

function hasValueOn(parameter: ParameterDefinition, day: string): boolean {
  // YYYY-MM-DD text sorts in date order.
  return parameter.values.some((period) => period.from <= day && (period.to === null || day < period.to));
}

function unitProblem(unit: ParameterDefinition['unit'], value: unknown): string | undefined {
  const wholeNumber = typeof value === 'number' && Number.isInteger(value) && value >= 0;
  switch (unit) {
    case 'fen':
      return wholeNumber ? undefined : 'an amount in fen must be a whole number of fen, 0 or more';
    case 'count':
    case 'months':
    case 'days':
      return wholeNumber ? undefined : `a value in ${unit} must be a whole number, 0 or more`;
    case 'ratio':
      return typeof value === 'number' && value >= 0 && value <= 1
        ? undefined
        : 'a ratio must be a number from 0 to 1';
    case 'text':
      return typeof value === 'string' ? undefined : 'a text parameter must have a text value';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'a boolean parameter must be true or false';
  }
}

function expressionProblems(definition: ProgramDefinition): FieldProblem[] {
  const facts = new Set([...Object.keys(ENGINE_FACTS), ...definition.facts.map((fact) => fact.name)]);
  const parameters = new Set(definition.parameters.map((parameter) => parameter.name));
  const expressions = [
    ...definition.eligibility.map((rule, index) => ({
      path: `eligibility[${index}].when`,
      source: rule.when,
    })),
    { path: 'amount.formula', source: definition.amount.formula },
  ];

  const problems: FieldProblem[] = [];
  for (const { path, source } of expressions) {
    let compiled;
    try {
      compiled = compileExpression(source);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      problems.push({ path, message: `the expression cannot be used: ${error.message}` });
      continue;
    }
    for (const fact of compiled.facts) {
      if (!facts.has(fact)) {
        problems.push({
          path,
          message:
            `the expression reads "${fact}", ` +
            'which is neither a fact the engine supplies nor one declared under facts',
        });
      }
    }
    for (const parameter of compiled.parameters) {
      if (!parameters.has(parameter)) {
        problems.push({
          path,
          message: `the expression reads $${parameter}, which is not declared under parameters`,
        });
      }
    }
  }

  definition.eligibility.forEach((rule, index) => {
    const quoted = failMessageNames(rule.failMessage);
    const unknown = [
      ...quoted.facts.filter((name) => !facts.has(name)).map((name) => `{${name}}`),
      ...quoted.parameters.filter((name) => !parameters.has(name)).map((name) => `{$${name}}`),
    ];
    for (const placeholder of unknown) {
      problems.push({
        path: `eligibility[${index}].failMessage`,
        message: `${placeholder} names no fact and no declared parameter, so it could not be filled in`,
      });
    }
  });
  return problems;
}

function capAndCheckProblems(definition: ProgramDefinition): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const byName = new Map(
    definition.parameters.map((parameter, index) => [parameter.name, { parameter, index }]),
  );
  const { caps } = definition;
  const capReferences: Array<[string, string | undefined]> = [
    ['caps.perApplicantPerYear', caps.perApplicantPerYear],
    ['caps.perRegionPerYear.parameter', caps.perRegionPerYear?.parameter],
    ['caps.perProgramPerYear', caps.perProgramPerYear],
  ];
  for (const [path, name] of capReferences) {
    if (name === undefined) continue;
    const found = byName.get(name);
    if (!found) problems.push({ path, message: `parameter "${name}" is not declared under parameters` });
    else if (found.parameter.unit !== 'fen') {
      problems.push({
        path,
        message: `a cap is an amount: parameter "${name}" must have unit fen, not ${found.parameter.unit}`,
      });
    }
  }

  const action = definition.checks.longTermCareInsurance?.actionParameter;
  if (action === undefined) return problems;
  const path = 'checks.longTermCareInsurance.actionParameter';
  const found = byName.get(action);
  if (!found)
    return [...problems, { path, message: `parameter "${action}" is not declared under parameters` }];
  if (found.parameter.unit !== 'text') {
    return [
      ...problems,
      { path, message: `parameter "${action}" must have unit text, not ${found.parameter.unit}` },
    ];
  }
  found.parameter.values.forEach((period, position) => {
    if (period.value !== 'flag' && period.value !== 'exclude') {
      problems.push({
        path: `parameters[${found.index}].values[${position}].value`,
        message:
          `"${String(period.value)}" is no long-term care insurance action: ` +
          'use flag (a reviewer decides) or exclude (the bed is not paid)',
      });
    }
  });
  return problems;
}
