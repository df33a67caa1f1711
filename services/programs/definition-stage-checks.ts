import { stageTableProblems, type StageTable } from '../../workflows/stages';
import type { ProgramDefinition } from './definition';

/*
 * The checks of definition-checks.ts that concern the review chain: the subject and the
 * inspection it needs, the stage graph, and the reasons a refusal must give. FieldProblem is
 * declared here, not there, so that the two files import in one direction only.
 */

/** One problem between fields, placed where the administrator must edit; the loader adds the file. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** The subject's keyFact, and an inspection stage exactly when the subject is a bed. */
export function subjectProblems({ subject, facts, stages }: ProgramDefinition): FieldProblem[] {
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
      message:
        `a ${subject.kind} subject needs keyFact: ` +
        'the declared fact whose value identifies it, so that it is not funded twice',
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
        message:
          'inspection stages record findings per bed, ' +
          `but this program's subject is ${subject.kind}: use kind review`,
      });
    }
  }
  return problems;
}

/** The stage graph: every reference defined, every stage reached, the award reachable, reasons given. */
export function stageProblems(definition: ProgramDefinition): FieldProblem[] {
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
          message:
            `decision "${name}" refuses or returns the application, ` +
            'so it must require reasons: the applicant reads them',
        });
      }
    }
  });

  // In a competitive round the round decides the award; elsewhere there is no round to join.
  const competitive = definition.process === 'competitive_round';
  table.stages.forEach((stage, index) => {
    for (const [name, rule] of Object.entries(stage.decisions)) {
      const wrong = competitive ? rule.target.to === 'award' : rule.target.to === 'round';
      if (!wrong) continue;
      problems.push({
        path: `stages.stages[${index}].decisions.${name}.target.to`,
        message: competitive
          ? `decision "${name}" cannot lead to the award in a competitive_round program: ` +
            'lead it to the round (to: round), which ranks and awards'
          : `decision "${name}" leads to a round, but only competitive_round programs have one`,
      });
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
    message:
      'no decision leads to the award: at least one decision needs the target {to: award} ' +
      '({to: round} in a competitive_round program)',
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
