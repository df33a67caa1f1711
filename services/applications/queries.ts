import { Op, type WhereOptions } from 'sequelize';
import {
  Application,
  AuditEvent,
  Bed,
  Decision,
  Document,
  Notice,
  Payment,
  type User,
} from '../../db/models';
import { NotFoundError } from '../errors';
import { isUuid } from '../identifiers/uuid';
import type { ProgramDefinition } from '../programs/definition';
import { pinnedVersion } from '../programs/versions';
import { fenFromColumn, fenToYuanString } from '../money/amount';

/*
 * What each user may read: applicants their organisation's applications, township and
 * district staff those of their region, city staff and finance everything. Reads come
 * from Postgres; the workflow is never asked for lists.
 */
export function visibleTo(user: User): WhereOptions<Application> {
  switch (user.role) {
    case 'applicant':
      return user.organisationCreditCode
        ? { organisationCreditCode: user.organisationCreditCode }
        : { applicantUserId: user.id };
    case 'township_reviewer':
      return { townshipCode: user.regionCode };
    case 'district_assessor':
    case 'district_reviewer':
      return { districtCode: user.regionCode };
    default:
      return {};
  }
}

/** @throws NotFoundError when the application does not exist or the user may not see it. */
export async function findVisibleApplication(user: User, applicationId: string): Promise<Application> {
  const application = isUuid(applicationId)
    ? await Application.findOne({ where: { [Op.and]: [{ id: applicationId }, visibleTo(user)] } })
    : null;
  if (!application) throw new NotFoundError('Application', applicationId);
  return application;
}

const yuan = (fen: string | null): string | null =>
  fen === null ? null : fenToYuanString(fenFromColumn(fen));

/**
 * Each document the program requires, and whether it is there: per application, or for
 * bed programs per bed. Reviewers read it before accepting; the decision stays theirs.
 */
function documentChecklist(definition: ProgramDefinition, beds: Bed[], documents: Document[]) {
  return definition.documents.map((required) => {
    const ofKind = documents.filter((document) => document.kind === required.kind);
    const perBed = required.per === 'subject' && definition.subject.kind === 'bed';
    const missingForBeds = perBed
      ? beds.filter((bed) => !ofKind.some((document) => document.bedId === bed.id)).map((bed) => bed.id)
      : [];
    return {
      kind: required.kind,
      name: required.name,
      required: required.required,
      per: required.per,
      attached: ofKind.length,
      complete: perBed ? missingForBeds.length === 0 : ofKind.length > 0,
      missingForBeds,
    };
  });
}

/** The application as its readers see it: personal data masked, money in yuan strings. */
export async function describeApplication(application: Application): Promise<Record<string, unknown>> {
  const [beds, documents, decisions, notices, payments] = await Promise.all([
    Bed.findAll({ where: { applicationId: application.id }, order: [['sequence', 'ASC']] }),
    Document.findAll({ where: { applicationId: application.id }, order: [['createdAt', 'ASC']] }),
    Decision.findAll({ where: { applicationId: application.id }, order: [['createdAt', 'ASC']] }),
    Notice.findAll({ where: { applicationId: application.id }, order: [['createdAt', 'ASC']] }),
    Payment.findAll({ where: { applicationId: application.id }, order: [['createdAt', 'ASC']] }),
  ]);
  const version =
    application.programVersionId === null ? null : await pinnedVersion(application.programVersionId);
  return {
    id: application.id,
    reference: application.reference,
    programCode: application.programCode,
    programYear: application.programYear,
    programVersion: version?.version ?? null,
    applicantType: application.applicantType,
    facts: application.facts,
    status: application.status,
    stage: application.stage,
    organisation: { creditCode: application.organisationCreditCode, name: application.organisationName },
    contactEmail: application.contactEmail,
    districtCode: application.districtCode,
    townshipCode: application.townshipCode,
    bankAccount: {
      name: application.bankAccountName,
      number: `****${application.bankAccountNumber.slice(-4)}`,
      bank: application.bankName,
    },
    award:
      application.awardFen === null ? null : { yuan: yuan(application.awardFen), fen: application.awardFen },
    awardCalculation: application.awardCalculation,
    submittedAt: application.submittedAt,
    updatedAt: application.updatedAt,
    beds: beds.map((bed) => ({
      id: bed.id,
      sequence: bed.sequence,
      personName: bed.personNameMasked,
      idNumber: bed.idNumberMasked,
      address: bed.address,
      acceptedOn: bed.acceptedOn,
      inspection: bed.inspectionResult
        ? { result: bed.inspectionResult, note: bed.inspectionNote, at: bed.inspectedAt }
        : null,
    })),
    documentChecklist: version ? documentChecklist(version.definition, beds, documents) : [],
    documents: documents.map((d) => ({
      id: d.id,
      bedId: d.bedId,
      kind: d.kind,
      fileName: d.fileName,
      contentType: d.contentType,
      sizeBytes: d.sizeBytes,
      sha256: d.sha256,
      uploadedAt: d.createdAt,
    })),
    decisions: decisions.map((d) => ({
      stage: d.stage,
      decision: d.decision,
      reasons: d.reasons,
      at: d.createdAt,
    })),
    notices: notices.map((n) => ({
      kind: n.kind,
      noticeKey: n.noticeKey,
      fileName: n.fileName,
      sha256: n.sha256,
      emailedAt: n.emailedAt,
    })),
    payments: payments.map((p) => ({
      id: p.id,
      reference: p.reference,
      status: p.status,
      amount: yuan(p.amountFen),
      bankReason: p.bankReason,
      settledAt: p.settledAt,
    })),
  };
}

export async function listApplications(
  user: User,
  filter: { status?: string; limit: number; offset: number },
): Promise<{ total: number; items: Array<Record<string, unknown>> }> {
  const where: WhereOptions<Application> = {
    [Op.and]: [visibleTo(user), filter.status ? { status: filter.status } : {}],
  };
  const { count, rows } = await Application.findAndCountAll({
    where,
    order: [['submittedAt', 'DESC']],
    limit: filter.limit,
    offset: filter.offset,
  });
  return {
    total: count,
    items: rows.map((a) => ({
      id: a.id,
      reference: a.reference,
      status: a.status,
      stage: a.stage,
      organisationName: a.organisationName,
      districtCode: a.districtCode,
      townshipCode: a.townshipCode,
      award: yuan(a.awardFen),
      submittedAt: a.submittedAt,
    })),
  };
}

/** Every recorded step of one application, oldest first, from the audit trail. */
export async function applicationTimeline(applicationId: string): Promise<Array<Record<string, unknown>>> {
  const events = await AuditEvent.findAll({
    where: { subjectType: 'application', subjectId: applicationId },
    order: [['id', 'ASC']],
  });
  return events.map((e) => ({
    id: String(e.id),
    at: e.occurredAt,
    action: e.action,
    actor: e.actor,
    before: e.before,
    after: e.after,
  }));
}
