import crypto from 'node:crypto';
import { Router, type Request } from 'express';
import Joi from 'joi';
import multer from 'multer';
import { Bed, Document } from '../../../db/models';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import { detectContentType, readStoredFile, storeFile } from '../../files';
import { recordSubmission, validateSubmission } from '../../applications/submission';
import {
  applicationTimeline,
  describeApplication,
  findVisibleApplication,
  listApplications,
} from '../../applications/queries';
import { pinnedVersion } from '../../programs/versions';
import { idempotencyKeyOf } from '../idempotency';
import { applicationExplanation } from '../../applications/explanation';
import { CITY } from '../../../db/seed/regions';
import {
  attachDocumentUpdate,
  decideUpdate,
  recordInspectionUpdate,
  respondUpdate,
} from '../../../workflows/application-messages';
import { FINAL_STATUSES, type ApplicationStatus } from '../../../workflows/stages';
import { actorOf, currentUser, requireRole } from '../auth';
import { startApplicationWorkflow, updateApplication } from '../workflow-client';
import { validate } from '../validation';

const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } });

/** Kinds any program takes besides those its definition requires: answers to 补正, evidence, the rest. */
const GENERAL_DOCUMENT_KINDS = ['supplementary', 'inspection_evidence', 'other'];

async function openApplication(req: Request) {
  const application = await findVisibleApplication(currentUser(req), String(req.params.id));
  if (FINAL_STATUSES.includes(application.status as ApplicationStatus)) {
    throw new ConflictError(
      `Application ${application.reference} is ${application.status}; nothing more can be done to it.`,
      'APPLICATION_CLOSED',
    );
  }
  return application;
}

export const applicationsRouter = Router();

applicationsRouter.post('/', async (req, res) => {
  const user = requireRole(req, 'applicant');
  const key = idempotencyKeyOf(req);
  const submission = validateSubmission(req.body);
  const { application, bedIds, created } = await recordSubmission(user, submission, key);
  const { definition } = await pinnedVersion(application.programVersionId as number);

  // Also on a replay: the first request may have failed between recording and starting.
  await startApplicationWorkflow({
    applicationId: application.id,
    reference: application.reference,
    programCode: application.programCode,
    applicantUserId: application.applicantUserId,
    townshipCode: application.townshipCode,
    districtCode: application.districtCode,
    cityCode: CITY.code,
    bedIds,
    stages: definition.stages,
    roundId: application.roundId ?? null,
  });
  if (!created) res.set('Idempotent-Replayed', 'true');
  res.status(201).json(await describeApplication(application));
});

const listQuery = Joi.object({
  status: Joi.string().max(40),
  limit: Joi.number().integer().min(1).max(200).default(50),
  offset: Joi.number().integer().min(0).default(0),
});

applicationsRouter.get('/', async (req, res) => {
  const filter = validate(listQuery, req.query, 'query');
  res.json(await listApplications(currentUser(req), filter));
});

applicationsRouter.get('/:id', async (req, res) => {
  res.json(await describeApplication(await findVisibleApplication(currentUser(req), String(req.params.id))));
});

/** The stored rule evaluations with their traces, and for staff the checks' flags. */
applicationsRouter.get('/:id/explanation', async (req, res) => {
  const user = currentUser(req);
  res.json(await applicationExplanation(await findVisibleApplication(user, String(req.params.id)), user));
});

applicationsRouter.get('/:id/timeline', async (req, res) => {
  const application = await findVisibleApplication(currentUser(req), String(req.params.id));
  res.json({
    reference: application.reference,
    status: application.status,
    events: await applicationTimeline(application.id),
  });
});

const documentFields = (kinds: string[]) =>
  Joi.object({
    kind: Joi.string()
      .valid(...kinds)
      .required(),
    bedId: Joi.string().guid().allow('', null),
  });

