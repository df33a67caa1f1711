import Joi from 'joi';
import { Op } from 'sequelize';
import { inTransaction } from '../../db';
import { AllocationLine, Application, DistrictAccount, Region } from '../../db/models';
import { setApplicationStatus } from '../applications/review';
import { recordAuditEvent } from '../audit';
import { validateInput } from '../validation';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { parseYuan } from '../money/amount';
import { sendMail } from '../notices/mailer';
import { SYNTHETIC_MARK } from '../notices/compose-allocation';
import { shanghaiDate } from '../time';
import { findAllocation } from './allocations';

/*
 * What happens to each district's line after approval: the district acknowledges its
 * allocation notice (which lets finance pay), and later reports how the money was used — by
 * the due date, with a reminder before it and an overdue flag after it.
 */

async function lineOf(allocationId: string, districtCode: string): Promise<AllocationLine> {
  const line = await AllocationLine.findOne({ where: { allocationId, districtCode } });
  if (!line) throw new NotFoundError('Allocation line', `${allocationId}/${districtCode}`);
  return line;
}

/** The district acknowledges its allocation; its application then waits for finance. */
export async function acknowledgeLine(input: {
  allocationId: string;
  districtCode: string;
  actor: string;
}): Promise<{ applicationId: string; reference: string; amountFen: string }> {
  const line = await lineOf(input.allocationId, input.districtCode);
  const application = await Application.findByPk(line.applicationId as string);
  if (!line.acknowledgedAt) {
    await inTransaction(async (tx) => {
      await line.update({ acknowledgedBy: input.actor, acknowledgedAt: new Date() }, { transaction: tx });
      await setApplicationStatus(
        tx,
        line.applicationId as string,
        'awaiting_payment',
        input.actor,
        'allocation.acknowledged',
        {
          allocationId: input.allocationId,
          districtCode: input.districtCode,
        },
      );
    });
  }
  return {
    applicationId: line.applicationId as string,
    reference: application?.reference ?? '',
    amountFen: String(line.amountFen),
  };
}

const usageSchema = Joi.object({
  spent: Joi.string().required().description('yuan with up to two decimals'),
  activities: Joi.string().trim().min(10).max(5000).required(),
  beneficiaries: Joi.number().integer().min(0).required(),
});

/** Checks a usage report as the district submits it. @throws ValidationError listing each problem. */
export function validateUsageReport(body: unknown): {
  spent: string;
  activities: string;
  beneficiaries: number;
} {
  const value = validateInput(usageSchema, body, 'usage report');
  parseYuan(value.spent);
  return value;
}

/**
 * Records the district's report of how the money was used; once only, and only once the
 * money has reached it.
 * @throws ValidationError when it spends more than was allocated.
 * @throws ConflictError USAGE_REPORTED when already reported; NOT_PAID before the payment is confirmed.
 */
export async function recordUsageReport(input: {
  allocationId: string;
  districtCode: string;
  actor: string;
  report: { spent: string; activities: string; beneficiaries: number };
}): Promise<void> {
  const spentFen = parseYuan(input.report.spent);
  await inTransaction(async (tx) => {
    const line = await AllocationLine.findOne({
      where: { allocationId: input.allocationId, districtCode: input.districtCode },
      lock: tx.LOCK.UPDATE,
      transaction: tx,
    });
    if (!line) throw new NotFoundError('Allocation line', `${input.allocationId}/${input.districtCode}`);
    if (line.usageReportedAt) {
      throw new ConflictError('This district has already reported how the money was used.', 'USAGE_REPORTED');
    }
    const application = await Application.findByPk(line.applicationId as string, { transaction: tx });
    if (application?.status !== 'paid') {
      throw new ConflictError(
        'The allocation has not been paid yet: report how it was used once the bank has confirmed the payment.',
        'NOT_PAID',
      );
    }
    if (spentFen > BigInt(line.amountFen)) {
      throw new ValidationError('The report spends more than was allocated.', [
        {
          field: 'spent',
          message: `must not exceed the allocation of ${BigInt(line.amountFen) / 100n} yuan`,
        },
      ]);
    }
    await line.update(
      { usageReport: { ...input.report, spentFen: spentFen.toString() }, usageReportedAt: new Date() },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor: input.actor,
      action: 'allocation.usage_reported',
      subjectType: 'allocation',
      subjectId: input.allocationId,
      after: {
        districtCode: input.districtCode,
        spentFen: spentFen.toString(),
        beneficiaries: input.report.beneficiaries,
      },
    });
  });
}

