import { stageTableProblems, type StageTable } from '../../workflows/stages';
import type { ParameterDefinition, ProgramDefinition } from './definition';
import { compileExpression, ExpressionError, failMessageNames } from './expressions';
import { ENGINE_FACTS } from './facts';

/*
 * The loader's third pass: what must hold between the fields of a definition whose shape the
 * schema has already accepted (references, dates, the stage graph, expressions). The checks
 * rely on that shape, so they never run on a definition the schema refused.
 */

/** One problem between fields, placed where the administrator must edit; the loader adds the file. */
export interface FieldProblem {
  path: string;
  message: string;
}

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
      message: `the window closes (${window.closes}) before it opens (${window.opens}); it must open and close in the same year`,
    });
  }
  return problems;
}

function subjectProblems({ subject, facts, stages }: ProgramDefinition): FieldProblem[] {
  const problems: FieldProblem[] = [];

  if (subject.kind === 'bed' && subject.keyFact !== undefined) {
    problems.push({
      path: 'subject.keyFact',
      message: 'beds are identified by the beds listed in the application: remove keyFact',
    });
  }
  if (subject.kind !== 'bed' && subject.keyFact === undefined) {
    problems.push({
      path: 'subject.keyFact',
      message: `a ${subject.kind} subject needs keyFact: the declared fact whose value identifies it, so that it is not funded twice`,
    });
  }
  if (subject.keyFact !== undefined && !facts.some((fact) => fact.name === subject.keyFact)) {
    problems.push({
      path: 'subject.keyFact',
      message: `keyFact "${subject.keyFact}" is not declared under facts`,
    });
  }

  const inspections = stages.stages.flatMap((stage, index) => (stage.kind === 'inspection' ? [index] : []));
  if (subject.kind === 'bed' && inspections.length === 0) {
    problems.push({
      path: 'stages.stages',
      message:
        'a program whose subject is bed needs a stage of kind inspection, where the beds are checked on site',
    });
  }
  if (subject.kind !== 'bed') {
    for (const index of inspections) {
      problems.push({
        path: `stages.stages[${index}].kind`,
        message: `inspection stages record findings per bed, but this program's subject is ${subject.kind}: use kind review`,
      });
    }
  }
  return problems;
}

function stageProblems(definition: ProgramDefinition): FieldProblem[] {
  const table = definition.stages;
  if (table.stages.length === 0) {
    if (definition.process !== 'staged_review') return [];
    return [{ path: 'stages.stages', message: 'a staged_review program needs at least one stage' }];
  }

  const problems = locatedStageTableProblems(table);
  table.stages.forEach((stage, index) => {
    for (const [name, rule] of Object.entries(stage.decisions)) {
      if ((rule.target.to === 'refused' || rule.target.to === 'applicant') && !rule.reasonsRequired) {
        problems.push({
          path: `stages.stages[${index}].decisions.${name}.reasonsRequired`,
          message: `decision "${name}" refuses or returns the application, so it must require reasons: the applicant reads them`,
        });
      }
    }
  });

  const reached = reachableStages(table);
  table.stages.forEach((stage, index) => {
    if (!reached.has(stage.id)) {
      problems.push({
        path: `stages.stages[${index}]`,
        message: `stage "${stage.id}" is never reached: no decision leads to it from the first stage`,
      });
    }
  });
  return problems;
}

/** stageTableProblems' findings, each placed where the administrator must edit. */
function locatedStageTableProblems(table: StageTable): FieldProblem[] {
  const located = new Map<string, FieldProblem>();
  located.set(`first stage "${table.first}" is not defined`, {
    path: 'stages.first',
    message: `first stage "${table.first}" is not defined: name the id of a stage under stages.stages`,
  });
  located.set('no decision leads to the award', {
    path: 'stages',
    message: 'no decision leads to the award: at least one decision needs the target {to: award}',
  });
  table.stages.forEach((stage, index) => {
    for (const [name, rule] of Object.entries(stage.decisions)) {
      if (rule.target.to !== 'stage') continue;
      const message = `stage "${stage.id}" decision "${name}" leads to unknown stage "${rule.target.stage}"`;
      located.set(message, {
        path: `stages.stages[${index}].decisions.${name}.target.stage`,
        message: `${message}: name the id of a stage under stages.stages`,
      });
    }
    located.set(`stage "${stage.id}" has no decisions`, {
      path: `stages.stages[${index}].decisions`,
      message: `stage "${stage.id}" has no decisions: an application there could never move on`,
    });
  });
  return stageTableProblems(table).map((message) => located.get(message) ?? { path: 'stages', message });
}

function reachableStages(table: StageTable): Set<string> {
  const reached = new Set<string>();
  const queue = [table.first];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    const stage = table.stages.find((candidate) => candidate.id === id);
    if (!stage || reached.has(id)) continue;
    reached.add(id);
    for (const rule of Object.values(stage.decisions))
      if (rule.target.to === 'stage') queue.push(rule.target.stage);
  }
  return reached;
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
          message: `to (${period.to}) must come after from (${period.from}); to is the first day the value no longer holds`,
        });
      }
      const previous = parameter.values[position - 1];
      if (!previous) return;
      if (period.from < previous.from) {
        problems.push({
          path: `${periodPath}.from`,
          message: `the period from ${period.from} is listed after the one from ${previous.from}: list periods in date order`,
        });
      } else if (previous.to === null || previous.to > period.from) {
        problems.push({
          path: `${periodPath}.from`,
          message: `the period from ${period.from} overlaps the one before it, which runs ${previous.to === null ? 'with no end' : `until ${previous.to}`}`,
        });
      }
    });

    if (!hasValueOn(parameter, definition.effectiveFrom)) {
      problems.push({
        path: `${path}.values`,
        message: `parameter ${parameter.name} has no value on ${definition.effectiveFrom}, the day this version takes effect`,
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
          message: `the expression reads "${fact}", which is neither a fact the engine supplies nor one declared under facts`,
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
        message: `"${String(period.value)}" is no long-term care insurance action: use flag (a reviewer decides) or exclude (the bed is not paid)`,
      });
    }
  });
  return problems;
}
