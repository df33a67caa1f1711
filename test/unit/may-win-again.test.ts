import { evaluateRules } from '../../services/programs/expressions';
import { parametersOn } from '../../services/programs/parameters';
import { repositoryDefinition } from '../support/programs';

/*
 * Whether a township that already won may win again is the program's parameter
 * may_win_again (default false), read by its eligibility rule: a bureau that changes its mind
 * publishes a version with the parameter true, and no code changes.
 */

const definition = repositoryDefinition('township-demonstration');

async function eligibility(mayWinAgain: boolean | undefined, duplicateSubjects: number) {
  const parameters = parametersOn(definition, '2026-03-01');
  if (mayWinAgain !== undefined) {
    parameters.may_win_again = { ...parameters.may_win_again!, value: mayWinAgain };
  }
  return evaluateRules(definition.eligibility, { duplicateSubjects }, parameters);
}

describe('the township demonstration rule on earlier winners', () => {
  it('refuses an earlier winner by default, quoting the rule in Chinese', async () => {
    const [trace] = await eligibility(undefined, 1);

    expect(trace).toMatchObject({ id: 'not_a_previous_winner', passed: false, error: null });
    expect(trace?.failMessage).toContain('不再重复奖补');
    expect(trace?.values).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'may_win_again', value: false })]),
    );
  });

  it('lets an earlier winner compete when a version sets may_win_again', async () => {
    const [trace] = await eligibility(true, 1);

    expect(trace).toMatchObject({ id: 'not_a_previous_winner', passed: true, failMessage: null });
  });

  it('lets a township that never won compete either way', async () => {
    expect((await eligibility(false, 0))[0]?.passed).toBe(true);
    expect((await eligibility(true, 0))[0]?.passed).toBe(true);
  });
});