/** Mails every district that has not reported yet, once, naming the due date. */
export async function remindUsageReports(input: { allocationId: string }): Promise<{ reminded: string[] }> {
  const allocation = await findAllocation(input.allocationId);
  const lines = await AllocationLine.findAll({
    where: { allocationId: allocation.id, usageReportedAt: null, usageRemindedAt: null },
  });
  const accounts = new Map((await DistrictAccount.findAll()).map((a) => [a.districtCode, a]));
  const names = new Map(
    (await Region.findAll({ where: { level: 'district' } })).map((r) => [r.code, r.name]),
  );
  const reminded: string[] = [];
  for (const line of lines) {
    const account = accounts.get(line.districtCode);
    if (account) {
      const mark = allocation.synthetic ? SYNTHETIC_MARK : '';
      await sendMail({
        to: account.contactEmail,
        subject: `${mark}【烟台市民政局】${allocation.year}年度邻里互助养老服务奖补资金使用情况报告提醒`,
        text:
          (mark ? `${mark}本提醒基于合成的示例数据，不作为报送依据。\n\n` : '') +
          `${names.get(line.districtCode) ?? line.districtCode}民政局：\n\n` +
          `请于 ${shanghaiDate(allocation.usageReportDue)} 前登录系统报送${allocation.year}年度` +
          '城乡社区邻里互助养老服务奖补资金使用情况（支出金额、开展的服务、受益老年人数）。逾期未报送的，将标记为逾期。\n',
        attachments: [],
      });
    }
    await inTransaction(async (tx) => {
      await line.update({ usageRemindedAt: new Date() }, { transaction: tx });
      await recordAuditEvent(tx, {
        actor: 'system:allocations',
        action: 'allocation.usage_reminded',
        subjectType: 'allocation',
        subjectId: allocation.id,
        after: { districtCode: line.districtCode },
      });
    });
    reminded.push(line.districtCode);
  }
  return { reminded };
}

/** Flags every district that has not reported by the due date. */
export async function markUsageOverdue(input: { allocationId: string }): Promise<{ overdue: string[] }> {
  const lines = await AllocationLine.findAll({
    where: { allocationId: input.allocationId, usageReportedAt: null, usageOverdueAt: { [Op.is]: null } },
  });
  for (const line of lines) {
    await inTransaction(async (tx) => {
      await line.update({ usageOverdueAt: new Date() }, { transaction: tx });
      await recordAuditEvent(tx, {
        actor: 'system:allocations',
        action: 'allocation.usage_overdue',
        subjectType: 'allocation',
        subjectId: input.allocationId,
        after: { districtCode: line.districtCode },
      });
    });
  }
  return { overdue: lines.map((line) => line.districtCode) };
}

/** Closes the allocation once every district has reported. */
export async function closeAllocation(input: { allocationId: string }): Promise<void> {
  await inTransaction(async (tx) => {
    const allocation = await findAllocation(input.allocationId);
    if (allocation.status === 'closed') return;
    await allocation.update({ status: 'closed' }, { transaction: tx });
    await recordAuditEvent(tx, {
      actor: 'system:allocations',
      action: 'allocation.closed',
      subjectType: 'allocation',
      subjectId: allocation.id,
      before: { status: allocation.status },
      after: { status: 'closed' },
    });
  });
}
