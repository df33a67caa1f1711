import fc from 'fast-check';

import type { RuleDefinition } from '../../services/programs/definition';
import {
  evaluateAmount,
  evaluateRules,
  ExpressionError,
  failMessageNames,
  renderFailMessage,
} from '../../services/programs/expressions';
import type { ResolvedParameter } from '../../services/programs/parameters';

function parameter(name: string, value: number | string | boolean, example = false): ResolvedParameter {
  return { name, value, effectiveFrom: '2024-01-01', effectiveTo: null, policyClause: '二(四)4', example };
}

const PARAMETERS = {
  minimum_operating_beds: parameter('minimum_operating_beds', 10),
  reward_per_bed_fen: parameter('reward_per_bed_fen', 300_000),
  per_application_cap_fen: parameter('per_application_cap_fen', 3_000_000, true),
};

const OPERATING_BEDS: RuleDefinition = {
  id: 'operating-beds',
  description: '验收合格床位数不少于最低运营床位数',
  when: 'applicantSubjectsPassed >= $minimum_operating_beds',
  failMessage: '验收合格床位{applicantSubjectsPassed}张，少于{$minimum_operating_beds}张',
};

const NOT_BLACKLISTED: RuleDefinition = {
  id: 'not-blacklisted',
  description: '申请人不在黑名单内',
  when: '$not(blacklisted)',
  failMessage: '申请人列入黑名单：{blacklisted}',
};

const PER_BED = {
  formula: '$min([subjectsPayable * $reward_per_bed_fen, $per_application_cap_fen])',
  description: '每张床位3000元，每个申请不超过30000元',
};

describe('evaluateRules', () => {
  it('passes a rule that gives true and records the values it saw', async () => {
    const [trace] = await evaluateRules([OPERATING_BEDS], { applicantSubjectsPassed: 12 }, PARAMETERS);

    expect(trace).toEqual({
      id: 'operating-beds',
      description: OPERATING_BEDS.description,
      expression: OPERATING_BEDS.when,
      values: [
        { name: 'applicantSubjectsPassed', kind: 'fact', value: 12 },
        {
          name: 'minimum_operating_beds',
          kind: 'parameter',
          value: 10,
          effectiveFrom: '2024-01-01',
          effectiveTo: null,
          policyClause: '二(四)4',
          example: false,
        },
      ],
      passed: true,
      failMessage: null,
      error: null,
    });
  });

  it('fails a rule with its message filled in, in Chinese', async () => {
    const traces = await evaluateRules(
      [OPERATING_BEDS, NOT_BLACKLISTED],
      { applicantSubjectsPassed: 4, blacklisted: true },
      PARAMETERS,
    );

    expect(traces.map((trace) => [trace.passed, trace.failMessage, trace.error])).toEqual([
      [false, '验收合格床位4张，少于10张', null],
      [false, '申请人列入黑名单：是', null],
    ]);
  });

  it('passes only on exactly true, not on a truthy value', async () => {
    const rule = { ...OPERATING_BEDS, when: 'applicantSubjectsPassed' };

    const [trace] = await evaluateRules([rule], { applicantSubjectsPassed: 12 }, PARAMETERS);

    expect(trace?.passed).toBe(false);
    expect(trace?.error).toBeNull();
  });

  it('fails, without throwing, when a fact or parameter is missing, and says which', async () => {
    const rules = [OPERATING_BEDS, { ...OPERATING_BEDS, id: 'two', when: 'subjectsPassed >= $absent_rule' }];

    const [missingFact, missingBoth] = await evaluateRules(rules, {}, PARAMETERS);

    expect(missingFact?.error).toBe('缺少数据：applicantSubjectsPassed');
    expect(missingFact?.failMessage).toBe('验收合格床位未提供张，少于10张');
    expect(missingFact?.values[0]).toEqual({ name: 'applicantSubjectsPassed', kind: 'fact', value: null });
    expect(missingBoth?.error).toBe('缺少数据：subjectsPassed、$absent_rule');
  });

  it('fails a rule whose values have the wrong type, with the error', async () => {
    const [trace] = await evaluateRules([OPERATING_BEDS], { applicantSubjectsPassed: 'twelve' }, PARAMETERS);

    expect(trace?.passed).toBe(false);
    expect(trace?.error).toMatch(/^规则无法计算：.*must be of the same data type/);
  });

  it('takes the untaken branch of a conditional without evaluating it', async () => {
    const rule = {
      ...OPERATING_BEDS,
      when: "facilityType = 'elder_canteen' ? mealsServedPerDay >= $min_meals : true",
    };
    const facts = { facilityType: 'day_care', mealsServedPerDay: null };

    const [trace] = await evaluateRules([rule], facts, { min_meals: parameter('min_meals', 50) });

    expect(trace?.passed).toBe(true);
  });
});

