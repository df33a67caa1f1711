import fs from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../../services/errors';
import type { ProgramDefinition } from '../../services/programs/definition';
import {
  DefinitionError,
  loadDefinitionDirectory,
  loadDefinitionFile,
  parseDefinition,
  validateDefinition,
} from '../../services/programs/definition-loader';
import { evaluateAmount } from '../../services/programs/expressions';
import { parametersOn } from '../../services/programs/parameters';
import type { StageTable } from '../../workflows/stages';
import { problemsOf, shownPath } from '../support/programs';

const PROJECT_ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures/definitions');
const MINIMAL = path.join(FIXTURES, 'good/minimal.yaml');

const shown = shownPath;

function definition(code: string): ProgramDefinition {
  return loadDefinitionFile(path.join(PROJECT_ROOT, 'services/programs/definitions', `${code}.yaml`));
}

async function amountFen(
  program: ProgramDefinition,
  facts: Record<string, string | number | boolean | null>,
): Promise<number> {
  const trace = await evaluateAmount(program.amount, facts, parametersOn(program, program.effectiveFrom));
  return Number(trace.amountFen);
}

/** The home-bed review chain as services/programs/home-bed.ts had it in code. */
const refuse = { target: { to: 'refused' }, reasonsRequired: true, notice: 'refusal' };
const returnToApplicant = { target: { to: 'applicant' }, reasonsRequired: true };
const HOME_BED_STAGES_IN_CODE: StageTable = {
  first: 'completeness',
  stages: [
    {
      id: 'completeness',
      name: '受理（形式审查）',
      role: 'township_reviewer',
      level: 'township',
      kind: 'review',
      decisions: {
        accept: {
          target: { to: 'stage', stage: 'first_review' },
          reasonsRequired: false,
          notice: 'acceptance',
        },
        request_documents: {
          target: { to: 'applicant' },
          reasonsRequired: true,
          notice: 'documents_requested',
        },
        refuse,
      },
    },
    {
      id: 'first_review',
      name: '初审',
      role: 'township_reviewer',
      level: 'township',
      kind: 'review',
      decisions: {
        approve: { target: { to: 'stage', stage: 'site_inspection' }, reasonsRequired: false },
        return: returnToApplicant,
        refuse,
      },
    },
    {
      id: 'site_inspection',
      name: '实地核查',
      role: 'district_assessor',
      level: 'district',
      kind: 'inspection',
      decisions: {
        complete: { target: { to: 'stage', stage: 'district_review' }, reasonsRequired: false },
      },
    },
    {
      id: 'district_review',
      name: '复核',
      role: 'district_reviewer',
      level: 'district',
      kind: 'review',
      decisions: {
        approve: { target: { to: 'stage', stage: 'city_review' }, reasonsRequired: false },
        return: returnToApplicant,
        refuse,
      },
    },
    {
      id: 'city_review',
      name: '审定',
      role: 'city_reviewer',
      level: 'city',
      kind: 'review',
      decisions: {
        approve: { target: { to: 'award' }, reasonsRequired: false },
        return: returnToApplicant,
        refuse,
      },
    },
  ],
} as StageTable;

describe('the program definition files of the repository', () => {
  it('all four load and validate', () => {
    const loaded = loadDefinitionDirectory();

    expect(loaded.map(({ file, definition }) => [file, definition.code])).toEqual([
      ['services/programs/definitions/home-bed.yaml', 'home-bed'],
      ['services/programs/definitions/neighbourhood-mutual-aid.yaml', 'neighbourhood-mutual-aid'],
      ['services/programs/definitions/rural-happiness-home-canteen.yaml', 'rural-happiness-home-canteen'],
      ['services/programs/definitions/township-demonstration.yaml', 'township-demonstration'],
    ]);
  });

  it('give every parameter a short label to print on notices', () => {
    const unlabelled = loadDefinitionDirectory().flatMap(({ definition }) =>
      definition.parameters.filter((p) => !p.label).map((p) => `${definition.code} ${p.name}`),
    );

    expect(unlabelled).toEqual([]);
  });

  it('give home-bed the stage table it had in code, with deadlines in working days', () => {
    const { stages } = definition('home-bed');

    const withoutDeadlines = stages.stages.map(({ sla, escalation, escalateTo, ...stage }) => stage);
    expect({ ...stages, stages: withoutDeadlines }).toEqual(HOME_BED_STAGES_IN_CODE);
    expect(stages.stages.map((stage) => stage.sla)).toEqual([
      { workingDays: 5 },
      { workingDays: 10 },
      { workingDays: 15 },
      { workingDays: 10 },
      { workingDays: 10 },
    ]);
    expect(stages.stages.every((stage) => stage.escalation !== undefined)).toBe(true);
  });

  it('pay home beds per payable bed, with the example figures marked as examples', async () => {
    const homeBed = definition('home-bed');

    expect(await amountFen(homeBed, { subjectsPayable: 3 })).toBe(600_000);
    expect(homeBed.parameters.map(({ name, unit, example }) => [name, unit, example])).toEqual([
      ['reward_per_bed_fen', 'fen', true],
      ['minimum_operating_beds', 'count', true],
      ['ltc_overlap_action', 'text', true],
      ['per_applicant_cap_fen', 'fen', true],
    ]);
    expect(homeBed.checks.longTermCareInsurance).toEqual({ actionParameter: 'ltc_overlap_action' });
  });

  it('give each township demonstration 300,000 yuan, five a year, 2024 to 2026, as the policy says', async () => {
    const township = definition('township-demonstration');
    const values = parametersOn(township, '2025-06-01');

    expect(await amountFen(township, {})).toBe(30_000_000);
    expect(values.award_per_winner_fen).toMatchObject({ value: 30_000_000, example: false });
    expect(values.winners_per_year).toMatchObject({ value: 5, example: false });
    expect(values.per_program_cap_fen).toMatchObject({ value: 150_000_000, example: false });
    expect(values.may_win_again).toMatchObject({ value: false });
    expect(township.window).toMatchObject({ firstYear: 2024, lastYear: 2026 });
  });

  it('allocate mutual-aid money in whole fen, never above 100,000 yuan a district', async () => {
    const mutualAid = definition('neighbourhood-mutual-aid');
    const city = { cityCommunityCount: 6_500, cityOlderResidentCount: 1_976_000, districtCode: '370602' };

    const small = await amountFen(mutualAid, { ...city, communityCount: 500, olderResidentCount: 150_000 });
    const large = await amountFen(mutualAid, { ...city, communityCount: 1_500, olderResidentCount: 400_000 });

    expect(Number.isInteger(small)).toBe(true);
    expect(small).toBeGreaterThan(0);
    expect(small).toBeLessThan(10_000_000);
    expect(large).toBe(10_000_000);
    expect(mutualAid.caps.perRegionPerYear).toEqual({ level: 'district', parameter: 'district_cap_fen' });
  });

  it('reward rural facilities by type and months of operation, in whole fen, within the cap', async () => {
    const rural = definition('rural-happiness-home-canteen');

    // 20,000 yuan + 40 people × 100 yuan × 9/12 = 23,000 yuan.
    const home = { facilityType: 'happiness_home', olderPeopleServed: 40, operatingMonths: 9 };
    expect(await amountFen(rural, home)).toBe(2_300_000);
    // 7 people × 100 yuan × 7/12 = 408.33 yuan: the fraction of a fen is dropped.
    const short = { facilityType: 'happiness_home', olderPeopleServed: 7, operatingMonths: 7 };
    expect(await amountFen(rural, short)).toBe(2_000_000 + 40_833);
    const busyCanteen = { facilityType: 'elder_canteen', olderPeopleServed: 500, operatingMonths: 12 };
    expect(await amountFen(rural, busyCanteen)).toBe(5_000_000);
    expect(rural.stages.stages.map((stage) => stage.kind)).not.toContain('inspection');
  });
});

