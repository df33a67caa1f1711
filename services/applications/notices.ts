import { QueryTypes } from 'sequelize';
import { database } from '../../db';
import { Application, Appropriation, Bed, FundSource, Notice, Payment } from '../../db/models';
import { NotFoundError } from '../errors';
import { fenFromColumn } from '../money/amount';
import { issueNotice, HOME_CARE_BED_POLICY_BASIS, type IssuedNotice, type NoticeContent } from '../notices';
import { shanghaiDate } from '../time';
import type { NoticeKind } from '../../workflows/stages';

export interface ApplicationNoticeInput {
  applicationId: string;
  kind: NoticeKind;
  /** Business key from the workflow: the same key never issues a second notice. */
  noticeKey: string;
  /** The stage that decided, for refusals. */
  stageName: string;
  /** The reviewer's reasons, for refusals and requests for documents. */
  reasons: string[];
}

interface AwardCalculation {
  lines: Array<{ label: string; value: string }>;
  parameters: Array<{ name: string; value: number }>;
}

/**
 * Issues one of an application's notices (PDF, stored, recorded, mailed to the applicant's
 * contact address), filling it from the record as it stands.
 */
export async function issueApplicationNotice(input: ApplicationNoticeInput): Promise<IssuedNotice> {
  const application = await Application.findByPk(input.applicationId);
  if (!application) throw new NotFoundError('Application', input.applicationId);
  // A retried activity finds its notice already issued: it is not numbered or rendered again.
  const existing = await Notice.findOne({ where: { noticeKey: input.noticeKey } });
  const documentNumber = existing ? '' : await nextDocumentNumber(application.programYear);

  const base = {
    documentNumber,
    issuedOn: shanghaiDate(),
    organisationName: application.organisationName,
    applicationReference: application.reference,
    noticeKey: input.noticeKey,
  };
  return issueNotice({
    applicationId: application.id,
    recipientEmail: application.contactEmail,
    actor: 'system:notices',
    content: await contentFor(input, application, base),
  });
}

type Base = Pick<
  NoticeContent,
  'documentNumber' | 'issuedOn' | 'organisationName' | 'applicationReference' | 'noticeKey'
>;

async function contentFor(
  input: ApplicationNoticeInput,
  application: Application,
  base: Base,
): Promise<NoticeContent> {
  const beds = await Bed.findAll({ where: { applicationId: application.id }, order: [['sequence', 'ASC']] });
  switch (input.kind) {
    case 'acceptance':
      return {
        ...base,
        kind: 'acceptance',
        bedCount: beds.length,
        receivedOn: shanghaiDate(application.submittedAt),
        nextStep: '申请已转入初审，随后由区市民政部门实地核查床位；审核结果将另行书面通知。',
      };
    case 'documents_requested':
      return { ...base, kind: 'documents_requested', items: input.reasons };
    case 'refusal':
      return { ...base, kind: 'refusal', stage: input.stageName, reasons: input.reasons };
    case 'award':
      return awardContent(application, beds, base);
    case 'payment':
      return paymentContent(application, base);
  }
}

async function awardContent(application: Application, beds: Bed[], base: Base): Promise<NoticeContent> {
  const calculation = application.awardCalculation as AwardCalculation;
  const rewardPerBed = calculation.parameters.find((p) => p.name === 'reward_per_bed_fen');
  const appropriation = application.appropriationId
    ? await Appropriation.findByPk(application.appropriationId)
    : null;
  const fundSource = appropriation ? await FundSource.findByPk(appropriation.fundSourceCode) : null;
  return {
    ...base,
    kind: 'award',
    bedsPassed: beds.filter((b) => b.inspectionResult === 'pass').length,
    bedsInspected: beds.filter((b) => b.inspectionResult !== null).length,
    rewardPerBedFen: BigInt(rewardPerBed?.value ?? 0),
    awardAmountFen: fenFromColumn(application.awardFen),
    calculation: calculation.lines,
    fundSourceName: fundSource?.name ?? '养老服务专项资金',
    policyBasis: HOME_CARE_BED_POLICY_BASIS,
    beds: beds.map((bed) => ({
      sequence: bed.sequence,
      maskedName: bed.personNameMasked,
      maskedIdNumber: bed.idNumberMasked,
      address: bed.address,
      result: bed.inspectionResult === 'pass' ? '合格' : `不合格：${bed.inspectionNote ?? ''}`,
    })),
  };
}

async function paymentContent(application: Application, base: Base): Promise<NoticeContent> {
  const payment = await Payment.findOne({ where: { applicationId: application.id, status: 'paid' } });
  if (!payment) throw new NotFoundError('Paid payment for application', application.reference);
  return {
    ...base,
    kind: 'payment',
    paymentReference: payment.reference,
    amountFen: fenFromColumn(payment.amountFen),
    payeeAccountName: payment.payeeName,
    payeeAccountLast4: payment.payeeAccount.slice(-4),
    bankName: payment.payeeBank,
    paidOn: shanghaiDate(payment.settledAt ?? new Date()),
    bankTransactionId: payment.bankTransactionId ?? '',
  };
}

/** 烟民养补〔2026〕第000012号: one number series for all notices, so none is issued twice. */
async function nextDocumentNumber(year: number): Promise<string> {
  const [row] = await database().query<{ seq: string }>("SELECT nextval('notice_number_seq') AS seq", {
    type: QueryTypes.SELECT,
  });
  return `烟民养补〔${year}〕第${String(row?.seq ?? '0').padStart(6, '0')}号`;
}