describe('renderFailMessage', () => {
  it('prints numbers plainly, booleans as 是/否 and missing values as 未提供', () => {
    const message = renderFailMessage('{a}/{b}/{c}/{$a}/{unknown}', [
      { name: 'a', kind: 'fact', value: 1.5 },
      { name: 'b', kind: 'fact', value: false },
      { name: 'c', kind: 'fact', value: null },
      { name: 'a', kind: 'parameter', value: 300000 },
    ]);

    expect(message).toBe('1.5/否/未提供/300000/未提供');
  });

  it('names the facts and parameters a message quotes', () => {
    expect(failMessageNames('{b}{a}{$p}{b}')).toEqual({ facts: ['a', 'b'], parameters: ['p'] });
  });

  it('quotes a fact the rule does not read', async () => {
    const rule = { ...OPERATING_BEDS, failMessage: '申请{subjectCount}张，合格{applicantSubjectsPassed}张' };

    const [trace] = await evaluateRules([rule], { applicantSubjectsPassed: 3, subjectCount: 8 }, PARAMETERS);

    expect(trace?.failMessage).toBe('申请8张，合格3张');
  });
});

describe('evaluateAmount', () => {
  it('gives whole fen as a string, with each parameter and where it comes from', async () => {
    const trace = await evaluateAmount(PER_BED, { subjectsPayable: 4 }, PARAMETERS);

    expect(trace.amountFen).toBe('1200000');
    expect(trace.values).toContainEqual({
      name: 'per_application_cap_fen',
      kind: 'parameter',
      value: 3_000_000,
      effectiveFrom: '2024-01-01',
      effectiveTo: null,
      policyClause: '二(四)4',
      example: true,
    });
  });

  it('applies the cap through $min', async () => {
    const trace = await evaluateAmount(PER_BED, { subjectsPayable: 40 }, PARAMETERS);

    expect(trace.amountFen).toBe('3000000');
  });

  it.each([
    ['a fraction', 'subjectsPayable / 3', 'gave 0.3333333333333333'],
    ['a negative amount', 'subjectsPayable - 5', 'gave -4'],
    ['a boolean', 'subjectsPayable > 0', 'gave true'],
    ['a string', '"100"', 'gave "100"'],
    ['a division by zero', 'subjectsPayable / 0', 'gave Infinity'],
    ['an amount beyond safe integers', 'subjectsPayable * 9007199254740993', 'gave 9007199254740992'],
  ])('refuses %s', async (_case, formula, message) => {
    const amount = { formula, description: '' };

    await expect(evaluateAmount(amount, { subjectsPayable: 1 }, PARAMETERS)).rejects.toThrow(
      new ExpressionError(
        `The amount formula ${JSON.stringify(formula)} ${message}, not a whole number of fen from 0 up`,
      ),
    );
  });

  it('refuses to work out an amount without its values', async () => {
    await expect(evaluateAmount(PER_BED, {}, {})).rejects.toThrow(
      /is missing subjectsPayable, \$per_application_cap_fen, \$reward_per_bed_fen$/,
    );
  });

  it('reports an evaluation error as an ExpressionError', async () => {
    const amount = { formula: 'subjectsPayable * 2', description: '' };

    await expect(evaluateAmount(amount, { subjectsPayable: 'x' }, {})).rejects.toThrow(ExpressionError);
  });

  it('equals bed count times reward, capped, for any count', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 100_000 }), async (beds) => {
        const trace = await evaluateAmount(PER_BED, { subjectsPayable: beds }, PARAMETERS);

        expect(trace.amountFen).toBe(String(Math.min(beds * 300_000, 3_000_000)));
      }),
    );
  });
});

describe('names that collide with Object.prototype', () => {
  it('cannot reach the prototype of the facts or parameters given', async () => {
    const rules = ['constructor', '__proto__', 'toString', '$constructor', '$hasOwnProperty'].map((when) => ({
      ...NOT_BLACKLISTED,
      id: when,
      when: `$string(${when}) != ''`,
    }));

    const traces = await evaluateRules(rules, {}, {});

    expect(traces.map((trace) => trace.error)).toEqual([
      '缺少数据：constructor',
      '缺少数据：__proto__',
      '缺少数据：toString',
      '缺少数据：$constructor',
      '缺少数据：$hasOwnProperty',
    ]);
    expect(traces[0]?.values).toEqual([{ name: 'constructor', kind: 'fact', value: null }]);
  });

  it('reads facts named constructor and __proto__ as plain values', async () => {
    const facts: Record<string, number> = JSON.parse('{"constructor": 3, "__proto__": 4}');
    const amount = { formula: 'constructor * 10 + __proto__', description: '' };

    const trace = await evaluateAmount(amount, facts, {});

    expect(trace.amountFen).toBe('34');
  });

  it('reads a parameter named constructor as its value', async () => {
    const amount = { formula: '$constructor + 1', description: '' };

    const trace = await evaluateAmount(amount, {}, { constructor: parameter('constructor', 41) });

    expect(trace.amountFen).toBe('42');
  });
});