describe('parseDefinition', () => {
  const text = fs.readFileSync(MINIMAL, 'utf8');

  it('accepts the minimal file, its unquoted dates kept as text by the YAML core schema', () => {
    const parsed = parseDefinition(text, 'minimal.yaml');

    expect(parsed.effectiveFrom).toBe('2024-01-01');
    expect(parsed.parameters[1]?.values[0]).toEqual({ from: '2024-01-01', to: '2025-01-01', value: 10000 });
    expect(parsed.window).toEqual({ opens: '01-01', closes: '12-31', firstYear: 2024, lastYear: 2025 });
  });

  it('accepts the same definition written as JSON', () => {
    const parsed = parseDefinition(text, 'minimal.yaml');

    expect(parseDefinition(JSON.stringify(parsed), 'minimal.json')).toEqual(parsed);
  });
});

describe('validateDefinition', () => {
  const good = parseDefinition(fs.readFileSync(MINIMAL, 'utf8'), 'minimal.yaml');

  it('refuses a date that arrives as a Date object, naming the field', () => {
    const problems = problemsOf(() =>
      validateDefinition({ ...good, effectiveFrom: new Date('2024-01-01') }, 'request body'),
    );

    expect(problems).toEqual([
      {
        file: 'request body',
        path: 'effectiveFrom',
        message: expect.stringContaining('must be a date written as YYYY-MM-DD'),
      },
    ]);
  });

  it('throws a ValidationError whose details are the problems and whose message lists them', () => {
    let thrown: unknown;
    try {
      validateDefinition({ ...good, referencePrefix: 'J' }, 'request body');
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(ValidationError);
    const error = thrown as DefinitionError;
    expect(error.status).toBe(400);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toBe(error.problems);
    expect(error.message).toContain('request body at referencePrefix: referencePrefix "J" must be 2 to 6');
  });
});

describe('loadDefinitionFile', () => {
  it('loads the minimal good file', () => {
    expect(loadDefinitionFile(MINIMAL).code).toBe('minimal-example');
  });

  it('names a file that does not exist', () => {
    const missing = path.join(FIXTURES, 'good/absent.yaml');

    expect(problemsOf(() => loadDefinitionFile(missing))).toEqual([
      { file: shown(missing), path: '', message: 'cannot read the file: the file does not exist' },
    ]);
  });
});

describe('loadDefinitionDirectory', () => {
  it('loads YAML and JSON files in name order', () => {
    const loaded = loadDefinitionDirectory(path.join(FIXTURES, 'good'));

    expect(loaded.map(({ file, definition }) => [file, definition.code])).toEqual([
      ['test/fixtures/definitions/good/minimal-json.json', 'minimal-json'],
      ['test/fixtures/definitions/good/minimal.yaml', 'minimal-example'],
    ]);
  });

  it('refuses two programs with the same code or reference prefix', () => {
    const second = 'test/fixtures/definitions/same-code/second.yaml';

    expect(problemsOf(() => loadDefinitionDirectory(path.join(FIXTURES, 'same-code')))).toEqual([
      { file: second, path: 'code', message: expect.stringContaining('also used by test/fixtures') },
      { file: second, path: 'referencePrefix', message: expect.stringContaining('"ZXSL" is also used by') },
    ]);
  });
});
