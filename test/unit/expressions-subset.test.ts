import { compileExpression, ExpressionError } from '../../services/programs/expressions';

function refusal(source: string): ExpressionError {
  try {
    compileExpression(source);
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error(`expected ${source} to be refused`);
}

describe('compileExpression', () => {
  it.each([
    ['subjectsPassed >= 1', ['subjectsPassed'], []],
    [
      'applicantSubjectsPassed >= $minimum_operating_beds',
      ['applicantSubjectsPassed'],
      ['minimum_operating_beds'],
    ],
    [
      '$min([subjectsPayable * $reward_per_bed_fen, $per_application_cap_fen])',
      ['subjectsPayable'],
      ['per_application_cap_fen', 'reward_per_bed_fen'],
    ],
    [
      "facilityType = 'elder_canteen' ? mealsServedPerDay >= $min_meals : true",
      ['facilityType', 'mealsServedPerDay'],
      ['min_meals'],
    ],
    ['$not(blacklisted)', ['blacklisted'], []],
    ["facilityType in ['elder_canteen', 'day_care'] and -(beds) < 0", ['beds', 'facilityType'], []],
    [
      '$round(subjectsPassed / subjectCount, 2) >= $pass_ratio',
      ['subjectCount', 'subjectsPassed'],
      ['pass_ratio'],
    ],
  ])('accepts %s and lists what it reads', (source, facts, parameters) => {
    expect(compileExpression(source)).toEqual({ source, facts, parameters });
  });

  it('lists each name once, sorted, and never a function as a parameter', () => {
    const compiled = compileExpression('$max([b, a, b * $rate]) + $abs(a - $rate)');

    expect(compiled.facts).toEqual(['a', 'b']);
    expect(compiled.parameters).toEqual(['rate']);
  });

  it.each([
    ['$x := 1', 'Assignment (:=) is not allowed'],
    ['function($a){$a}', 'Function definitions are not allowed'],
    ["$eval('1')", 'The function $eval is not allowed'],
    ['$sort(x)', 'The function $sort is not allowed'],
    ['$lookupSecret(x)', 'The function $lookupSecret is not allowed'],
    ['a.b', 'Nested paths such as a.b are not allowed'],
    ['a[0]', 'Filters and indexes ([…]) are not allowed'],
    ['$rate[0]', 'Filters and indexes ([…]) are not allowed'],
    ['$min([a])[0]', 'Filters and indexes ([…]) are not allowed'],
    ['a^(b)', 'Sorting (^(…)) is not allowed'],
    ['a{"k": 1}', 'Object constructors and grouping ({…}) are not allowed'],
    ['{"k": a}', 'Object constructors and grouping ({…}) are not allowed'],
    ['a.%', 'The parent operator (%) is not allowed'],
    ['a@$x', 'Context and position variables (@, #) are not allowed'],
    ['a[]', 'Keeping arrays ([]) is not allowed'],
    ['*', 'Wildcards (*) are not allowed'],
    ['**', 'The descendant operator (**) is not allowed'],
    ['/re/', 'Regular expressions are not allowed'],
    ['$', 'The context variables $ and $$ are not allowed'],
    ['$$', 'The context variables $ and $$ are not allowed'],
    ['a ~> $sum', 'The ~> operator is not allowed'],
    ['$sum(?, 1)', 'Partial application (? as an argument) is not allowed'],
    ['|a|{}|', 'Transform expressions (| … | … |) are not allowed'],
    ['$sum([1..3])', 'Ranges (..) are not allowed'],
    ['[a, b]', 'A list [...] is allowed only inside $min, $max, $sum or after in'],
    ['$count([a, b])', 'A list [...] is allowed only inside $min, $max, $sum or after in'],
    ['(a; b)', 'Parentheses must hold exactly one expression'],
    ['a > 1 ? b', 'A conditional needs both branches'],
    ['$sum + 1', '$sum is a function: call it with its arguments'],
    ['$string()', '$string takes 1 argument(s), not 0'],
  ])('refuses %s', (source, message) => {
    const error = refusal(source);

    expect(error.message).toContain(message);
  });

  it('reports a syntax error with its position and the way to write negation', () => {
    const error = refusal('not blacklisted');

    expect(error.message).toMatch(/^Syntax error at character 15: .*\$not\(x\)/);
    expect(error.position).toBe(15);
  });

  it('reports an unfinished expression at its end', () => {
    expect(refusal('subjectsPassed >=').position).toBe(17);
  });

  it('refuses an expression too long to review', () => {
    expect(refusal(Array(600).fill('a').join(' + ')).message).toContain('longer than 2000');
  });
});
