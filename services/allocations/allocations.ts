import crypto from 'node:crypto';
import Joi from 'joi';
import { DateTime, Duration } from 'luxon';
import { QueryTypes, UniqueConstraintError } from 'sequelize';
import { database, inTransaction } from '../../db';
import {
  Allocation,
  AllocationInput,
  AllocationLine,
  Application,
  Appropriation,
  DistrictAccount,
  Region,
} from '../../db/models';
import { DISTRICTS } from '../../db/seed/regions';
import { recordAuditEvent } from '../audit';
import { validateInput } from '../validation';
import { ConflictError, InsufficientBudgetError, NotFoundError } from '../errors';
import { isUuid } from '../identifiers/uuid';
import { fenFromColumn, fenToYuanString } from '../money/amount';
import { commitAward } from '../money/budget';
import { parametersOn } from '../programs/parameters';
import { versionInForce } from '../programs/versions';
import { shanghaiDate, shanghaiYear, TIME_ZONE } from '../time';
import {
  calculateAllocation,
  type Allocation as Calculation,
  type AllocationRules,
  type DistrictInput,
} from './calculate';

/*
 * The yearly allocation of the neighbourhood mutual-aid funding (城乡社区邻里互助养老服务奖补,
 * 二(四)3): drafted from the year's figures and budget by the program's formula, approved by
 * the city, then one line per district — each carried by an application of its own, filed by
 * the city on the district's behalf, so that its payment takes the usual finance path.
 */

export const MUTUAL_AID_PROGRAM = 'neighbourhood-mutual-aid';

/** A reminder further ahead than a year would come before the money does. */
const MAX_REMINDER_BEFORE_SECONDS = 366 * 86_400;

const draftSchema = Joi.object({
  year: Joi.number().integer().min(2024).max(2100).required(),
  budget: Joi.string()
    .pattern(/^\d{1,12}$/)
    .messages({ 'string.pattern.base': 'budget must be whole yuan, digits only, such as "1000000"' }),
  usageReportDue: Joi.date().iso().greater('now').required().messages({
    'date.greater': 'usageReportDue must be in the future',
  }),
  reminderBefore: Joi.string()
    .default('P5D')
    .custom((text: string, helpers) => {
      const duration = Duration.fromISO(text);
      const seconds = duration.isValid ? duration.as('seconds') : NaN;
      return seconds > 0 && seconds <= MAX_REMINDER_BEFORE_SECONDS ? text : helpers.error('any.invalid');
    })
    .messages({
      'any.invalid': 'reminderBefore must be an ISO 8601 duration of at most a year, such as P5D or PT2S',
    }),
});

/** Whether any of the year's figures are sample data. */
export async function inputsAreSynthetic(year: number): Promise<boolean> {
  return (await AllocationInput.count({ where: { year, synthetic: true } })) > 0;
}

/** The year's figures for all districts, as the formula takes them. @throws ConflictError INPUTS_INCOMPLETE. */
export async function districtInputs(year: number): Promise<DistrictInput[]> {
  const rows = new Map(
    (await AllocationInput.findAll({ where: { year } })).map((row) => [row.districtCode, row]),
  );
  const missing = DISTRICTS.filter((district) => !rows.has(district.code)).map((district) => district.name);
  if (missing.length > 0) {
    throw new ConflictError(
      `The ${year} figures are missing for ${missing.join('、')}: import them first.`,
      'INPUTS_INCOMPLETE',
    );
  }
  return DISTRICTS.map((district) => {
    const row = rows.get(district.code) as AllocationInput;
    return {
      districtCode: district.code,
      districtName: district.name,
      urbanCommunities: row.urbanCommunities,
      ruralCommunities: row.ruralCommunities,
      olderResidents: row.olderResidents,
    };
  });
}

/** Money left in the program year's appropriations. */
async function availableBudgetFen(year: number): Promise<bigint> {
  const rows = await Appropriation.findAll({ where: { programCode: MUTUAL_AID_PROGRAM, year } });
  return rows.reduce(
    (sum, row) =>
      sum + fenFromColumn(row.amountFen) - fenFromColumn(row.committedFen) - fenFromColumn(row.spentFen),
    0n,
  );
}

/** The program's rules in force today, with the year's pool as the budget unless one is given. */
export async function rulesFor(budgetFen?: bigint): Promise<{ rules: AllocationRules; versionId: number }> {
  const version = await versionInForce(MUTUAL_AID_PROGRAM, shanghaiDate());
  const parameters = parametersOn(version.definition, shanghaiDate());
  const parameter = (name: string): string => {
    const value = parameters[name]?.value;
    if (value === undefined || value === null) {
      throw new ConflictError(
        `The mutual-aid program has no parameter ${name} in force.`,
        'PARAMETER_MISSING',
      );
    }
    return String(value);
  };
  return {
    versionId: version.id,
    rules: {
      budgetFen: budgetFen ?? BigInt(parameter('allocation_pool_fen')),
      // The cap is the definition's own per-region cap, so the figure a notice quotes as the
      // program's cap and the one the formula applies cannot drift apart.
      capFen: BigInt(parameter(version.definition.caps.perRegionPerYear?.parameter ?? 'district_cap_fen')),
      communityWeight: parameter('community_weight'),
      olderResidentWeight: parameter('older_resident_weight'),
    },
  };
}

