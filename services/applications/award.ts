import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import { database, inTransaction } from '../../db';
import { Application, Bed, RuleEvaluation } from '../../db/models';
import { InsufficientBudgetError, NotFoundError } from '../errors';
import { commitAward } from '../money/budget';
import { fenFromColumn } from '../money/amount';
import { lockFundingGroup, markClaimsFunded, raiseFlags, releaseClaims, runChecks } from '../programs/checks';
import { evaluateApplication, type Evaluation } from '../programs/evaluation';
import { parametersOn } from '../programs/parameters';
import { pinnedVersion } from '../programs/versions';
import { shanghaiDate } from '../time';
import type { Actor } from '../../workflows/application-messages';
import { capUsages, gatherFacts } from './award-facts';
import { setApplicationStatus } from './review';

export type AwardSettlement =
  | { outcome: 'committed'; awardFen: string }
  | { outcome: 'ineligible'; reasons: string[] }
  | { outcome: 'awaiting_funds'; requestedFen: string };

/** Statuses at which the award has been committed; settling again changes nothing. */
const COMMITTED = ['awaiting_payment', 'payment_prepared', 'payment_sent', 'paid'];

/**
 * After city approval: evaluates the application under its pinned program version, with
 * the parameters in force on the day it was submitted, and commits the award against the
 * program year's budget. The evaluation is stored with its trace whatever the outcome. A
 * budget that cannot hold the award leaves the application waiting for funds.
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
  if (application.status === 'refused')
    return { outcome: 'ineligible', reasons: await latestReasons(application.id) };

  let evaluation: Evaluation | undefined;
  try {
    return await inTransaction(async (tx) => {
      evaluation = await evaluate(tx, application);
      await storeEvaluation(tx, application, input.actionKey, evaluation);
      if (!evaluation.eligible) {
        await releaseClaims(tx, application.id);
        const refused = await setApplicationStatus(
          tx,
          application.id,
          'refused',
          input.actor.userId,
          'award.ineligible',
          {
            reasons: evaluation.reasons,
          },
        );
        await refused.update({ awardCalculation: summary(evaluation) }, { transaction: tx });
        return { outcome: 'ineligible', reasons: evaluation.reasons } as const;
      }
      const commitment = await commitAward(tx, {
        applicationId: application.id,
        programCode: application.programCode,
        year: application.programYear,
        amountFen: BigInt(evaluation.awardFen),
        actor: input.actor.userId,
      });
      const updated = await setApplicationStatus(
        tx,
        application.id,
        'awaiting_payment',
        input.actor.userId,
        'award.committed',
        {
          awardFen: evaluation.awardFen,
          appropriationId: commitment.appropriationId,
        },
      );
      await updated.update(
        {
          awardFen: evaluation.awardFen,
          awardCalculation: summary(evaluation),
          appropriationId: commitment.appropriationId,
        },
        { transaction: tx },
      );
      return { outcome: 'committed', awardFen: evaluation.awardFen } as const;
    });
  } catch (error) {
    if (!(error instanceof InsufficientBudgetError) || !evaluation) throw error;
    const requestedFen = evaluation.awardFen;
    await inTransaction(async (tx) => {
      if (application.status === 'awaiting_funds') return;
      const waiting = await setApplicationStatus(
        tx,
        application.id,
        'awaiting_funds',
        input.actor.userId,
        'award.awaiting_funds',
        {
          requestedFen,
          budget: error.details,
        },
      );
      await waiting.update({ awardCalculation: summary(evaluation as Evaluation) }, { transaction: tx });
    });
    return { outcome: 'awaiting_funds', requestedFen };
  }
}

/** What the application record keeps of an evaluation: enough for the award notice. */
function summary(evaluation: Evaluation) {
  return {
    programVersion: evaluation.programVersion,
    onDate: evaluation.onDate,
    eligible: evaluation.eligible,
    reasons: evaluation.reasons,
    awardFen: evaluation.awardFen,
    lines: evaluation.lines,
  };
}

async function latestReasons(applicationId: string): Promise<string[]> {
  const latest = await RuleEvaluation.findOne({
    where: { applicationId, purpose: 'award' },
    order: [['createdAt', 'DESC']],
  });
  return ((latest?.trace as Evaluation | undefined)?.reasons ?? []).slice();
}

async function storeEvaluation(
  tx: Transaction,
  application: Application,
  actionKey: string,
  evaluation: Evaluation,
) {
  await RuleEvaluation.create(
    {
      id: crypto.randomUUID(),
      actionKey,
      applicationId: application.id,
      programVersionId: application.programVersionId as number,
      purpose: 'award',
      outcome: evaluation.eligible ? 'eligible' : 'ineligible',
      trace: evaluation,
      createdAt: new Date(),
    },
    { transaction: tx },
  );
}

// TODO(programs): a formula that passes validation but yields no whole fen for some
// application (a fraction, say) fails this activity, and the application waits at its deciding
// stage; repinning it to a corrected version needs an administrative route — it can go when
// versions may be superseded for applications in flight, with the applicant told.
/**
 * Gathers the facts and evaluates. Runs inside the committing transaction, holding the
 * funding group's lock and the program year's cap lock, so that two awards cannot both
 * fund the same subject or both use the last of a cap.
 */
async function evaluate(tx: Transaction, application: Application): Promise<Evaluation> {
  if (application.programVersionId === null) {
    throw new NotFoundError('Program version of application', application.reference);
  }
  const { definition, version } = await pinnedVersion(application.programVersionId);
  const onDate = shanghaiDate(application.submittedAt);
  if (definition.checks.doublePayment)
    await lockFundingGroup(tx, definition.checks.doublePayment.fundingGroup);
  await database().query('SELECT pg_advisory_xact_lock(hashtext(:key))', {
    replacements: { key: `caps:${application.programCode}:${application.programYear}` },
    transaction: tx,
  });

  const beds = await Bed.findAll({
    where: { applicationId: application.id },
    order: [['sequence', 'ASC']],
    transaction: tx,
  });
  const checks = await runChecks(tx, { application, definition, beds, onDate });
  await raiseFlags(tx, application.id, checks, 'system:award');
  const gathered = await gatherFacts(tx, application, definition, beds, checks);
  const evaluation = await evaluateApplication({
    definition,
    programVersion: version,
    onDate,
    facts: gathered.facts,
    parameters: parametersOn(definition, onDate),
    capUsages: await capUsages(tx, application, definition),
  });
  if (evaluation.eligible) await markClaimsFunded(tx, application.id, gathered.unpaidSubjectKeys);
  return evaluation;
}
