import { Op } from 'sequelize';
import { ProgramParameter } from '../../db/models';
import { ConflictError } from '../errors';

export interface ParameterValue<T> {
  name: string;
  value: T;
  effectiveFrom: string;
  policyClause: string;
  isExample: boolean;
}

/**
 * The value of a program parameter in force on `onDate` (YYYY-MM-DD).
 * @throws ConflictError PARAMETER_MISSING when the bureau has set no value for that date.
 */
export async function parameterInForce<T>(
  programCode: string,
  name: string,
  onDate: string,
): Promise<ParameterValue<T>> {
  const row = await ProgramParameter.findOne({
    where: {
      programCode,
      name,
      effectiveFrom: { [Op.lte]: onDate },
      [Op.or]: [{ effectiveTo: null }, { effectiveTo: { [Op.gt]: onDate } }],
    },
    order: [['effectiveFrom', 'DESC']],
  });
  if (!row) {
    throw new ConflictError(
      `Program ${programCode} has no value for parameter ${name} on ${onDate}; the bureau must set one first.`,
      'PARAMETER_MISSING',
    );
  }
  return {
    name,
    value: row.value as T,
    effectiveFrom: row.effectiveFrom,
    policyClause: row.policyClause,
    isExample: row.isExample,
  };
}