/**
 * The calculation with the year's figures and the program's rules.
 * @throws ConflictError INPUTS_INCOMPLETE; InsufficientBudgetError when the year's
 *   appropriations cannot cover the budget.
 */
export async function calculateFor(
  year: number,
  budgetFen?: bigint,
): Promise<{ calculation: Calculation; versionId: number }> {
  const { rules, versionId } = await rulesFor(budgetFen);
  const available = await availableBudgetFen(year);
  if (available < rules.budgetFen) {
    throw new InsufficientBudgetError(
      `The ${year} appropriations of the mutual-aid program have ${fenToYuanString(available)} yuan left; ` +
        `the allocation needs ${fenToYuanString(rules.budgetFen)}. Appropriate the difference first.`,
      { availableFen: available.toString(), budgetFen: rules.budgetFen.toString() },
    );
  }
  return { calculation: calculateAllocation(await districtInputs(year), rules), versionId };
}

/**
 * Drafts the year's allocation from the figures in force and the money available.
 * @throws ValidationError; ConflictError INPUTS_INCOMPLETE or ALLOCATION_EXISTS; InsufficientBudgetError.
 */
export async function draftAllocation(body: unknown, actor: string): Promise<Allocation> {
  const value = validateInput(draftSchema, body, 'allocation');
  const { year, usageReportDue, budget, reminderBefore } = value as {
    year: number;
    usageReportDue: Date;
    budget?: string;
    reminderBefore: string;
  };
  const { calculation, versionId } = await calculateFor(year, budget ? BigInt(budget) * 100n : undefined);
  try {
    return await inTransaction(async (tx) => {
      const allocation = await Allocation.create(
        {
          id: crypto.randomUUID(),
          programCode: MUTUAL_AID_PROGRAM,
          programVersionId: versionId,
          year,
          status: 'draft',
          calculation,
          budgetFen: calculation.budgetFen,
          totalFen: calculation.totalFen,
          usageReportDue,
          usageReminderAt: before(usageReportDue, reminderBefore),
          synthetic: await inputsAreSynthetic(year),
          approvedBy: null,
          approvedAt: null,
          createdBy: actor,
          createdAt: new Date(),
        },
        { transaction: tx },
      );
      await recordAuditEvent(tx, {
        actor,
        action: 'allocation.drafted',
        subjectType: 'allocation',
        subjectId: allocation.id,
        after: { year, budgetFen: calculation.budgetFen, totalFen: calculation.totalFen },
      });
      return allocation;
    });
  } catch (caught) {
    if (caught instanceof UniqueConstraintError) {
      throw new ConflictError(`The ${year} allocation already exists.`, 'ALLOCATION_EXISTS');
    }
    throw caught;
  }
}

/** The instant an ISO 8601 duration before `instant`, counted on Yantai's clock. */
function before(instant: Date, duration: string): Date {
  return DateTime.fromJSDate(instant, { zone: TIME_ZONE }).minus(Duration.fromISO(duration)).toJSDate();
}

export async function findAllocation(allocationId: string): Promise<Allocation> {
  const allocation = isUuid(allocationId) ? await Allocation.findByPk(allocationId) : null;
  if (!allocation) throw new NotFoundError('Allocation', allocationId);
  return allocation;
}

export interface LineSummary {
  lineId: string;
  districtCode: string;
  districtName: string;
  applicationId: string;
  reference: string;
  amountFen: string;
}

/**
 * The city's approval: one line per district, each with its application (status
 * `awaiting_acknowledgement`) and its money committed, in one transaction. Approving again
 * returns the lines made the first time.
 */
export async function approveAllocation(input: {
  allocationId: string;
  actor: string;
}): Promise<LineSummary[]> {
  return inTransaction(async (tx) => {
    const allocation = await Allocation.findByPk(input.allocationId, {
      transaction: tx,
      lock: tx.LOCK.UPDATE,
    });
    if (!allocation) throw new NotFoundError('Allocation', input.allocationId);
    if (allocation.status === 'draft') {
      const calculation = allocation.calculation as Calculation;
      const accounts = new Map(
        (await DistrictAccount.findAll({ transaction: tx })).map((a) => [a.districtCode, a]),
      );
      for (const district of calculation.districts) {
        const account = accounts.get(district.districtCode);
        if (!account) {
          throw new ConflictError(
            `${district.districtName} has no treasury account on record.`,
            'NO_DISTRICT_ACCOUNT',
          );
        }
        const application = await createLineApplication(
          tx,
          allocation,
          district.districtCode,
          account,
          BigInt(district.amountFen),
          input.actor,
        );
        await AllocationLine.create(
          {
            id: crypto.randomUUID(),
            allocationId: allocation.id,
            districtCode: district.districtCode,
            amountFen: district.amountFen,
            applicationId: application.id,
            acknowledgedBy: null,
            acknowledgedAt: null,
            usageReport: null,
            usageReportedAt: null,
            usageRemindedAt: null,
            usageOverdueAt: null,
          },
          { transaction: tx },
        );
      }
      await allocation.update(
        { status: 'approved', approvedBy: input.actor, approvedAt: new Date() },
        { transaction: tx },
      );
      await recordAuditEvent(tx, {
        actor: input.actor,
        action: 'allocation.approved',
        subjectType: 'allocation',
        subjectId: allocation.id,
        before: { status: 'draft' },
        after: { status: 'approved', totalFen: allocation.totalFen },
      });
    }
    return lineSummaries(allocation.id, tx);
  });
}

