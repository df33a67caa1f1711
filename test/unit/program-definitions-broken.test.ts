import fs from 'node:fs';
import path from 'node:path';
import { loadDefinitionDirectory, loadDefinitionFile } from '../../services/programs/definition-loader';
import { problemsOf, shownPath } from '../support/programs';

/*
 * The broken definition files under test/fixtures/definitions/broken, and exactly what the
 * loader reports for each. The repository's real files and the good fixtures are in
 * program-definitions.test.ts.
 */

const PROJECT_ROOT = path.resolve(__dirname, '../..');
const BROKEN = path.join(PROJECT_ROOT, 'test/fixtures/definitions/broken');

const shown = shownPath;

/** Each file under test/fixtures/definitions/broken, with every problem the loader must report. */
const BROKEN_FILES: Record<string, Array<[path: string, message: string]>> = {
  'yaml-syntax-error.yaml': [['', 'YAML syntax error at line 9, column 1']],
  'yaml-1-1-dates.yaml': [
    ['effectiveFrom', 'must be a date written as YYYY-MM-DD'],
    ['parameters[0].values[0].from', 'must be a date written as YYYY-MM-DD'],
    ['parameters[1].values[0].from', 'must be a date written as YYYY-MM-DD'],
    ['parameters[1].values[0].to', 'must be a date written as YYYY-MM-DD'],
    ['parameters[1].values[1].from', 'must be a date written as YYYY-MM-DD'],
    ['parameters[2].values[0].from', 'must be a date written as YYYY-MM-DD'],
  ],
  'not-a-mapping.yaml': [['', 'a program definition must be a set of named fields']],
  'unknown-key.yaml': [['stages.stages[0].colour', 'unknown field "colour"']],
  'missing-required-key.yaml': [['amount.description', 'description is required']],
  'several-problems.yaml': [
    ['process', 'process must be one of: staged_review, competitive_round, allocation'],
    ['facts[1].type', 'type must be one of: integer, number'],
    ['parameters[0].example', 'example must be true or false'],
  ],
  'bad-program-code.yaml': [['code', '"Minimal_Example" must be lowercase words joined by hyphens']],
  'bad-reference-prefix.yaml': [['referencePrefix', '"zxsl" must be 2 to 6 capital letters']],
  'no-fund-sources.yaml': [['fundSources', 'must name at least one fund']],
  'unknown-role.yaml': [['stages.stages[1].role', 'role must be one of: applicant, township_reviewer']],
  'bad-iso-duration.yaml': [['stages.stages[1].sla.duration', '"3 days" must be an ISO 8601 duration']],
  'escalation-without-sla.yaml': [['stages.stages[1]', 'escalation needs sla']],
  'decision-to-unknown-stage.yaml': [
    [
      'stages.stages[0].decisions.accept.target.stage',
      'decision "accept" leads to unknown stage "city_reveiw"',
    ],
    ['stages.stages[1]', 'stage "city_review" is never reached'],
  ],
  'no-path-to-award.yaml': [['stages', 'no decision leads to the award']],
  'duplicate-stage-id.yaml': [
    ['stages.stages[2].id', 'stage id "city_review" is already used by stages.stages[1]'],
  ],
  'refusal-without-reasons.yaml': [
    ['stages.stages[0].decisions.refuse.reasonsRequired', 'must require reasons'],
  ],
  'answer-limit-on-refusal.yaml': [
    ['stages.stages[0].decisions.refuse.answerWithin', 'only given when the decision returns the application'],
  ],
  'bed-without-inspection.yaml': [['stages.stages', 'needs a stage of kind inspection']],
  'inspection-for-non-bed.yaml': [['stages.stages[1].kind', "this program's subject is facility"]],
  'facility-without-key-fact.yaml': [['subject.keyFact', 'a facility subject needs keyFact']],
  'duplicate-fact-names.yaml': [['facts[1].name', 'fact name "facilityCode" is already used by facts[0]']],
  'duplicate-parameter-names.yaml': [
    ['parameters[1].name', 'parameter name "minimum_served" is already used by parameters[0]'],
  ],
  'no-eligibility-rules.yaml': [['eligibility', 'needs at least one eligibility rule']],
  'expression-syntax-error.yaml': [['eligibility[0].when', 'Syntax error at character 20']],
  'unsafe-expression.yaml': [['amount.formula', 'Assignment (:=) is not allowed']],
  'unknown-fact.yaml': [['eligibility[0].when', 'reads "olderPeopleServd", which is neither']],
  'undeclared-parameter.yaml': [['amount.formula', '$reward_per_persn_fen, which is not declared']],
  'unknown-fail-message-placeholder.yaml': [['eligibility[0].failMessage', '{$minimum_serve} names no fact']],
  'cap-not-in-fen.yaml': [['caps.perApplicantPerYear', 'parameter "cap_fen" must have unit fen, not count']],
  'ltc-action-bad-value.yaml': [
    ['parameters[3].values[0].value', '"warn" is no long-term care insurance action'],
  ],
  'overlapping-periods.yaml': [
    ['parameters[1].values[1].from', 'overlaps the one before it, which runs until 2025-06-01'],
  ],
  'period-to-before-from.yaml': [
    ['parameters[1].values[1].to', 'to (2024-12-01) must come after from (2025-01-01)'],
  ],
  'parameter-label-too-long.yaml': [['parameters[1].label', 'label must be at most 30 characters']],
  'choice-label-for-unknown-choice.yaml': [
    ['facts[0]', 'choiceLabels names choices the fact does not list: nursing_home'],
  ],
  'no-value-on-effective-from.yaml': [['parameters[0].values', 'minimum_served has no value on 2024-01-01']],
  'bad-window-date.yaml': [['window.closes', '"02-30" is not a day that every year has']],
  'last-year-before-first-year.yaml': [['window.lastYear', 'lastYear 2023 is before firstYear 2024']],
  'rubric-weights-not-100.yaml': [['competition.rubric', 'add up to 95; they are shares of the total score']],
  'tie-break-names-no-criterion.yaml': [
    [
      'competition.tieBreaks[0]',
      'tie-break "criterion:nothing" names no criterion of the rubric, whose ids are',
    ],
  ],
  'malformed-tie-break.yaml': [
    ['competition.tieBreaks[2]', 'tie-break "best_looking" must be criterion:<id> of a rubric criterion'],
  ],
  'criterion-max-not-above-min.yaml': [
    ['competition.rubric[4].max', 'criterion "plan": max (50) must be above min (50)'],
  ],
  'duplicate-criterion-id.yaml': [
    ['competition.rubric[4].id', 'criterion id "innovation" is already used by competition.rubric[3]'],
  ],
  'winners-parameter-undeclared.yaml': [
    ['competition.winnersParameter', 'parameter "winners_each_year" is not declared under parameters'],
  ],
  'may-win-again-not-boolean.yaml': [
    ['competition.mayWinAgainParameter', 'parameter "winners_per_year" must have unit boolean, not count'],
  ],
  'competitive-without-competition.yaml': [
    ['competition', 'a competitive_round program needs a competition section'],
  ],
  'competition-in-staged-review.yaml': [
    ['competition', 'competition is only for competitive_round programs'],
  ],
  'competitive-decision-to-award.yaml': [
    [
      'stages.stages[1].decisions.recommend.target.to',
      'cannot lead to the award in a competitive_round program: lead it to the round',
    ],
  ],
  'staged-review-decision-to-round.yaml': [
    [
      'stages.stages[3].decisions.approve.target.to',
      'decision "approve" leads to a round, but only competitive_round programs have one',
    ],
  ],
};

describe('loadDefinitionFile', () => {
  it('has an expectation for every broken fixture, and at least twenty of them', () => {
    const files = fs.readdirSync(BROKEN).sort();

    expect(files).toEqual(Object.keys(BROKEN_FILES).sort());
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it.each(Object.entries(BROKEN_FILES))('reports exactly the problems of broken/%s', (name, expected) => {
    const file = path.join(BROKEN, name);

    const problems = problemsOf(() => loadDefinitionFile(file));

    expect(problems).toEqual(
      expected.map(([where, message]) => ({
        file: shown(file),
        path: where,
        message: expect.stringContaining(message),
      })),
    );
  });
});

describe('loadDefinitionDirectory', () => {
  it('reports the problems of every file, not only the first bad one', () => {
    const problems = problemsOf(() => loadDefinitionDirectory(BROKEN));

    const files = new Set(problems.map((problem) => path.basename(problem.file)));
    expect([...files].sort()).toEqual(Object.keys(BROKEN_FILES).sort());
  });
});
