import { creditCodeCheckCharacter, creditCodeProblem } from '../../services/identifiers/credit-code';
import { maskResidentId, residentIdCheckCharacter, residentIdProblem } from '../../services/identifiers/resident-id';

describe('unified social credit code', () => {
  // A code published in GB 32100-2015's worked example.
  it('accepts the standard example 91350100M000100Y43', () => {
    expect(creditCodeProblem('91350100M000100Y43')).toBeUndefined();
  });

  it('names a wrong check character', () => {
    expect(creditCodeProblem('91350100M000100Y44')).toBe('check-character');
  });

  it('refuses letters the standard leaves out and codes of the wrong length', () => {
    expect(creditCodeProblem('91350100M000100I43')).toBe('characters');
    expect(creditCodeProblem('91350100M000100Y4')).toBe('length');
  });

  it('computes a check character that validates the code it completes', () => {
    const body = '91370600MA3C1234X';
    expect(creditCodeProblem(body + creditCodeCheckCharacter(body))).toBeUndefined();
  });
});

describe('resident identity number', () => {
  // The example number in GB 11643-1999.
  it('accepts 11010519491231002X', () => {
    expect(residentIdProblem('11010519491231002X')).toBeUndefined();
  });

  it('names a wrong check digit, an impossible birth date and a malformed number', () => {
    expect(residentIdProblem('110105194912310021')).toBe('check-digit');
    const feb30 = '37060219450230001';
    expect(residentIdProblem(feb30 + residentIdCheckCharacter(feb30))).toBe('birth-date');
    expect(residentIdProblem('37060219450101001x')).toBe('format');
    expect(residentIdProblem('3706021945')).toBe('format');
  });

  it('masks all but the province and the last two characters', () => {
    expect(maskResidentId('11010519491231002X')).toBe('11**************2X');
  });
});
