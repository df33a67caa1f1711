import { Op } from 'sequelize';
import { inTransaction } from '../../db';
import { Application, Bed } from '../../db/models';
import { InsufficientBudgetError, NotFoundError } from '../errors';
import { commitAward } from '../money/budget';
import { fenFromColumn } from '../money/amount';
import { computeHomeBedAward } from '../programs/home-bed-award';
import { HOME_BED_PARAMETERS } from '../programs/home-bed';
import { parameterInForce } from '../programs/parameters';
import { shanghaiDate } from '../time';
import type { Actor } from '../../workflows/application-messages';
import { setApplicationStatus } from './review';

export type AwardSettlement =
  | { outcome: 'committed'; awardFen: string }
  | { outcome: 'ineligible'; reasons: string[] }
  | { outcome: 'awaiting_funds'; requestedFen: string };

/** Statuses at which the award has been committed; settling again changes nothing. */
const COMMITTED = ['awaiting_payment', 'payment_prepared', 'payment_sent', 'paid'];

/**
 * After city approval: computes the award with the parameters in force on the day the
 * application was submitted, and commits it against the program year's budget. A budget
 * that cannot hold it leaves the application waiting for funds instead of failing.
 */
export async function settleAward(input: {
  applicationId: string;
  actionKey: string;
  actor: Actor;
}): Promise<AwardSettlement> {
  const application = await Application.findByPk(input.applicationId);
  if (!application) throw new NotFoundError('Application', input.applicationId);
  if (COMMITTED.includes(application.status)) {
    return { outcome: 'committed', awardFen: fenFromColumn(application.awardFen).toString() };
  }

  const onDate = shanghaiDate(application.submittedAt);
  const rewardPerBed = await parameterInForce<number>(
    application.programCode,
    HOME_BED_PARAMETERS.rewardPerBedFen,
    onDate,
  );
  const minimumBeds = await parameterInForce<number>(
    application.programCode,
    HOME_BED_PARAMETERS.minimumOperatingBeds,
    onDate,
  );
  const beds = await Bed.findAll({ where: { applicationId: application.id } });
  const providerOperatingBeds = await countProviderOperatingBeds(application);
  const award = computeHomeBedAward({
    bedsInspected: beds.filter((bed) => bed.inspectionResult !== null).length,
    bedsPassed: beds.filter((bed) => bed.inspectionResult === 'pass').length,
    providerOperatingBeds,
    rewardPerBedFen: BigInt(rewardPerBed.value),
    minimumOperatingBeds: minimumBeds.value,
  });
  const calculation = {
    lines: award.lines,
    parameters: [rewardPerBed, minimumBeds],
    eligible: award.eligible,
    reasons: award.reasons,
    awardFen: award.awardFen.toString(),
  };

  if (!award.eligible) {
    await inTransaction(async (tx) => {
      const refused = await setApplicationStatus(
        tx,
        application.id,
        'refused',
        input.actor.userId,
        'award.ineligible',
        {
          reasons: award.reasons,
          calculation,
        },
      );
      await refused.update({ awardCalculation: calculation }, { transaction: tx });
    });
    return { outcome: 'ineligible', reasons: award.reasons };
  }

  try {
    await inTransaction(async (tx) => {
      const commitment = await commitAward(tx, {
        applicationId: application.id,
        programCode: application.programCode,
        year: application.programYear,
        amountFen: award.awardFen,
        actor: input.actor.userId,
      });
      const updated = await setApplicationStatus(
        tx,
        application.id,
        'awaiting_payment',
        input.actor.userId,
        'award.committed',
        {
          awardFen: award.awardFen.toString(),
          appropriationId: commitment.appropriationId,
        },
      );
      await updated.update(
        {
          awardFen: award.awardFen.toString(),
          awardCalculation: calculation,
          appropriationId: commitment.appropriationId,
        },
        { transaction: tx },
      );
    });
    return { outcome: 'committed', awardFen: award.awardFen.toString() };
  } catch (error) {
    if (!(error instanceof InsufficientBudgetError)) throw error;
    await inTransaction(async (tx) => {
      if (application.status === 'awaiting_funds') return;
      const waiting = await setApplicationStatus(
        tx,
        application.id,
        'awaiting_funds',
        input.actor.userId,
        'award.awaiting_funds',
        {
          requestedFen: award.awardFen.toString(),
          budget: error.details,
        },
      );
      await waiting.update({ awardCalculation: calculation }, { transaction: tx });
    });
    return { outcome: 'awaiting_funds', requestedFen: award.awardFen.toString() };
  }
}

/** Passing beds the provider runs in this program, in applications not refused. */
async function countProviderOperatingBeds(application: Application): Promise<number> {
  const applications = await Application.findAll({
    attributes: ['id'],
    where: {
      programCode: application.programCode,
      organisationCreditCode: application.organisationCreditCode,
      status: { [Op.ne]: 'refused' },
    },
  });
  return Bed.count({ where: { applicationId: applications.map((a) => a.id), inspectionResult: 'pass' } });
}
