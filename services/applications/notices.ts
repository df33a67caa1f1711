import { Application, Appropriation, Bed, FundSource, Notice, Payment } from '../../db/models';
import { NotFoundError } from '../errors';
import { fenFromColumn } from '../money/amount';
import { issueNotice, policyBasis, type IssuedNotice, type NoticeContent } from '../notices';
import { nextDocumentNumber } from '../notices/numbering';
import type { ProgramDefinition } from '../programs/definition';
import { pinnedVersion } from '../programs/versions';
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
  /** For a request for documents with a time limit: the last day, as printed (2026年12月20日). */
  deadline?: string;
}

/** What the award settlement keeps on the application (see services/applications/award.ts). */
interface AwardCalculation {
  lines: Array<{ label: string; value: string }>;
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

  const { definition } = await pinnedVersion(application.programVersionId as number);
  const base = {
    programName: definition.name,
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
    content: await contentFor(input, application, definition, base),
  });
}

type Base = Pick<
  NoticeContent,
  'programName' | 'documentNumber' | 'issuedOn' | 'organisationName' | 'applicationReference' | 'noticeKey'
>;

/** 申报家庭养老床位3张 / 申报服务设施：幸福食堂 — what the application asks money for. */
function subjectSummary(definition: ProgramDefinition, application: Application, beds: Bed[]): string {
  const { subject } = definition;
  if (subject.kind === 'bed') return `申报${subject.name}${beds.length}张`;
  const facts = application.facts as Record<string, unknown>;
  const nameFact = definition.facts.find((f) => f.name.endsWith('Name'));
  const key = subject.keyFact ? String(facts[subject.keyFact] ?? '') : '';
  const name = nameFact ? String(facts[nameFact.name] ?? '') : '';
  return `申报${subject.name}：${[name, key].filter((part) => part !== '').join('，')}`;
}

function nextStep(definition: ProgramDefinition): string {
  const names = definition.stages.stages.slice(1).map((stage) => stage.name);
  return `申请将依次进行${names.join('、')}；审核结果将另行书面通知。`;
}

async function contentFor(
  input: ApplicationNoticeInput,
  application: Application,
  definition: ProgramDefinition,
  base: Base,
): Promise<NoticeContent> {
  const beds = await Bed.findAll({ where: { applicationId: application.id }, order: [['sequence', 'ASC']] });
  switch (input.kind) {
    case 'acceptance':
      return {
        ...base,
        kind: 'acceptance',
        subjectSummary: subjectSummary(definition, application, beds),
        receivedOn: shanghaiDate(application.submittedAt),
        nextStep: nextStep(definition),
      };
    case 'documents_requested':
      return { ...base, kind: 'documents_requested', items: input.reasons, deadline: input.deadline };
    case 'refusal':
      return { ...base, kind: 'refusal', stage: input.stageName, reasons: input.reasons };
    case 'award':
      return awardContent(application, definition, beds, base);
    case 'payment':
      return paymentContent(application, base);
  }
}

async function awardContent(
  application: Application,
  definition: ProgramDefinition,
  beds: Bed[],
  base: Base,
): Promise<NoticeContent> {
  const calculation = application.awardCalculation as AwardCalculation;
  const inspected = beds.filter((b) => b.inspectionResult !== null).length;
  const passed = beds.filter((b) => b.inspectionResult === 'pass').length;
  const findings =
    definition.subject.kind === 'bed'
      ? `经实地验收，共验收${definition.subject.name}${inspected}张，其中验收合格${passed}张`
      : `经${definition.stages.stages.map((stage) => stage.name).join('、')}`;
  const appropriation = application.appropriationId
    ? await Appropriation.findByPk(application.appropriationId)
    : null;
  const fundSource = appropriation ? await FundSource.findByPk(appropriation.fundSourceCode) : null;
  return {
    ...base,
    kind: 'award',
    findings,
    awardAmountFen: fenFromColumn(application.awardFen),
    calculation: calculation.lines,
    fundSourceName: fundSource?.name ?? '养老服务专项资金',
    policyBasis: policyBasis(definition.policyClause),
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
