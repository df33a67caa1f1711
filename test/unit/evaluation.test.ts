import { evaluateApplication } from '../../services/programs/evaluation';
import { parametersOn } from '../../services/programs/parameters';
import { repositoryDefinition } from '../support/programs';

const definition = repositoryDefinition('rural-happiness-home-canteen');
const parameters = parametersOn(definition, '2026-06-01');
const canteen = {
  facilityType: 'elder_canteen',
  facilityName: '示例食堂',
  facilityCode: 'X-1',
  operatingMonths: 12,
  olderPeopleServed: 120,
  mealsServedPerDay: 80,
  passedAnnualEvaluation: true,
  programYear: 2026,
  applicantType: 'provider',
  subjectCount: 1,
  subjectsInspected: 0,
  subjectsPassed: 1,
  subjectsPayable: 1,
  duplicateSubjects: 0,
  ltcCoveredSubjects: 0,
  applicantSubjectsPassed: 1,
  blacklisted: false,
  sharedBankAccount: false,
};

function evaluate(
  facts: Record<string, unknown>,
  capUsages: Parameters<typeof evaluateApplication>[0]['capUsages'] = [],
) {
  return evaluateApplication({
    definition,
    programVersion: 1,
    onDate: '2026-06-01',
    facts: { ...canteen, ...facts } as never,
    parameters,
    capUsages,
  });
}

describe('evaluateApplication', () => {
  it('passes every rule and works out the amount with the parameters it used', async () => {
    const evaluation = await evaluate({});

    expect(evaluation.eligible).toBe(true);
    expect(evaluation.awardFen).toBe('4200000');
    expect(evaluation.lines.find((line) => line.label === '计算方法')?.value).toContain('基础奖补');
  });

  it('quotes each failed rule with the values it saw, and computes no amount', async () => {
    const evaluation = await evaluate({ operatingMonths: 3, passedAnnualEvaluation: false });

    expect(evaluation.eligible).toBe(false);
    expect(evaluation.amount).toBeNull();
    expect(evaluation.reasons).toHaveLength(2);
    expect(evaluation.reasons[0]).toContain('本年度运营 3 个月');
  });

  it('applies the caps in order, each to the room the year leaves, and says which applied', async () => {
    const evaluation = await evaluate({}, [
      { cap: 'perApplicantPerYear', parameter: 'per_facility_cap_fen', usedFen: 2_000_000n },
      { cap: 'perProgramPerYear', parameter: 'per_facility_cap_fen', usedFen: 4_000_000n },
    ]);

    // Cap 5,000,000: 3,000,000 left for the applicant, then 1,000,000 left for the program.
    expect(evaluation.awardFen).toBe('1000000');
    expect(evaluation.caps.map((step) => [step.roomFen, step.applied])).toEqual([
      ['3000000', true],
      ['1000000', true],
    ]);
  });

  it('refuses when a cap is used up, saying so in Chinese', async () => {
    const evaluation = await evaluate({}, [
      { cap: 'perRegionPerYear', parameter: 'per_facility_cap_fen', usedFen: 6_000_000n },
    ]);

    expect(evaluation.eligible).toBe(false);
    expect(evaluation.awardFen).toBe('0');
    expect(evaluation.reasons[0]).toContain('本区域年度奖补上限');
  });
});
