import type { ProgramDefinition } from './definition';
import type { FieldProblem } from './definition-stage-checks';

/*
 * Checks of a competitive program's round that joi cannot make: the rubric adds up, the
 * tie-breaks name its criteria, and the parameters it names exist with the right unit.
 */

export function competitionProblems(definition: ProgramDefinition): FieldProblem[] {
  const competition = definition.competition;
  if (!competition) return [];
  const problems: FieldProblem[] = [];

  const totalWeight = competition.rubric.reduce((sum, criterion) => sum + criterion.weight, 0);
  if (totalWeight !== 100) {
    problems.push({
      path: 'competition.rubric',
      message:
        `the weights of the rubric add up to ${totalWeight}; ` +
        'they are shares of the total score and must add up to 100',
    });
  }
  const ids = new Map<string, number>();
  competition.rubric.forEach((criterion, index) => {
    const first = ids.get(criterion.id);
    if (first === undefined) ids.set(criterion.id, index);
    else {
      problems.push({
        path: `competition.rubric[${index}].id`,
        message:
          `criterion id "${criterion.id}" is already used by competition.rubric[${first}]; ` +
          'each must be different',
      });
    }
    if (criterion.max <= criterion.min) {
      problems.push({
        path: `competition.rubric[${index}].max`,
        message:
          `criterion "${criterion.id}": max (${criterion.max}) must be above min (${criterion.min}), ` +
          'or no score could tell applications apart',
      });
    }
  });
  competition.tieBreaks.forEach((tieBreak, index) => {
    const criterion = tieBreak.startsWith('criterion:') ? tieBreak.slice('criterion:'.length) : null;
    if (criterion !== null && !ids.has(criterion)) {
      problems.push({
        path: `competition.tieBreaks[${index}]`,
        message:
          `tie-break "${tieBreak}" names no criterion of the rubric, ` +
          `whose ids are: ${[...ids.keys()].join(', ')}`,
      });
    }
  });
  if (competition.trimWhenAtLeast > competition.expertsPerApplication + 10) {
    problems.push({
      path: 'competition.trimWhenAtLeast',
      message: 'trimWhenAtLeast can never be reached with so few experts per application',
    });
  }

  const parameterOfUnit = (name: string, unit: string, path: string, meaning: string): void => {
    const parameter = definition.parameters.find((p) => p.name === name);
    if (!parameter) problems.push({ path, message: `parameter "${name}" is not declared under parameters` });
    else if (parameter.unit !== unit) {
      problems.push({
        path,
        message: `${meaning}: parameter "${name}" must have unit ${unit}, not ${parameter.unit}`,
      });
    }
  };
  parameterOfUnit(
    competition.winnersParameter,
    'count',
    'competition.winnersParameter',
    'the number of winners a year is a count',
  );
  parameterOfUnit(
    competition.mayWinAgainParameter,
    'boolean',
    'competition.mayWinAgainParameter',
    'whether an earlier winner may win again is true or false',
  );
  return problems;
}