applicationsRouter.post('/:id/documents', upload.single('file'), async (req, res) => {
  const user = currentUser(req);
  const application = await openApplication(req);
  const { definition } = await pinnedVersion(application.programVersionId as number);
  const kinds = [...definition.documents.map((document) => document.kind), ...GENERAL_DOCUMENT_KINDS];
  const fields = validate(documentFields(kinds), req.body ?? {}, 'body');
  if (!req.file) throw new ValidationError('Attach the document as the multipart field "file".');
  const contentType = detectContentType(req.file.buffer);
  if (!contentType) throw new ValidationError('Documents must be PDF, PNG or JPEG files.');
  const bedId = fields.bedId ? String(fields.bedId) : null;
  if (bedId && !(await Bed.findOne({ where: { id: bedId, applicationId: application.id } }))) {
    throw new NotFoundError('Bed', bedId);
  }

  // Files are content-addressed: storing one that is then refused leaves no record behind.
  const stored = await storeFile(req.file.buffer);
  const documentId = crypto.randomUUID();
  await updateApplication(application.id, attachDocumentUpdate, {
    actor: actorOf(user),
    documentId,
    bedId,
    kind: fields.kind,
    fileName: req.file.originalname.slice(0, 200),
    contentType,
    sizeBytes: stored.sizeBytes,
    sha256: stored.sha256,
    storageKey: stored.storageKey,
  });
  res
    .status(201)
    .json({ id: documentId, kind: fields.kind, bedId, sha256: stored.sha256, sizeBytes: stored.sizeBytes });
});

applicationsRouter.get('/:id/documents/:documentId', async (req, res) => {
  const application = await findVisibleApplication(currentUser(req), String(req.params.id));
  const document = await Document.findOne({
    where: { id: String(req.params.documentId), applicationId: application.id },
  });
  if (!document) throw new NotFoundError('Document', String(req.params.documentId));
  res
    .type(document.contentType)
    .attachment(document.fileName)
    .send(await readStoredFile(document.storageKey));
});

const decisionBody = Joi.object({
  stage: Joi.string().required(),
  decision: Joi.string().required(),
  reasons: Joi.array().items(Joi.string().trim().min(1).max(2000)).max(20).default([]),
});

applicationsRouter.post('/:id/decisions', async (req, res) => {
  const user = currentUser(req);
  const application = await openApplication(req);
  const body = validate(decisionBody, req.body ?? {}, 'body');
  const state = await updateApplication(application.id, decideUpdate, {
    actor: actorOf(user),
    stageId: body.stage,
    decision: body.decision,
    reasons: body.reasons,
  });
  res.json({ status: state.status, stage: state.stageId, award: state.awardFen });
});

const inspectionBody = Joi.object({
  result: Joi.string().valid('pass', 'fail').required(),
  note: Joi.string().trim().min(1).max(2000).required(),
  evidenceDocumentIds: Joi.array().items(Joi.string().guid()).max(20).default([]),
});

applicationsRouter.post('/:id/beds/:bedId/inspection', async (req, res) => {
  const user = currentUser(req);
  const application = await openApplication(req);
  const body = validate(inspectionBody, req.body ?? {}, 'body');
  const evidence = body.evidenceDocumentIds as string[];
  const found = await Document.count({ where: { id: evidence, applicationId: application.id } });
  if (found !== evidence.length)
    throw new ValidationError('Some evidence documents are not attached to this application.');
  const state = await updateApplication(application.id, recordInspectionUpdate, {
    actor: actorOf(user),
    bedId: String(req.params.bedId),
    result: body.result,
    note: body.note,
    evidenceDocumentIds: evidence,
  });
  res.json({ status: state.status, stage: state.stageId, inspections: state.inspections });
});

const responseBody = Joi.object({ note: Joi.string().trim().min(1).max(2000).required() });

applicationsRouter.post('/:id/response', async (req, res) => {
  const user = currentUser(req);
  const application = await openApplication(req);
  const body = validate(responseBody, req.body ?? {}, 'body');
  const state = await updateApplication(application.id, respondUpdate, {
    actor: actorOf(user),
    note: body.note,
  });
  res.json({ status: state.status, stage: state.stageId });
});
