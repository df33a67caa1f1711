import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import { inTransaction } from '../../db';
import { Application, Bed, Decision, Document } from '../../db/models';
import { recordAuditEvent } from '../audit';
import { NotFoundError } from '../errors';
import type { Actor, DocumentInput, InspectionInput } from '../../workflows/application-messages';
import type { ApplicationStatus } from '../../workflows/stages';

/*
 * The facts of a review, written by the application workflow's activities. Each write
 * carries the workflow's action key, so a retried activity finds its earlier write and
 * does nothing twice; each writes its audit event in the same transaction.
 */

async function lockApplication(tx: Transaction, applicationId: string): Promise<Application> {
  const application = await Application.findByPk(applicationId, { transaction: tx, lock: tx.LOCK.UPDATE });
  if (!application) throw new NotFoundError('Application', applicationId);
  return application;
}

async function alreadyRecorded(tx: Transaction, actionKey: string): Promise<boolean> {
  return (await Decision.count({ where: { actionKey }, transaction: tx })) > 0;
}

export interface RecordDecisionInput {
  applicationId: string;
  actionKey: string;
  stageId: string;
  stageName: string;
  decision: string;
  actor: Actor;
  reasons: string[];
  nextStatus: ApplicationStatus;
  nextStageId: string | null;
}

/** Records a reviewer's decision and the application's resulting status. */
export async function recordDecision(input: RecordDecisionInput): Promise<void> {
  await inTransaction(async (tx) => {
    if (await alreadyRecorded(tx, input.actionKey)) return;
    const application = await lockApplication(tx, input.applicationId);
    const before = { status: application.status, stage: application.stage };
    await writeDecision(
      tx,
      input.applicationId,
      input.actionKey,
      input.stageId,
      input.decision,
      input.actor,
      input.reasons,
    );
    await application.update(
      { status: input.nextStatus, stage: input.nextStageId, updatedAt: new Date() },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor: input.actor.userId,
      action: 'application.decided',
      subjectType: 'application',
      subjectId: input.applicationId,
      before,
      after: {
        status: input.nextStatus,
        stage: input.nextStageId,
        decidedStage: input.stageId,
        decidedStageName: input.stageName,
        decision: input.decision,
        reasons: input.reasons,
        role: input.actor.role,
      },
    });
  });
}

async function writeDecision(
  tx: Transaction,
  applicationId: string,
  actionKey: string,
  stage: string,
  decision: string,
  actor: Actor,
  reasons: string[],
): Promise<void> {
  await Decision.create(
    {
      id: crypto.randomUUID(),
      actionKey,
      applicationId,
      stage,
      decision,
      actorUserId: actor.userId,
      reasons: reasons.length > 0 ? reasons.join('\n') : null,
      createdAt: new Date(),
    },
    { transaction: tx },
  );
}

/** Records an assessor's on-site finding for one bed; the last finding per bed counts. */
export async function recordBedInspection(
  input: InspectionInput & { applicationId: string; actionKey: string },
): Promise<void> {
  await inTransaction(async (tx) => {
    if (await alreadyRecorded(tx, input.actionKey)) return;
    await lockApplication(tx, input.applicationId);
    const bed = await Bed.findOne({
      where: { id: input.bedId, applicationId: input.applicationId },
      transaction: tx,
    });
    if (!bed) throw new NotFoundError('Bed', input.bedId);
    const before = { result: bed.inspectionResult, note: bed.inspectionNote };
    await bed.update(
      {
        inspectionResult: input.result,
        inspectionNote: input.note,
        inspectedBy: input.actor.userId,
        inspectedAt: new Date(),
      },
      { transaction: tx },
    );
    await writeDecision(
      tx,
      input.applicationId,
      input.actionKey,
      'site_inspection',
      `bed:${input.result}`,
      input.actor,
      [input.note],
    );
    await recordAuditEvent(tx, {
      actor: input.actor.userId,
      action: 'bed.inspected',
      subjectType: 'application',
      subjectId: input.applicationId,
      before,
      after: {
        bedId: bed.id,
        bedSequence: bed.sequence,
        result: input.result,
        note: input.note,
        evidence: input.evidenceDocumentIds,
      },
    });
  });
}

/** Attaches an already stored file to the application (and to a bed when given). */
export async function recordDocument(
  input: DocumentInput & { applicationId: string; actionKey: string },
): Promise<void> {
  await inTransaction(async (tx) => {
    if (await Document.findByPk(input.documentId, { transaction: tx })) return;
    await lockApplication(tx, input.applicationId);
    await Document.create(
      {
        id: input.documentId,
        applicationId: input.applicationId,
        bedId: input.bedId,
        kind: input.kind,
        fileName: input.fileName,
        contentType: input.contentType,
        sizeBytes: input.sizeBytes,
        sha256: input.sha256,
        storageKey: input.storageKey,
        uploadedBy: input.actor.userId,
        createdAt: new Date(),
      },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor: input.actor.userId,
      action: 'document.attached',
      subjectType: 'application',
      subjectId: input.applicationId,
      after: {
        documentId: input.documentId,
        bedId: input.bedId,
        kind: input.kind,
        sha256: input.sha256,
        sizeBytes: input.sizeBytes,
      },
    });
  });
}

/** The applicant answers a request for documents or a return; review resumes at `stageId`. */
export async function recordApplicantResponse(input: {
  applicationId: string;
  actionKey: string;
  actor: Actor;
  note: string;
  stageId: string;
}): Promise<void> {
  await inTransaction(async (tx) => {
    if (await alreadyRecorded(tx, input.actionKey)) return;
    const application = await lockApplication(tx, input.applicationId);
    const before = { status: application.status, stage: application.stage };
    await writeDecision(
      tx,
      input.applicationId,
      input.actionKey,
      input.stageId,
      'applicant_response',
      input.actor,
      [input.note],
    );
    await application.update(
      { status: 'under_review', stage: input.stageId, updatedAt: new Date() },
      { transaction: tx },
    );
    await recordAuditEvent(tx, {
      actor: input.actor.userId,
      action: 'application.supplemented',
      subjectType: 'application',
      subjectId: input.applicationId,
      before,
      after: { status: 'under_review', stage: input.stageId, note: input.note },
    });
  });
}

/** Sets the status an application reached outside a reviewer's decision (award, payment). */
export async function setApplicationStatus(
  tx: Transaction,
  applicationId: string,
  status: ApplicationStatus,
  actor: string,
  action: string,
  facts: Record<string, unknown> = {},
): Promise<Application> {
  const application = await lockApplication(tx, applicationId);
  const before = { status: application.status };
  await application.update({ status, updatedAt: new Date() }, { transaction: tx });
  await recordAuditEvent(tx, {
    actor,
    action,
    subjectType: 'application',
    subjectId: applicationId,
    before,
    after: { status, ...facts },
  });
  return application;
}
