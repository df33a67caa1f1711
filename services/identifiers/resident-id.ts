/**
 * The resident identity number (居民身份证号码), GB 11643-1999: a 6-digit area code,
 * the birth date as YYYYMMDD, a 3-digit sequence and a check character (0-9 or X)
 * computed over the first 17 digits with weights 2^(17-i) mod 11.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export type ResidentIdProblem = 'format' | 'birth-date' | 'check-digit';

export function residentIdCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17.charAt(i)) * (WEIGHTS[i] ?? 0);
  return CHECK.charAt(sum % 11);
}

/** Why a number is not a valid resident identity number, or undefined when it is. */
export function residentIdProblem(id: string): ResidentIdProblem | undefined {
  if (!/^\d{17}[\dX]$/.test(id)) return 'format';
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(year, month - 1, day));
  const valid =
    year >= 1880 &&
    birth.getUTCFullYear() === year &&
    birth.getUTCMonth() === month - 1 &&
    birth.getUTCDate() === day &&
    birth.getTime() <= Date.now();
  if (!valid) return 'birth-date';
  if (residentIdCheckCharacter(id.slice(0, 17)) !== id.charAt(17)) return 'check-digit';
  return undefined;
}

/** The birth date encoded in a valid number, as YYYY-MM-DD. */
export function residentIdBirthDate(id: string): string {
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}

/** Shows the area code's first two digits and the check character only: 37**************1X. */
export function maskResidentId(id: string): string {
  return `${id.slice(0, 2)}${'*'.repeat(14)}${id.slice(16)}`;
}