async function lineSummaries(
  allocationId: string,
  tx?: import('sequelize').Transaction,
): Promise<LineSummary[]> {
  const lines = await AllocationLine.findAll({
    where: { allocationId },
    transaction: tx,
    order: [['districtCode', 'ASC']],
  });
  const applications = new Map(
    (
      await Application.findAll({
        where: { id: lines.map((l) => l.applicationId as string) },
        transaction: tx,
      })
    ).map((a) => [a.id, a]),
  );
  const names = new Map(
    (await Region.findAll({ where: { level: 'district' }, transaction: tx })).map((r) => [r.code, r.name]),
  );
  return lines.map((line) => ({
    lineId: line.id,
    districtCode: line.districtCode,
    districtName: names.get(line.districtCode) ?? line.districtCode,
    applicationId: line.applicationId as string,
    reference: applications.get(line.applicationId as string)?.reference ?? '',
    amountFen: String(line.amountFen),
  }));
}

/** The application that carries one district's money: filed by the city on the district's behalf. */
export async function createLineApplication(
  tx: import('sequelize').Transaction,
  allocation: Allocation,
  districtCode: string,
  account: DistrictAccount,
  amountFen: bigint,
  actor: string,
  status: 'awaiting_acknowledgement' | 'awaiting_payment' = 'awaiting_acknowledgement',
): Promise<Application> {
  const [{ seq }] = (await database().query<{ seq: string }>(
    "SELECT nextval('application_reference_seq') AS seq",
    {
      type: QueryTypes.SELECT,
      transaction: tx,
    },
  )) as [{ seq: string }];
  const township = await Region.findOne({
    where: { parentCode: districtCode, level: 'township' },
    transaction: tx,
  });
  const now = new Date();
  const application = await Application.create(
    {
      id: crypto.randomUUID(),
      reference: `LLHZ-${shanghaiYear(now)}-${seq.padStart(6, '0')}`,
      programCode: MUTUAL_AID_PROGRAM,
      programYear: allocation.year,
      programVersionId: allocation.programVersionId,
      applicantType: 'district',
      facts: { districtCode },
      status,
      stage: null,
      applicantUserId: actor,
      idempotencyKey: null,
      organisationCreditCode: `DISTRICT-${districtCode}`,
      organisationName: account.accountName,
      contactEmail: account.contactEmail,
      districtCode,
      townshipCode: township?.code ?? districtCode,
      bankAccountName: account.accountName,
      bankAccountNumber: account.accountNumber,
      bankName: account.bankName,
      awardFen: amountFen.toString(),
      awardCalculation: null,
      appropriationId: null,
      submittedAt: now,
      updatedAt: now,
    },
    { transaction: tx },
  );
  if (amountFen > 0n) {
    const commitment = await commitAward(tx, {
      applicationId: application.id,
      programCode: MUTUAL_AID_PROGRAM,
      year: allocation.year,
      amountFen,
      actor,
    });
    await application.update({ appropriationId: commitment.appropriationId }, { transaction: tx });
  }
  await recordAuditEvent(tx, {
    actor,
    action: 'application.filed_for_allocation',
    subjectType: 'application',
    subjectId: application.id,
    after: { allocationId: allocation.id, districtCode, amountFen: amountFen.toString() },
  });
  return application;
}

export { lineSummaries };

/**
 * Works a draft out again from the figures as they are now, with the budget it was drafted
 * with: the city reviews what the approval will pay.
 * @throws ConflictError NOT_A_DRAFT once approved: corrections then go through adjustments.
 */
export async function redraftAllocation(allocationId: string, actor: string): Promise<Allocation> {
  if (!isUuid(allocationId)) throw new NotFoundError('Allocation', allocationId);
  return inTransaction(async (tx) => {
    const allocation = await Allocation.findByPk(allocationId, { transaction: tx, lock: tx.LOCK.UPDATE });
    if (!allocation) throw new NotFoundError('Allocation', allocationId);
    if (allocation.status !== 'draft') {
      throw new ConflictError(
        'The allocation is approved: see its recalculation and correct it by adjustments.',
        'NOT_A_DRAFT',
      );
    }
    const { calculation } = await calculateFor(allocation.year, BigInt(allocation.budgetFen));
    const before = { totalFen: String(allocation.totalFen) };
    await allocation.update(
      { calculation, totalFen: calculation.totalFen, synthetic: await inputsAreSynthetic(allocation.year) },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor,
      action: 'allocation.redrafted',
      subjectType: 'allocation',
      subjectId: allocation.id,
      before,
      after: { totalFen: calculation.totalFen },
    });
    return allocation;
  });
}
